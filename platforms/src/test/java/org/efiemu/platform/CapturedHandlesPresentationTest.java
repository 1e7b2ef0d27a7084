package org.efiemu.platform;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.efiemu.uefi.BootOutcome;
import org.efiemu.uefi.BootResult;
import org.efiemu.uefi.UefiMachine;
import org.efiemu.uefi.diagnostics.UnmetRequest;
import org.efiemu.uefi.protocol.ConsoleListener;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What a loader meets among the handles of a captured OVMF handle database (the ovmf-q35-2g profile's {@code handle:}
 * lines) that efiemu presents without an implementation: the {@code captured-handles} payload
 * ({@code platforms/src/test/c/captured-handles}) finds the protocols as on OVMF, and their functions answer
 * EFI_UNSUPPORTED (UEFI 2.10 §2.3) — each call recorded as unimplemented and in the run's unmet requests, never a
 * silent success; the device path protocols (DevicePathDxe's handle) are implemented.
 */
class CapturedHandlesPresentationTest {
    private static BootResult ovmf;
    private static List<String> ovmfLines;
    private static String capture;

    private static byte[] payload() {
        try (InputStream in = CapturedHandlesPresentationTest.class.getResourceAsStream("/payloads/captured-handles.efi")) {
            if (in == null) {
                throw new IllegalStateException("payloads/captured-handles.efi is not on the test class path");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static BootResult run(String profile) {
        return run(profile, false);
    }

    private static BootResult run(String profile, boolean headless) {
        var b = UefiMachine.builder(ProfileRegistry.builtIn(profile).toDescription()).payload(payload(), "captured-handles.efi");
        if (headless) {
            b.headless();
        }
        try (UefiMachine m = b.build()) {
            BootResult r = m.run();
            assertThat(r.outcome()).as("%s", r).isEqualTo(BootOutcome.RESET);
            return r;
        }
    }

    private static List<String> lines(BootResult r) {
        return r.console().text(ConsoleListener.Source.CON_OUT).replace("\r", "").lines().toList();
    }

    @BeforeAll
    static void boot() throws IOException {
        ovmf = run("ovmf-q35-2g");
        ovmfLines = lines(ovmf);
        try (InputStream in = CapturedHandlesPresentationTest.class
                .getResourceAsStream("/org/efiemu/platform/captures/ovmf-q35-2g.firmware.txt")) {
            capture = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void unimplementedCapturedProtocolIsFoundAndItsFunctionReturnsUnsupportedAndIsRecorded() {
        assertThat(ovmfLines).contains("pcd: LocateProtocol = EFI_SUCCESS", "pcd: function 3 = EFI_UNSUPPORTED",
                "captured-handles: end");
        assertThat(ovmf.unimplementedCalls()).anyMatch(c -> c.service().equals("11B34006-D85B-4D0A-A290-D5A571310EF7 function 3"));
        assertThat(ovmf.diagnosis().unmet(UnmetRequest.Kind.UNIMPLEMENTED_SERVICE))
                .anyMatch(u -> u.service().equals("UnsupportedProtocol.Function3"));
    }

    @Test
    void devicePathToTextIsImplementedNotAStub() {
        // DevicePathDxe's protocols are efiemu's implementation (DevicePathProtocolsDifferentialTest compares them with
        // OVMF line for line), not NULL-returning stubs
        assertThat(ovmfLines).contains("dp2text: LocateProtocol = EFI_SUCCESS", "dp2text: ConvertDevicePathToText = text");
        assertThat(ovmf.unimplementedCalls()).noneMatch(c -> c.service().contains("DEVICE_PATH_TO_TEXT"));
    }

    @Test
    void firmwareVolumeHandlesAreAsManyAsOnOvmfAndTheirFunctionsReturnUnsupported() {
        long fv2 = capture.lines().filter(l -> l.equals("handle: 220e73b6-6bdb-4413-8405-b974b108619a")).count();
        assertThat(fv2).isPositive();
        assertThat(ovmfLines).contains("fv2: handles=" + fv2 + " (EFI_SUCCESS)", "fv2: GetVolumeAttributes = EFI_UNSUPPORTED");
    }

    @Test
    void keyboardAndConsoleHandlesWithSimpleTextInputExAreAsManyAsOnOvmf() {
        long ex = capture.lines().filter(l -> l.equals("handle: dd9e7534-7762-4698-8c14-f58517a625aa")).count();
        assertThat(ex).isEqualTo(3); // ConIn splitter, PS/2 keyboard, COM1 terminal
        assertThat(ovmfLines).contains("kbd: SimpleTextInputEx handles=3 (EFI_SUCCESS)");
    }

    @Test
    void profileWithoutCapturedHandlesPresentsNoneOfThem() {
        BootResult r = run("dell-poweredge-r820");
        assertThat(lines(r)).contains("pcd: LocateProtocol = EFI_NOT_FOUND", "dp2text: LocateProtocol = EFI_NOT_FOUND",
                "fv2: handles=0 (EFI_NOT_FOUND)");
        assertThat(r.unimplementedCalls()).isEmpty();
    }

    @Test
    void withTheDisplayTurnedOffNoHandleOffersAGopThatIsNotEfiemus() {
        assertThat(ovmfLines).contains("gop: handles=2 (EFI_SUCCESS)", "all: handles=181 (EFI_SUCCESS)");
        BootResult headless = run("ovmf-q35-2g", true);
        // the display's captured handle stays (its device path, the console-out tag, the graphics console's text
        // output) but without a GOP: efiemu presents no Graphics Output Protocol it does not implement
        assertThat(lines(headless)).contains("gop: handles=0 (EFI_NOT_FOUND)", "all: handles=181 (EFI_SUCCESS)",
                "captured-handles: end");
    }
}
