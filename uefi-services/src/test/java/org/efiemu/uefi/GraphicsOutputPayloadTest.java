package org.efiemu.uefi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.efiemu.uefi.protocol.GraphicsOutput;
import org.efiemu.uefi.protocol.GraphicsOutput.Display;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The {@code svc-gop} payload on OVMF q35 with QEMU's stdvga as real OVMF reports it (Display.ovmfStdVga: 30 modes,
 * 1280x800 set, framebuffer at 0xC0000000): EFI_GRAPHICS_OUTPUT_PROTOCOL (UEFI 2.10 §12.9) QueryMode, SetMode and Blt,
 * and guest stores into the framebuffer.
 */
class GraphicsOutputPayloadTest {
    private static BootResult result;
    private static GraphicsOutput gop;
    private static List<MemoryDescriptor> map;

    @BeforeAll
    static void boot() {
        try (UefiMachine m = UefiMachine.builder(TestPlatforms.ovmfQ35()).payload(TestPlatforms.payload("svc-gop"))
                .graphics(Display.ovmfStdVga()).build()) {
            result = m.run();
            gop = m.graphics().orElseThrow();
            map = m.platform().memoryMap();
        }
    }

    private static List<String> lines() {
        return List.of(result.consoleText().replace("\r", "").split("\n"));
    }

    @Test
    void theDisplayAndConsoleOutHandlesOfferOvmfsModesWith1280x800SetAndTheFramebufferBar() {
        assertThat(result.violations()).isEmpty();
        // two GOP handles as on OVMF (captures/ovmf-q35-2g.firmware.txt "gop: handles=2"): the display's and ConOut's
        assertThat(lines()).containsSubsequence("locate EFI_SUCCESS", "handles 2", "handle-protocol EFI_SUCCESS",
                "mode max 30 current 0 info-size 36 fb 0xc0000000 size 0x3e8000",
                "current 1280x800 format 1 scanline 1280", "largest mode 27");
    }

    @Test
    void modesBeyondMaxModeAreRefusedWithTheSpecStatuses() {
        assertThat(lines()).containsSubsequence("query-beyond EFI_INVALID_PARAMETER", "set-beyond EFI_UNSUPPORTED");
    }

    @Test
    void setModeUpdatesModeInfoAndFrameBufferSize() {
        assertThat(lines()).containsSubsequence("set-3 EFI_SUCCESS", "now 3 800x600 size 0x1d4c00");
        assertThat(gop.currentMode()).isEqualTo(new GraphicsOutput.Mode(800, 600));
    }

    @Test
    void bltFillsCopiesAndReadsBackPixelsInTheCurrentMode() {
        assertThat(lines()).containsSubsequence("fill EFI_SUCCESS", "to-video EFI_SUCCESS", "video-to-video EFI_SUCCESS",
                "to-buffer EFI_SUCCESS", "read-back 332211 665544");
        assertThat(gop.pixel(10, 20)).isEqualTo(0xFF0000);
        assertThat(gop.pixel(13, 21)).isEqualTo(0xFF0000);
        assertThat(gop.pixel(14, 21)).isZero();
        assertThat(gop.pixel(201, 60)).isEqualTo(0x665544);
    }

    @Test
    void bltOutsideTheModeOrOfNoPixelsIsInvalidParameter() {
        assertThat(lines()).containsSubsequence("fill-outside EFI_INVALID_PARAMETER", "fill-empty EFI_INVALID_PARAMETER");
        assertThat(gop.pixel(799, 0)).isZero();
    }

    @Test
    void guestStoresIntoTheFramebufferReachTheDisplay() {
        assertThat(lines()).contains("direct abcdef");
        assertThat(gop.pixel(799, 599)).isEqualTo(0xABCDEF);
    }

    @Test
    void theFramebufferIsOutsideTheUefiMemoryMapAsAPciBarIs() {
        assertThat(map).noneMatch(d -> d.physicalStart() <= 0xC0000000L && d.end() > 0xC0000000L);
        assertThat(result.finalMap().map(f -> f.descriptors().stream()
                .noneMatch(d -> d.physicalStart() <= 0xC0000000L && d.end() > 0xC0000000L)).orElse(true)).isTrue();
    }

    @Test
    void aMachineWithoutADisplayHasNoGop() {
        try (UefiMachine m = UefiMachine.builder(TestPlatforms.ovmfQ35()).payload(TestPlatforms.payload("svc-gop")).build()) {
            assertThat(m.graphics()).isEmpty();
        }
    }

    @Test
    void displaysAreValidatedNamingTheBadValue() {
        assertThatThrownBy(() -> new Display(List.of(new GraphicsOutput.Mode(4096, 4096)), 0, 0xC0000000L, 16L << 20))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("4096x4096");
        assertThatThrownBy(() -> new Display(List.of(new GraphicsOutput.Mode(640, 480)), 1, 0xC0000000L, 16L << 20))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("initial mode 1");
    }
}
