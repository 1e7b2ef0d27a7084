package org.efiemu.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.efiemu.uefi.spec.Guid;
import org.junit.jupiter.api.Test;

/**
 * The {@code handle-locate:} and {@code image-base:} profile keys (docs/profiles.md, "Captured handles and HOB list"):
 * canonical round trip into the platform description, and bad input refused naming file, line and field.
 */
class HandleLocateAndImageBaseLinesTest {
    private static final String HEAD = "name: t\n";
    private static final String MAP = "memory-map:\n"
            + "EfiConventionalMemory     0x0000000000000000-0x000000000009FFFF 0xF\n";
    private static final String DP = "09576e91-6d3f-11d2-8e39-00a0c969723b";
    private static final String LI = "5b1b31a1-9562-11d2-8e3f-00a0c969723b";
    private static final String PATH = "02010c00d041030a000000000101060000017fff0400";
    private static final String PATH2 = "02010c00d041030a000000000101060000027fff0400";
    private static final String H0 = "handle: 000 protocols=" + LI + " image-revision=0x1000 image-parent=none "
            + "image-device=none image-code=3 image-data=4 image-size=0x4200 image-options=0 image-file=none\n";
    private static final String H1 = "handle: 001 protocols=" + DP + " path=" + PATH + "\n";
    private static final String H2 = "handle: 002 protocols=" + DP + " path=" + PATH2 + "\n";
    private static final String LOCATE = "handle-locate: " + DP + " 002,001\n";
    private static final String BASE = "image-base: 000 0x7FEA1000\n";

    @Test
    void locateOrdersAndImageBasesRoundTripCanonicallyIntoThePlatformDescription() {
        PlatformProfile p = ProfileParser.parse(HEAD + H0 + H1 + H2 + LOCATE + BASE + MAP, "t.profile");
        assertThat(p.captured().locateOrders()).containsEntry(Guid.EFI_DEVICE_PATH_PROTOCOL_GUID, List.of(2, 1));
        assertThat(p.captured().imageBases()).containsEntry(0, 0x7FEA1000L);
        String written = ProfileWriter.write(p);
        assertThat(written).contains(H2 + LOCATE + BASE);
        assertThat(ProfileParser.parse(written, "w.profile")).isEqualTo(p);
        assertThat(p.toDescription().captured()).isEqualTo(p.captured());
    }

    @Test
    void aLocateLineNamingAHandleBeyondTheLastIsRefusedAtItsLine() {
        assertThatThrownBy(() -> ProfileParser.parse(HEAD + H0 + H1 + "handle-locate: " + DP + " 001,007\n" + MAP, "t.profile"))
                .isInstanceOf(ProfileFormatException.class).hasMessageContaining("t.profile:4")
                .hasMessageContaining("handle 007 beyond the last handle line");
    }

    @Test
    void aLocateLineThatDoesNotReadIsRefusedNamingTheField() {
        assertThatThrownBy(() -> ProfileParser.parse(HEAD + H0 + H1 + "handle-locate: not-a-guid 001\n" + MAP, "t.profile"))
                .isInstanceOf(ProfileFormatException.class).hasMessageContaining("t.profile:4")
                .hasMessageContaining("expected 'GUID NNN,NNN,...'");
        assertThatThrownBy(() -> ProfileParser.parse(HEAD + H0 + H1 + "handle-locate: " + DP + " 001,001\n" + MAP, "t.profile"))
                .isInstanceOf(ProfileFormatException.class).hasMessageContaining("handle 001 named twice");
        assertThatThrownBy(() -> ProfileParser.parse(HEAD + H0 + H1 + LOCATE.replace("002,001", "001") + LOCATE.replace("002,001", "000") + MAP,
                "t.profile")).isInstanceOf(ProfileFormatException.class).hasMessageContaining("protocol given twice");
    }

    @Test
    void anImageBaseForAHandleWithoutALoadedImageIsRefused() {
        assertThatThrownBy(() -> ProfileParser.parse(HEAD + H0 + H1 + "image-base: 001 0x1000\n" + MAP, "t.profile"))
                .isInstanceOf(ProfileFormatException.class).hasMessageContaining("t.profile:4")
                .hasMessageContaining("no handle line 001 with loaded-image fields");
        assertThatThrownBy(() -> ProfileParser.parse(HEAD + H0 + "image-base: 000 7FEA1000\n" + MAP, "t.profile"))
                .isInstanceOf(ProfileFormatException.class).hasMessageContaining("expected 'NNN 0xBASE'");
    }
}
