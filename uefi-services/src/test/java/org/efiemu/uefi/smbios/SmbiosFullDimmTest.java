package org.efiemu.uefi.smbios;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The patched template of a full 16 GiB type 17 Memory Device (DSP0134 3.7 §7.18) is the structure the encoder writes:
 * a template that missed a field depending on the handle, the array or the DIMM's index would differ here.
 */
class SmbiosFullDimmTest {

    @Test
    void aFullDimmFromTheTemplateIsTheEncodedType17ForEveryHandleArrayAndIndex() {
        SplittableRandom rnd = new SplittableRandom(15);
        for (int i = 0; i < 5000; i++) {
            int handle = i < 4 ? new int[] {0, 1, 0xFF, 0xFFFF}[i] : rnd.nextInt(0x10000);
            int array = i < 4 ? new int[] {0, 0x100, 0xFFFE, 3}[i] : rnd.nextInt(0x10000);
            int index = i < 4 ? new int[] {0, 9, 10, 383}[i] : rnd.nextInt(100_000);
            assertThat(SmbiosTablesBuilder.fullDimm(handle, array, index))
                    .as("handle %d array %d index %d", handle, array, index)
                    .isEqualTo(SmbiosTablesBuilder.type17(handle, array, index, SmbiosTablesBuilder.DIMM_BYTES));
        }
    }

    @Test
    void aPartialLastDimmIsStillEncodedWithItsOwnSize() {
        SmbiosTables t = new SmbiosTablesBuilder().socket(new ProcessorInfo("CPU0", "GenuineIntel", "cpu", 0x806EC,
                0x0789_FBFF, 0x01, 2000, 2000, 1, 1)).memory((16L << 30) + (512L << 20), java.util.List.of(
                        new SmbiosTablesBuilder.MappedRange(0, (16L << 30) + (512L << 20)))).build(0);
        byte[] second = SmbiosTablesBuilder.type17(5, 3, 1, 512L << 20);
        assertThat(indexOf(t.bytes(), second)).as("the 512 MiB DIMM 1").isPositive();
        byte[] first = SmbiosTablesBuilder.type17(4, 3, 0, SmbiosTablesBuilder.DIMM_BYTES);
        assertThat(indexOf(t.bytes(), first)).as("the full DIMM 0").isPositive();
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
