package org.efiemu.uefi;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.efiemu.uefi.trace.ServiceCallEvent;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The UEFI driver model with a driver that is guest code (UEFI 2.10 §7.3.12 ConnectController, §7.3.13
 * DisconnectController, §7.3.9 OpenProtocol EXCLUSIVE, §7.4 StartImage/UnloadImage, §11.1 EFI Driver Binding
 * Protocol): the {@code drv-app} payload loads {@code drv-binding} (an EFI_BOOT_SERVICE_DRIVER with two driver bindings,
 * Version 0x10 "lo" and 0x20 "hi") from its volume and connects and disconnects it on controllers it makes. The
 * expected lines are what QEMU 7.2 + OVMF 2022.11 printed for the same pair ({@link DriverBindingOvmfLiveTest}).
 */
class DriverBindingPayloadTest {
    /** drv-app's and drv-binding's lines, as QEMU + OVMF printed them. */
    static final List<String> EXPECTED = List.of(
            "da begin",
            "da load-failing EFI_SUCCESS",
            "drv entry fails as asked",
            "da start-failing EFI_ABORTED",
            "da failing-unloaded EFI_INVALID_PARAMETER",
            "da load EFI_SUCCESS",
            "drv entry lo EFI_SUCCESS hi EFI_SUCCESS code 3 data 4",
            "drv hi supported - (hi's handle) rest-null 1 EFI_UNSUPPORTED",
            "drv lo supported - (hi's handle) rest-null 1 EFI_UNSUPPORTED",
            "da start-driver EFI_SUCCESS",
            "da bindings 2",
            "da driver-still-loaded EFI_SUCCESS",
            "da driver unload-set 1",
            "drv hi supported A rest-null 1 EFI_UNSUPPORTED",
            "drv lo supported A rest-null 1 EFI_SUCCESS",
            "drv lo start A children 0 EFI_SUCCESS",
            "drv hi supported A rest-null 1 EFI_UNSUPPORTED",
            "da connect-A EFI_SUCCESS",
            "da A opens 1 lo:0x10",
            "drv hi supported A rest-null 1 EFI_UNSUPPORTED",
            "drv lo supported A rest-null 1 EFI_ALREADY_STARTED",
            "da connect-A-again EFI_NOT_FOUND",
            "drv hi supported B rest-null 1 EFI_SUCCESS",
            "drv hi start B children 1 EFI_SUCCESS",
            "drv lo supported B rest-null 1 EFI_ACCESS_DENIED",
            "drv hi supported - (other) rest-null 1 EFI_UNSUPPORTED",
            "drv lo supported - (other) rest-null 1 EFI_UNSUPPORTED",
            "da connect-B-recursive EFI_SUCCESS",
            "da B opens 2 hi:0x10 hi:0x8",
            "da child EFI_SUCCESS",
            "da child name b",
            "drv lo supported D rest-null 1 EFI_SUCCESS",
            "drv lo start D children 0 EFI_SUCCESS",
            "drv hi supported D rest-null 1 EFI_ACCESS_DENIED",
            "da connect-D-lo-first EFI_SUCCESS",
            "da D opens 1 lo:0x10",
            "drv hi supported D rest-null 1 EFI_ACCESS_DENIED",
            "drv lo supported D rest-null 1 EFI_ALREADY_STARTED",
            "da connect-D-empty-list EFI_NOT_FOUND",
            "drv lo stop A EFI_SUCCESS",
            "da exclusive-A EFI_SUCCESS",
            "da A opens 1 other:0x20",
            "da exclusive-A-again EFI_ACCESS_DENIED",
            "da close-exclusive-A EFI_SUCCESS",
            "drv hi stop B child b",
            "drv hi stop B children 1 EFI_SUCCESS",
            "drv hi stop B EFI_SUCCESS",
            "da disconnect-B EFI_SUCCESS",
            "da child-gone EFI_INVALID_PARAMETER",
            "da B opens 0",
            "da disconnect-B-again EFI_SUCCESS",
            "da disconnect-D-by-hi EFI_NOT_FOUND",
            "da disconnect-D-by-app EFI_INVALID_PARAMETER",
            "drv hi supported A rest-null 1 EFI_UNSUPPORTED",
            "drv lo supported A rest-null 1 EFI_SUCCESS",
            "drv lo start A children 0 EFI_SUCCESS",
            "drv hi supported A rest-null 1 EFI_UNSUPPORTED",
            "da connect-A-for-reinstall EFI_SUCCESS",
            "drv lo stop A EFI_SUCCESS",
            "drv hi supported A rest-null 1 EFI_UNSUPPORTED",
            "drv lo supported A rest-null 1 EFI_SUCCESS",
            "drv lo start A children 0 EFI_SUCCESS",
            "drv hi supported A rest-null 1 EFI_UNSUPPORTED",
            "da reinstall-A EFI_SUCCESS",
            "da A opens 1 lo:0x10",
            "drv lo stop D EFI_SUCCESS",
            "da uninstall-D EFI_SUCCESS",
            "da disconnect-D-gone EFI_INVALID_PARAMETER",
            "da connect-bad-handle EFI_INVALID_PARAMETER",
            "da connect-null EFI_INVALID_PARAMETER",
            "drv lo stop A EFI_SUCCESS",
            "drv unload stopped 1 hi EFI_SUCCESS lo EFI_SUCCESS",
            "da unload EFI_SUCCESS",
            "da bindings-after 0",
            "da driver-gone EFI_INVALID_PARAMETER",
            "da connect-A-after EFI_NOT_FOUND",
            "da end");

