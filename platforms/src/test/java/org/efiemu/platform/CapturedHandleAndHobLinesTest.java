package org.efiemu.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.efiemu.platform.capture.FirmwareProbeFacts;
import org.efiemu.uefi.handle.CapturedHandle;
import org.efiemu.uefi.spec.Guid;
import org.junit.jupiter.api.Test;

/**
 * The {@code handle:} and {@code hob:} profile keys (docs/profiles.md, "Captured handles and HOB list"): round trip,
 * the firmware-probe import, and every bad input refused naming file, line and field.
 */
class CapturedHandleAndHobLinesTest {
    private static final String HEAD = "name: t\n";
    private static final String MAP = "memory-map:\n"
            + "EfiConventionalMemory     0x0000000000000000-0x000000000009FFFF 0xF\n";
    private static final String DP = "09576e91-6d3f-11d2-8e39-00a0c969723b";
    private static final String LI = "5b1b31a1-9562-11d2-8e3f-00a0c969723b";
    private static final String LIDP = "bc62157e-3e33-4fec-9920-2d3b36d750df";
    private static final String TAG = "d3b36f2c-d551-11d4-9a46-0090273fc14d";
    private static final String PATH = "02010c00d041030a000000000101060000017fff0400";
    private static final String FV_FILE = "04061400482975e3a1b9704790c4df41c38986be7fff0400";
    private static final String H0 = "handle: 000 protocols=" + LI + " image-revision=0x1000 image-parent=none "
            + "image-device=none image-code=3 image-data=4 image-size=0x4200 image-options=0 image-file=none\n";
    private static final String H1 = "handle: 001 protocols=" + TAG + "," + DP + " null=" + TAG + " path=" + PATH + "\n";
    private static final String H2 = "handle: 002 protocols=" + LIDP + "," + LI + " image-path=" + FV_FILE
            + " image-revision=0x1000 image-parent=000 image-device=001 image-code=3 image-data=4 image-size=0x3740 "
            + "image-options=0 image-file=" + FV_FILE + "\n";
    private static final String PHIT = "hob: 01003800000000000900000000000000" + "00".repeat(40) + "\n";
    private static final String END = "hob: ffff080000000000\n";

    private static String handles() {
        return H0 + H1 + H2;
    }

    @Test
    void handleAndHobLinesRoundTripCanonicallyAndReachThePlatformDescription() {
        PlatformProfile p = ProfileParser.parse(HEAD + handles() + PHIT + END + MAP, "t.profile");
        List<CapturedHandle> h = p.captured().handles();
        assertThat(h).hasSize(3);
        assertThat(h.get(1).protocols()).containsExactly(Guid.parse(TAG), Guid.EFI_DEVICE_PATH_PROTOCOL_GUID);
        assertThat(h.get(1).nullInterfaces()).containsExactly(Guid.parse(TAG));
        assertThat(h.get(2).image().parent()).isZero();
        assertThat(h.get(2).image().device()).isEqualTo(1);
        assertThat(h.get(2).image().size()).isEqualTo(0x3740);
        assertThat(h.get(0).image().filePath()).isNull();
        assertThat(p.captured().hobs()).hasSize(2);
        String written = ProfileWriter.write(p);
        assertThat(written).contains(H0, H1, H2, PHIT, END);
        assertThat(ProfileParser.parse(written, "w.profile")).isEqualTo(p);
        assertThat(p.toDescription().captured()).isEqualTo(p.captured());
    }

    @Test
    void aProfileWithoutTheKeysHasNoCapturedHandlesOrHobList() {
        PlatformProfile p = ProfileParser.parse(HEAD + MAP, "t.profile");
        assertThat(p.captured().hasHandles()).isFalse();
        assertThat(p.captured().hasHobList()).isFalse();
        assertThat(ProfileWriter.write(p)).doesNotContain("handle:").doesNotContain("hob:");
        assertThat(ProfileRegistry.builtIn("dell-poweredge-r820").captured().hasHandles()).isFalse();
    }

    private static void refused(String text, String line, String... contains) {
        org.assertj.core.api.AbstractThrowableAssert<?, ? extends Throwable> t = assertThatThrownBy(() -> ProfileParser.parse(text, "t.profile")).isInstanceOf(ProfileFormatException.class)
                .hasMessageStartingWith("t.profile:" + line + ":");
        for (String c : contains) {
            t.hasMessageContaining(c);
        }
    }

