package org.efiemu.uefi.smbios;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** DSP0134 §6.1.3: formatted area, each string NUL-terminated, the set ended by one more NUL (two when empty). */
class SmbiosStructureBytesTest {

    @Test
    void bytesAreFormattedAreaThenEachStringWithItsNulThenTheSetsNulAndTwoNulsWithoutStrings() {
        SplittableRandom rnd = new SplittableRandom(17);
        for (int i = 0; i < 2000; i++) {
            int length = 4 + rnd.nextInt(0x60);
            SmbiosStructure s = new SmbiosStructure(rnd.nextInt(128), length, rnd.nextInt(0x10000));
            List<String> distinct = new ArrayList<>();
            int fields = rnd.nextInt(Math.min(6, length - 4) + 1);
            for (int f = 0; f < fields; f++) {
                String v = switch (rnd.nextInt(4)) {
                    case 0 -> "";
                    case 1 -> "QEMU";
                    case 2 -> "DIMM " + rnd.nextInt(400);
                    default -> latin1(rnd);
                };
                s.string(4 + f, v);
                if (!v.isEmpty() && !distinct.contains(v)) {
                    distinct.add(v);
                }
            }
            byte[] bytes = s.toBytes();
            ByteArrayOutputStream expected = new ByteArrayOutputStream();
            expected.write(bytes, 0, length); // the formatted area itself is what the field writers made
            if (distinct.isEmpty()) {
                expected.write(0);
            }
            for (String v : distinct) {
                expected.writeBytes(v.getBytes(StandardCharsets.ISO_8859_1));
                expected.write(0);
            }
            expected.write(0);
            assertThat(bytes).isEqualTo(expected.toByteArray());
            assertThat(bytes[1] & 0xFF).isEqualTo(length);
        }
    }

    private static String latin1(SplittableRandom rnd) {
        StringBuilder sb = new StringBuilder();
        for (int n = 1 + rnd.nextInt(20); n > 0; n--) {
            char c = (char) (0x20 + rnd.nextInt(0xE0));
            sb.append(c == 0x7F ? 'x' : c);
        }
        return sb.toString();
    }
}