    @TempDir
    static Path esp;
    private static BootResult result;

    static BootResult run(Path dir, String loadOptions) throws IOException {
        Path app = Files.copy(TestPlatforms.payload("drv-app"), dir.resolve("drv-app.efi"));
        Files.copy(TestPlatforms.payload("drv-binding"), dir.resolve("drv-binding.efi"));
        Files.copy(TestPlatforms.payload("drv-runtime"), dir.resolve("drv-runtime.efi"));
        UefiMachineBuilder b = UefiMachine.builder(TestPlatforms.ovmfQ35()).esp(dir, false).payload(app)
                .instructionBudget(50_000_000);
        if (loadOptions != null) {
            b.loadOptions(loadOptions);
        }
        try (UefiMachine m = b.build()) {
            return m.run();
        }
    }

    @BeforeAll
    static void boot() throws IOException {
        result = run(esp, null);
    }

    /** The "da" and "drv" lines of a console or COM1 text. */
    static List<String> lines(String text) {
        return text.replace("\r", "").lines().map(String::strip)
                .filter(l -> l.startsWith("da ") || l.startsWith("drv ")).toList();
    }

    private static List<String> calls(String service) {
        return result.trace().stream().filter(e -> e.service().equals(service)).map(ServiceCallEvent::summary).toList();
    }

    @Test
    void printsWhatOvmfPrints() {
        assertThat(result.outcome()).as(result::toString).isEqualTo(BootOutcome.RETURNED);
        assertThat(lines(result.consoleText())).as(result.consoleText()).containsExactlyElementsOf(EXPECTED);
    }

    @Test
    void connectControllerTracesEachSupportedAndStartCallWithTheDriversNameAndStatus() {
        List<String> connects = calls("ConnectController");
        assertThat(connects.get(0)).contains("NULL, NULL, 0) = EFI_SUCCESS -> DriverBinding.Supported(",
                "of drv-binding.efi: EFI_UNSUPPORTED", "of drv-binding.efi: EFI_SUCCESS", "DriverBinding.Start(");
        assertThat(calls("DisconnectController").get(0)).contains("DriverBinding.Stop(", ", 1, 0x",
                ", 0, NULL) of drv-binding.efi: EFI_SUCCESS");
        assertThat(calls("OpenProtocol")).anySatisfy(c -> assertThat(c).contains("NULL) of a BY_DRIVER holder",
                "DriverBinding.Stop("));
        assertThat(calls("StartImage").get(0)).contains("drv-binding.efi returned EFI_ABORTED",
                "driver returned an error: unloaded");
        assertThat(calls("StartImage").get(1)).contains("driver stays resident",
                "ConnectController(", "NULL, NULL, TRUE) after the driver's entry point: EFI_NOT_FOUND");
    }

    @Test
    void aDriverStaysResidentInBootServicesCodeUntilUnloadImageFreesItsPagesAndOneReturningAnErrorIsUnloaded() {
        assertThat(lines(result.consoleText())).contains("da start-failing EFI_ABORTED",
                "da failing-unloaded EFI_INVALID_PARAMETER", "drv entry lo EFI_SUCCESS hi EFI_SUCCESS code 3 data 4",
                "da driver-still-loaded EFI_SUCCESS", "da unload EFI_SUCCESS", "da driver-gone EFI_INVALID_PARAMETER");
        assertThat(result.livePages()).noneSatisfy(a -> assertThat(a.tag().label()).contains("drv-binding"));
        assertThat(result.violations()).isEmpty();
    }

    @Test
    void aDriverWhoseSupportedFaultsEndsTheRunWithAStopReport(@TempDir Path dir) throws IOException {
        BootResult r = run(dir, "fault");
        assertThat(r.outcome()).as(r::toString).isEqualTo(BootOutcome.FAULT);
        assertThat(r.consoleText()).contains("drv lo supported F faults").doesNotContain("da connect-bad-driver");
        assertThat(r.stopReport().toString()).contains("WRITE_UNMAPPED", "0xDEAD00000000");
    }

    @Test
    void aDriverWhoseSupportedSpinsEndsTheRunAtItsBudget(@TempDir Path dir) throws IOException {
        BootResult r = run(dir, "spin");
        assertThat(r.outcome()).as(r::toString).isEqualTo(BootOutcome.BUDGET_EXHAUSTED);
        assertThat(r.consoleText()).contains("drv lo supported H spins").doesNotContain("da connect-bad-driver");
    }

    @Test
    void aRuntimeDriverStaysResidentInRuntimeServicesCodeAndDataAndBehavesTheSame(@TempDir Path dir) throws IOException {
        BootResult r = run(dir, "runtime");
        assertThat(r.outcome()).as(r::toString).isEqualTo(BootOutcome.RETURNED);
        // EfiRuntimeServicesCode (5) and EfiRuntimeServicesData (6); every other line as the boot service driver's
        assertThat(lines(r.consoleText())).containsExactlyElementsOf(EXPECTED.stream()
                .map(l -> l.equals("drv entry lo EFI_SUCCESS hi EFI_SUCCESS code 3 data 4")
                        ? "drv entry lo EFI_SUCCESS hi EFI_SUCCESS code 5 data 6" : l).toList());
        assertThat(r.trace().stream().filter(e -> e.service().equals("LoadImage")).map(ServiceCallEvent::summary))
                .anySatisfy(s -> assertThat(s).contains("drv-runtime.efi", "EfiRuntimeServicesCode"));
    }
}
