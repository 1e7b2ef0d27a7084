package org.efiemu.system.loaders;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.efiemu.core.clock.InstructionCounting;
import org.efiemu.platform.ProfileRegistry;
import org.efiemu.uefi.BootOutcome;
import org.efiemu.uefi.BootResult;
import org.efiemu.uefi.UefiMachine;
import org.efiemu.uefi.trace.ServiceCallEvent;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Debian's rEFInd 0.13.2 ({@code refind_x64.efi}) on efiemu to its real end, the kernel's ExitBootServices: it loads
 * and starts its {@code drivers_x64\ext4_x64.efi} (UEFI 2.10 §7.4.1 LoadImage, §7.4.2 StartImage; the driver's
 * Driver Binding connected as EDK2's CoreStartImage does, §7.3.12), scans every volume for kernels, finds
 * {@code /boot/vmlinuz-*} on the ext4 partition of the {@code --disk} through the Simple File System the driver
 * installed, shows its text menu with the {@code timeout} of refind.conf counting down on virtual time, and boots the
 * kernel: LoadImage with the partition's device path and {@code \boot\vmlinuz-*}, which efiemu reads through the
 * driver's EFI_FILE_PROTOCOL (§13.4/§13.5, as EDK2's GetFileBufferByFilePath), then StartImage; the kernel's EFI stub
 * reads {@code initrd=} from the same ext4 volume and exits boot services. {@link RefindOvmfLiveTest} runs the same
 * media on QEMU + OVMF.
 */
class RefindBootsKernelFromExt4Test {
    static final String CONF = "timeout 2\ntextonly\nscanfor internal,external\nuse_graphics_for\n";

    @TempDir
    static Path dir;
    static RefindBoot media;
    static BootResult result;
    static LoaderDiffTest.HandOff handOff;

    @BeforeAll
    static void boot() throws Exception {
        media = RefindBoot.build(dir, CONF);
        try (UefiMachine m = UefiMachine.builder(ProfileRegistry.builtIn("ovmf-q35-2g").toDescription())
                .esp(media.esp, false).payload(media.esp.resolve("EFI/refind/refind_x64.efi"))
                .filePath(RefindBoot.PATH).disk(media.disk, false).instructionCounting(InstructionCounting.BLOCKS)
                .instructionBudget(20_000_000_000L).wallClockLimit(Duration.ofMinutes(10))
                .stopAfterExitBootServices(true).build()) {
            result = m.run();
            if (result.outcome() == BootOutcome.EXITED_BOOT_SERVICES) {
                handOff = LoaderDiffTest.HandOff.of(m, result);
            }
        }
    }

    private static String console() {
        return result.consoleText().replace("\r", "");
    }

    private static List<ServiceCallEvent> calls(String service) {
        return result.trace().stream().filter(e -> e.service().equals(service)).toList();
    }

    @Test
    void rEFIndBootsTheKernelOnTheExt4PartitionToItsExitBootServices() {
        assertThat(result.outcome()).as("%s%n%s", result, console()).isEqualTo(BootOutcome.EXITED_BOOT_SERVICES);
        assertThat(console()).contains("Using load options '" + media.commandLine() + "'")
                .contains("EFI stub: Loaded initrd from command line option")
                .doesNotContain("Error: ");
        // ExitBootServices came from the kernel rEFInd started, with the initrd and command line rEFInd built
        assertThat(calls("ExitBootServices")).last().satisfies(e -> {
            assertThat(e.status()).isEqualTo("EFI_SUCCESS");
            assertThat(e.caller()).startsWith(media.kernel + "+0x");
        });
        handOff.check(media.commandLine());
    }

    @Test
    void rEFIndLoadsItsExt4DriverFromDriversX64AndTheDriverBindsTheExt4Partition() {
        assertThat(calls("LoadImage")).anySatisfy(e -> {
            assertThat(e.arguments().get(2)).endsWith("/EFI\\refind\\drivers_x64\\ext4_x64.efi");
            assertThat(e.status()).isEqualTo("EFI_SUCCESS");
            assertThat(e.caller()).startsWith("refind_x64.efi+0x");
        });
        assertThat(calls("ConnectController")).anySatisfy(e -> assertThat(e.summary())
                .contains("DriverBinding.Start(", "of ext4_x64.efi: EFI_SUCCESS"));
    }

    @Test
    void theMenuNamesTheKernelOnTheExt4VolumeAndCountsItsTimeoutDownOnVirtualTime() {
        assertThat(console()).contains("rEFInd - Main Menu")
                .contains("Boot boot\\" + media.kernel + " from " + RefindBoot.LABEL)
                .containsSubsequence("Automatic boot in 2 seconds", "Automatic boot in 1 seconds",
                        "Automatic boot in 0 seconds", "Starting " + media.kernel);
        // the 2 s timeout passed on the virtual clock before rEFInd loaded the kernel (wall time is not asserted)
        ServiceCallEvent kernelLoad = calls("LoadImage").stream()
                .filter(e -> e.arguments().get(2).endsWith("/\\boot\\" + media.kernel)).findFirst().orElseThrow();
        assertThat(kernelLoad.virtualNanos()).isGreaterThanOrEqualTo(2_000_000_000L);
    }