    @Test
    void badHandleLinesAreRefusedNamingFileLineAndField() {
        refused(HEAD + "handle: 000\n" + MAP, "2", "expected 'NNN protocols=GUID");
        refused(HEAD + "handle: 0 protocols=" + DP + " path=" + PATH + "\n" + MAP, "2", "3 digits");
        refused(HEAD + "handle: 000 path=" + PATH + "\n" + MAP, "2", "no protocols=");
        refused(HEAD + "handle: 000 protocols=09576e91-6d3f\n" + MAP, "2", "field 'protocols'", "09576e91-6d3f");
        refused(HEAD + "handle: 000 protocols=" + DP + " colour=red\n" + MAP, "2", "handle field 'colour=red'");
        refused(HEAD + "handle: 000 protocols=" + DP + " path=" + PATH + " path=" + PATH + "\n" + MAP, "2", "at most once");
        refused(HEAD + "handle: 000 protocols=" + DP + "\n" + MAP, "2", "path missing");
        refused(HEAD + "handle: 000 protocols=" + TAG + " path=" + PATH + "\n" + MAP, "2", "path given");
        refused(HEAD + "handle: 000 protocols=" + DP + " path=02010c00d041\n" + MAP, "2", "end node 7fff0400");
        refused(HEAD + "handle: 000 protocols=" + DP + " path=0x0201\n" + MAP, "2", "field 'path'", "hex digits");
        refused(HEAD + "handle: 000 protocols=" + DP + "," + DP + " path=" + PATH + "\n" + MAP, "2", "listed twice");
        refused(HEAD + "handle: 000 protocols=" + TAG + " null=" + DP + "\n" + MAP, "2", "NULL-interface protocol");
        refused(HEAD + H0.replace(" image-size=0x4200", "") + MAP, "2", "go together", "image-size");
        refused(HEAD + H0.replace("image-code=3", "image-code=x") + MAP, "2", "field 'image-code'", "decimal");
        refused(HEAD + H0.replace("image-size=0x4200", "image-size=4200") + MAP, "2", "field 'image-size'", "0x");
        refused(HEAD + H0.replace("image-parent=none", "image-parent=7") + MAP, "2", "field 'image-parent'");
        refused(HEAD + "handle: 000 protocols=" + LI + "\n" + MAP, "2", "loaded-image fields missing");
        refused(HEAD + H0 + H2 + MAP, "3", "expected 001", "numbered");
        refused(HEAD + H0 + H1 + H2.replace("image-device=001", "image-device=009") + MAP, "4",
                "beyond the last handle line");
    }

    @Test
    void badHobLinesAreRefusedNamingFileLineAndWhatWasExpected() {
        refused(HEAD + "hob: 0100380\n" + MAP, "2", "even number of hex digits");
        refused(HEAD + "hob: 0100400000000000" + "00".repeat(48) + "\n" + MAP, "2", "HobLength 64");
        refused(HEAD + "hob: 0300080000000000\n" + END + MAP, "2", "expected the PHIT");
        refused(HEAD + PHIT + MAP, "2", "expected EFI_HOB_TYPE_END_OF_HOB_LIST");
        refused(HEAD + PHIT + END + END + MAP, "3", "before the end of the list");
    }

    @Test
    void theCommittedCapturesGiveEveryHandleAndTheHobListAndTheBuiltInsRecordThem() throws IOException {
        for (String name : List.of("ovmf-q35-2g", "ovmf-q35-512m", "ovmf-pc-2g")) {
            String text;
            try (InputStream in = getClass().getResourceAsStream("/org/efiemu/platform/captures/" + name + ".firmware.txt")) {
                text = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            }
            FirmwareProbeFacts f = FirmwareProbeFacts.parse(text, name + ".firmware.txt");
            assertThat(f.captured().handles()).as(name).hasSize(183);
            assertThat(f.captured().handles().stream().filter(h -> h.image() != null)).as(name).hasSize(101);
            assertThat(f.captured().hobs().size()).as(name).isEqualTo(text.lines().filter(l -> l.matches("hob: [0-9a-f]+"))
                    .count());
            assertThat(ProfileRegistry.builtIn(name).captured()).as(name).isEqualTo(f.captured());
            // a broken group is refused naming the capture's line
            String broken = text.replaceFirst("handle: 005 protocols=3", "handle: 005 protocols=4");
            assertThatThrownBy(() -> FirmwareProbeFacts.parse(broken, "b.txt")).isInstanceOf(ProfileFormatException.class)
                    .hasMessageContaining("b.txt:").hasMessageContaining("expected protocol 4 of 4 of handle 005");
            String miscounted = text.replace("hob: count=", "hob: count=1");
            assertThatThrownBy(() -> FirmwareProbeFacts.parse(miscounted, "c.txt")).hasMessageContaining("field 'hob: count'");
        }
    }
}
