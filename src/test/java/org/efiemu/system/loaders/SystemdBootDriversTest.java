package org.efiemu.system.loaders;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import org.efiemu.core.clock.InstructionCounting;
import org.efiemu.earlyalloc.diff.DiffReport;
import org.efiemu.earlyalloc.diff.DiffRunner;
import org.efiemu.platform.ProfileRegistry;
import org.efiemu.platform.qemu.QemuOvmf;
import org.efiemu.uefi.BootOutcome;
import org.efiemu.uefi.BootResult;
import org.efiemu.uefi.UefiMachine;
import org.efiemu.uefi.trace.ServiceCallEvent;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Debian's systemd-boot 252 ({@code systemd-boot-efi}) booted from a disk as OVMF's boot manager boots one
 * ({@code \EFI\BOOT\BOOTX64.EFI} of its ESP), to its real end, the kernel's ExitBootServices: it loads and starts the
 * drivers in {@code \EFI\systemd\drivers\} (rEFInd's ext4 driver; UEFI 2.10 §7.4.1/§7.4.2, connected as EDK2's
 * CoreStartImage does, §7.3.12), finds the Type #1 entry on the ext4 XBOOTLDR partition of the same disk, counts its
 * {@code timeout 2} down on virtual time and boots the kernel from ext4 (LoadImage reading it through the driver's
 * Simple File System), handing the initrd over through the LINUX_EFI_INITRD_MEDIA LoadFile2 device path. The second
 * test runs the same disk LIVE on QEMU 7.2 + OVMF 2022.11 ({@code efiemu diff --disk} without a payload: both boot the
 * disk) and compares what both print.
 */
class SystemdBootDriversTest {
    /** systemd-boot draws its menu with cursor positioning (one serial "line"); then the kernel stub's lines. */
    static final Pattern LINES = Pattern.compile(Pattern.quote(SystemdBootXbootldr.TITLE) + "|^EFI stub: ");

    @TempDir
    static Path dir;
    static Path disk;
    static BootResult result;
    static LoaderDiffTest.HandOff handOff;

    @BeforeAll
    static void boot() throws Exception {
        disk = SystemdBootXbootldr.build(dir);
        try (UefiMachine m = UefiMachine.builder(ProfileRegistry.builtIn("ovmf-q35-2g").toDescription())
                .disk(disk, false).instructionCounting(InstructionCounting.BLOCKS).instructionBudget(20_000_000_000L)
                .wallClockLimit(Duration.ofMinutes(10)).stopAfterExitBootServices(true).build()) {
            result = m.run();
            if (result.outcome() == BootOutcome.EXITED_BOOT_SERVICES) {
                handOff = LoaderDiffTest.HandOff.of(m, result);
            }
        }
    }

    private static List<ServiceCallEvent> calls(String service) {
        return result.trace().stream().filter(e -> e.service().equals(service)).toList();
    }

    @Test
    void systemdBootLoadsItsExt4DriverAndBootsTheXbootldrEntryToTheKernelsExitBootServices() {
        String console = result.consoleText().replace("\r", "");
        assertThat(result.outcome()).as("%s%n%s", result, console).isEqualTo(BootOutcome.EXITED_BOOT_SERVICES);
        assertThat(console).contains(SystemdBootXbootldr.TITLE)
                .containsSubsequence("Boot in 2 s.", "Boot in 1 s.",
                        "EFI stub: Loaded initrd from LINUX_EFI_INITRD_MEDIA_GUID device path");
        // the driver from \EFI\systemd\drivers, bound to the ext4 partition
        assertThat(calls("LoadImage")).anySatisfy(e -> {
            assertThat(e.arguments().get(2)).containsIgnoringCase("\\EFI\\systemd\\drivers\\ext4_x64.efi");
            assertThat(e.status()).isEqualTo("EFI_SUCCESS");
        });
        assertThat(calls("ConnectController")).anySatisfy(e -> assertThat(e.summary())
                .containsIgnoringCase("of ext4_x64.efi: EFI_SUCCESS").contains("DriverBinding.Start("));
        // the kernel from the XBOOTLDR partition, read through the driver's file system, after the 2 s timeout
        ServiceCallEvent kernel = calls("LoadImage").stream().filter(e -> e.arguments().get(2).endsWith("/\\vmlinuz"))
                .findFirst().orElseThrow();
        assertThat(kernel.status()).as(kernel.summary()).isEqualTo("EFI_SUCCESS");
        assertThat(kernel.arguments().get(2)).contains("/HD(2,GPT," + SystemdBootXbootldr.XBOOTLDR_GUID + ",");
        assertThat(kernel.outputs()).anyMatch(o -> o.matches("guest file system: Read\\(0x[0-9A-F]+, \\d+\\) = EFI_SUCCESS"));
        assertThat(kernel.virtualNanos()).isGreaterThanOrEqualTo(2_000_000_000L);
        assertThat(calls("ExitBootServices")).last().satisfies(e -> assertThat(e.caller()).startsWith("vmlinuz+0x"));
        // systemd-boot's command line: the initrd= it adds for its LoadFile2 hand-off, then the entry's options
        handOff.check("initrd=\\initrd.img " + SystemdBootXbootldr.OPTIONS);
    }

    @Test
    void systemdBootFromTheDiskPrintsTheSameMenuAndStubLinesOnEfiemuAsOnOvmf() throws Exception {
        new QemuOvmf().missing().ifPresent(m -> {
            throw new IllegalStateException(m + " (scripts/provision.sh installs them)");
        });
        AtomicReference<BootResult> emulated = new AtomicReference<>();
        DiffReport d = new DiffRunner(new QemuOvmf()).run(new DiffRunner.Request(
                ProfileRegistry.standard().resolve("ovmf-q35-2g"), null, "BOOTX64.EFI", null, null, null,
                20_000_000_000L, Duration.ofMinutes(5), Duration.ofMinutes(10), true, LINES,
                LoaderDiffTest.KERNEL_STARTED, (m, r) -> emulated.set(r), List.of(disk)));
        String report = LoaderDiffTest.render(d);
        assertThat(d.firstDivergence()).as(report).isEmpty();
        assertThat(d.real()).as(report).hasSize(1);
        assertThat(d.real().get(0)).as(report).contains(SystemdBootXbootldr.TITLE, "Boot in 2 s.", "Boot in 1 s.")
                .endsWith("EFI stub: Loaded initrd from LINUX_EFI_INITRD_MEDIA_GUID device path");
        assertThat(d.emulatedEnding()).isEqualTo("stopped after ExitBootServices");
        assertThat(d.realEnding()).startsWith("did not return; stopped at the line \"[    0.000000] Linux version 6.1.");
        assertThat(d.same()).as(report).isTrue();
        assertThat(d.qemuCommand()).as("the disk alone: no ESP folder").doesNotContain("fat:rw:");
        assertThat(emulated.get().outcome()).isEqualTo(BootOutcome.EXITED_BOOT_SERVICES);
    }
}