    /**
     * UEFI 2.10 §7.4.1: LoadImage with a device path and no SourceBuffer reads the file through the
     * EFI_SIMPLE_FILE_SYSTEM_PROTOCOL of the device the path leads to; here that protocol is the guest driver's, so
     * efiemu calls its OpenVolume, Open, GetInfo, Read and Close in the guest as EDK2's GetFileBufferByFilePath does.
     */
    @Test
    void loadImageReadsTheKernelThroughTheDriversSimpleFileSystemAsEdk2Does() {
        ServiceCallEvent load = calls("LoadImage").stream()
                .filter(e -> e.arguments().get(2).endsWith("/\\boot\\" + media.kernel)).findFirst().orElseThrow();
        assertThat(load.status()).as(load.summary()).isEqualTo("EFI_SUCCESS");
        assertThat(load.arguments().get(2)).contains("/HD(1,GPT,7E6D5C4B-3A29-4817-8695-A4B3C2D1E0F2,");
        assertThat(load.outputs()).as(load.summary()).satisfies(o -> assertThat(String.join("\n", o))
                .containsSubsequence("guest file system: OpenVolume(", ") = EFI_SUCCESS",
                        "guest file system: Open(", "\"\\boot\\" + media.kernel + "\", EFI_FILE_MODE_READ) = EFI_SUCCESS",
                        "guest file system: GetInfo(", ", EFI_FILE_INFO_ID, 0) = EFI_BUFFER_TOO_SMALL",
                        "guest file system: GetInfo(", ") = EFI_SUCCESS",
                        "guest file system: Read(", ", " + DebianEfi.bytes(DebianEfi.vmlinuz()).length + ") = EFI_SUCCESS",
                        "guest file system: Close(", media.kernel + " at 0x"));
    }

    /**
     * The command line as a user runs it: {@code efiemu run --esp ESP --payload ESP/EFI/refind/refind_x64.efi}. The
     * image's LoadedImage.FilePath is where the payload lies inside the ESP folder ({@code \EFI\refind\...}), as the
     * boot manager names it; rEFInd finds its refind.conf and drivers_x64 there (under {@code \EFI\BOOT\}, the old
     * default, it stopped with "Fatal Error: Not Found while opening our installation directory").
     */
    @Test
    void efiemuRunWithThePayloadInsideTheEspFolderBootsRefindAsInstalled() {
        EfiemuDiffTest.Result r = EfiemuDiffTest.efiemu("run", "--platform", "ovmf-q35-2g", "--esp",
                media.esp.toString(), "--payload", media.esp.resolve("EFI/refind/refind_x64.efi").toString(), "--disk",
                media.disk.toString(), "--until", "exit-boot-services", "--budget", "20000000000");
        assertThat(r.exit()).as("%s%n%s", r.out(), r.err()).isZero();
        assertThat(r.out()).contains("EFI stub: Loaded initrd from command line option")
                .contains("ExitBootServices succeeded").doesNotContain("installation directory");
    }

    /**
     * UEFI 2.10 §7.4.1 and EDK2's CoreLoadImageCommon: when the file system cannot deliver the file, LoadImage returns
     * EFI_NOT_FOUND whatever the driver's own status was. On a 1 KiB-block ext4 the driver's Read of the kernel fails
     * with EFI_VOLUME_CORRUPTED; rEFInd then prints "Error: Not Found while loading" and returns to its menu, as it
     * does on QEMU + OVMF with the same disk (seen with efiemu diff, see docs/performance.md), where nothing is left to
     * wake it: efiemu ends the run as a wait that can never end.
     */
    @Test
    void loadImageReturnsNotFoundWhenTheDriversReadFailsAndRefindSaysSoAsOnOvmf(@TempDir Path small) throws Exception {
        RefindBoot m1k = RefindBoot.build(small, CONF, 1024);
        BootResult r;
        try (UefiMachine m = UefiMachine.builder(ProfileRegistry.builtIn("ovmf-q35-2g").toDescription())
                .esp(m1k.esp, false).payload(m1k.esp.resolve("EFI/refind/refind_x64.efi")).filePath(RefindBoot.PATH)
                .disk(m1k.disk, false).instructionCounting(InstructionCounting.BLOCKS)
                .instructionBudget(20_000_000_000L).wallClockLimit(Duration.ofMinutes(10)).build()) {
            r = m.run();
        }
        assertThat(r.outcome()).as("%s", r).isEqualTo(BootOutcome.WAITS_FOREVER);
        assertThat(r.consoleText()).contains("Error: Not Found while loading " + m1k.kernel)
                .doesNotContain("EFI stub: ");
        ServiceCallEvent load = r.trace().stream().filter(e -> e.service().equals("LoadImage")
                && e.arguments().get(2).endsWith("/\\boot\\" + m1k.kernel)).findFirst().orElseThrow();
        assertThat(load.status()).isEqualTo("EFI_NOT_FOUND");
        assertThat(load.outputs()).anyMatch(o -> o.matches("guest file system: Read\\(0x[0-9A-F]+, \\d+\\) = EFI_VOLUME_CORRUPTED"))
                .anyMatch(o -> o.matches("guest file system: Close\\(0x[0-9A-F]+\\) = EFI_SUCCESS"));
    }
}
