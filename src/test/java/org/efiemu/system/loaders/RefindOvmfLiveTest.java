package org.efiemu.system.loaders;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import org.efiemu.earlyalloc.diff.DiffReport;
import org.efiemu.earlyalloc.diff.DiffRunner;
import org.efiemu.platform.ProfileRegistry;
import org.efiemu.platform.qemu.QemuOvmf;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Debian's rEFInd 0.13.2 with its ext4 driver LIVE on real QEMU 7.2 + OVMF 2022.11 and on efiemu, through
 * {@code efiemu diff} ({@link DiffRunner} with the media of {@link RefindBootsKernelFromExt4Test}: the ESP folder and
 * the ext4 disk attached to both): the Shell starts {@code \EFI\refind\refind_x64.efi}, which loads its driver, shows
 * its menu, lets the 2 s timeout expire and boots Debian's kernel from the ext4 partition; the kernel's stub reads the
 * initrd from there too. QEMU runs until the kernel's first line after ExitBootServices, efiemu to ExitBootServices.
 * rEFInd's menu is drawn with cursor positioning (no lines on the serial port); the lines compared are the ones both
 * print as lines: rEFInd's notices and the kernel stub's.
 */
class RefindOvmfLiveTest {
    static final Pattern LINES = Pattern.compile("^(Icons directory|Using load options|Error|EFI stub: )");

    @BeforeAll
    static void qemuAndOvmfAreInstalled() {
        new QemuOvmf().missing().ifPresent(m -> {
            throw new IllegalStateException(m + " (scripts/provision.sh installs them)");
        });
    }

    @Test
    void rEFIndBootsTheKernelFromExt4ThroughItsDriverPrintingTheSameLinesAsOnOvmf(@TempDir Path dir) throws Exception {
        RefindBoot media = RefindBoot.build(dir, RefindBootsKernelFromExt4Test.CONF);
        AtomicReference<LoaderDiffTest.HandOff> handOff = new AtomicReference<>();
        DiffReport d = new DiffRunner(new QemuOvmf()).run(new DiffRunner.Request(
                ProfileRegistry.standard().resolve("ovmf-q35-2g"),
                Files.readAllBytes(media.esp.resolve("EFI/refind/refind_x64.efi")), "refind_x64.efi", media.esp,
                RefindBoot.PATH, null, 20_000_000_000L, Duration.ofMinutes(5), Duration.ofMinutes(10), true, LINES,
                LoaderDiffTest.KERNEL_STARTED, (m, r) -> handOff.set(LoaderDiffTest.HandOff.of(m, r)),
                List.of(media.disk)));
        String report = LoaderDiffTest.render(d);
        assertThat(d.firstDivergence()).as(report).isEmpty();
        // no icons folder is installed: rEFInd says so and falls back to text mode on both
        assertThat(LoaderDiffTest.stripped(d.real())).as(report).containsExactly(
                "Icons directory doesn't exist; setting textonly = TRUE!",
                "Using load options '" + media.commandLine() + "'",
                "EFI stub: Loaded initrd from command line option");
        assertThat(d.emulatedEnding()).isEqualTo("stopped after ExitBootServices");
        assertThat(d.realEnding()).startsWith("did not return; stopped at the line \"[    0.000000] Linux version 6.1.");
        assertThat(d.same()).as(report).isTrue();
        handOff.get().check(media.commandLine());
    }
}
