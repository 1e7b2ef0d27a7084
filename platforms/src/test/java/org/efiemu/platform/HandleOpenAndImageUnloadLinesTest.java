package org.efiemu.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.efiemu.uefi.handle.CapturedOpen;
import org.efiemu.uefi.handle.CapturedUnload;
import org.efiemu.uefi.spec.EfiStatus;
import org.efiemu.uefi.spec.Guid;
import org.junit.jupiter.api.Test;

/**
 * The {@code handle-open:} and {@code image-unload:} profile keys (docs/profiles.md, "Captured handles and HOB list"):
 * canonical round trip into the platform description, and bad input refused naming file, line and field.
 */
class HandleOpenAndImageUnloadLinesTest {
    private static final String HEAD = "name: t\n";
    private static final String MAP = "memory-map:\n"
            + "EfiConventionalMemory     0x0000000000000000-0x000000000009FFFF 0xF\n";
    private static final String DP = "09576e91-6d3f-11d2-8e39-00a0c969723b";
    private static final String LI = "5b1b31a1-9562-11d2-8e3f-00a0c969723b";
    private static final String PATH = "02010c00d041030a000000000101060000017fff0400";
    private static final String H0 = "handle: 000 protocols=" + LI + " image-revision=0x1000 image-parent=none "
            + "image-device=none image-code=3 image-data=4 image-size=0x4200 image-options=0 image-file=none\n";
    private static final String H1 = "handle: 001 protocols=" + DP + " path=" + PATH + "\n";
    private static final String OPENS = "handle-open: 001 " + DP + " 000 none 0x1 7\n"
            + "handle-open: 001 " + DP + " 000 001 0x10 1\n";
    private static final String UNLOAD = "image-unload: 000 EFI_SUCCESS 000,001\n";

    @Test
    void openEntriesAndUnloadOutcomesRoundTripCanonicallyIntoThePlatformDescription() {
        PlatformProfile p = ProfileParser.parse(HEAD + H0 + H1 + OPENS + UNLOAD + MAP, "t.profile");
        Guid dp = Guid.EFI_DEVICE_PATH_PROTOCOL_GUID;
        assertThat(p.captured().opens()).containsExactly(new CapturedOpen(1, dp, 0, -1, 0x1, 7),
                new CapturedOpen(1, dp, 0, 1, 0x10, 1));
        assertThat(p.captured().unloads()).containsExactly(new CapturedUnload(0, EfiStatus.SUCCESS, List.of(0, 1)));
        String written = ProfileWriter.write(p);
        assertThat(written).contains(H1 + OPENS + UNLOAD);
        assertThat(ProfileParser.parse(written, "w.profile")).isEqualTo(p);
        assertThat(p.toDescription().captured()).isEqualTo(p.captured());
    }

    @Test
    void anOpenLineThatDoesNotReadIsRefusedNamingTheField() {
        assertThatThrownBy(() -> ProfileParser.parse(HEAD + H0 + H1 + "handle-open: 001 " + DP + " 000 none 1 7\n" + MAP,
                "t.profile")).isInstanceOf(ProfileFormatException.class).hasMessageContaining("t.profile:4")
                .hasMessageContaining("handle-open").hasMessageContaining("expected 'HHH GUID AAA CCC|none 0xATTRIBUTES COUNT'");
        assertThatThrownBy(() -> ProfileParser.parse(HEAD + H0 + H1 + "handle-open: 001 " + DP + " 000 none 0x3 1\n" + MAP,
                "t.profile")).isInstanceOf(ProfileFormatException.class).hasMessageContaining("t.profile:4")
                .hasMessageContaining("attributes 0x3");
        assertThatThrownBy(() -> ProfileParser.parse(HEAD + H0 + H1 + "handle-open: 001 " + DP + " 000 none 0x1 0\n" + MAP,
                "t.profile")).isInstanceOf(ProfileFormatException.class).hasMessageContaining("open count 0");
    }

    @Test
    void anOpenLineNamingAHandleBeyondTheLastOrAProtocolTheHandleLacksIsRefusedAtItsLine() {
        assertThatThrownBy(() -> ProfileParser.parse(HEAD + H0 + H1 + "handle-open: 001 " + DP + " 005 none 0x1 1\n" + MAP,
                "t.profile")).isInstanceOf(ProfileFormatException.class).hasMessageContaining("t.profile:4")
                .hasMessageContaining("beyond the last handle line");
        assertThatThrownBy(() -> ProfileParser.parse(HEAD + H0 + H1 + "handle-open: 000 " + DP + " 000 none 0x1 1\n" + MAP,
                "t.profile")).isInstanceOf(ProfileFormatException.class).hasMessageContaining("t.profile:4")
                .hasMessageContaining("handle line 000 has no such protocol");
    }

    @Test
    void anUnloadLineThatDoesNotReadOrNamesNoImageIsRefusedAtItsLine() {
        assertThatThrownBy(() -> ProfileParser.parse(HEAD + H0 + H1 + "image-unload: 000 SUCCESS none\n" + MAP, "t.profile"))
                .isInstanceOf(ProfileFormatException.class).hasMessageContaining("t.profile:4")
                .hasMessageContaining("status 'SUCCESS': expected a UEFI status name");
        assertThatThrownBy(() -> ProfileParser.parse(HEAD + H0 + H1 + "image-unload: 001 EFI_SUCCESS none\n" + MAP, "t.profile"))
                .isInstanceOf(ProfileFormatException.class).hasMessageContaining("t.profile:4")
                .hasMessageContaining("no handle line 001 with loaded-image fields");
        assertThatThrownBy(() -> ProfileParser.parse(HEAD + H0 + H1 + "image-unload: 000 EFI_SUCCESS 001,000\n" + MAP,
                "t.profile")).isInstanceOf(ProfileFormatException.class).hasMessageContaining("expected ascending indexes");
        assertThatThrownBy(() -> ProfileParser.parse(HEAD + H0 + H1 + UNLOAD + UNLOAD + MAP, "t.profile"))
                .isInstanceOf(ProfileFormatException.class).hasMessageContaining("t.profile:5")
                .hasMessageContaining("image given twice");
        assertThatThrownBy(() -> ProfileParser.parse(HEAD + H0 + H1 + "image-unload: 000 EFI_SUCCESS 009\n" + MAP,
                "t.profile")).isInstanceOf(ProfileFormatException.class).hasMessageContaining("removed handle beyond");
    }
}
