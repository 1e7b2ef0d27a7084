package org.efiemu.system.fidelity;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.efiemu.platform.PlatformProfile;
import org.efiemu.platform.ProfileParser;
import org.efiemu.platform.ProfileRegistry;
import org.efiemu.platform.capture.ProbeImage;
import org.efiemu.platform.cli.ProfileCommand;
import org.efiemu.uefi.BootOutcome;
import org.efiemu.uefi.BootResult;
import org.efiemu.uefi.UefiMachine;
import org.efiemu.uefi.protocol.ConsoleListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The capture application as written by {@code efiemu profile capture --write-esp} for a USB stick, booted from that
 * folder (efiemu's ESP over a host directory plays the stick): it writes its report to {@code \EFIEMU-CAPTURE.TXT} on
 * the volume it was started from, says so on ConOut after measuring, returns to the firmware, and
 * {@code efiemu profile import} turns the report into a profile with the machine's memory map.
 */
class CaptureOnMachineTest {

    @Test
    void theUsbStickProbeWritesItsReportToItsVolumeAndImportMakesTheMachinesProfile(@TempDir Path dir) throws IOException {
        Path stick = dir.resolve("stick");
        assertThat(cli(dir, "capture", "--write-esp", stick.toString())).isZero();
        assertThat(stick.resolve("EFI/BOOT/BOOTX64.EFI")).exists();
        assertThat(stick.resolve("EFIEMU-CAPTURE-README.TXT")).exists();

        PlatformProfile machine = ProfileRegistry.builtIn("ovmf-pc-2g");
        BootResult r = boot(machine, stick, true);
        assertThat(r.outcome()).as("%s%n%s", r, r.consoleText()).isEqualTo(BootOutcome.RETURNED);
        String conOut = r.console().text(ConsoleListener.Source.CON_OUT);
        assertThat(conOut).contains("report written to \\EFIEMU-CAPTURE.TXT", "and to COM1");
        Path report = stick.resolve(ProbeImage.REPORT_FILE);
        assertThat(report).exists();
        assertThat(Files.readString(report)).contains("probe: begin ovmf-probe 2", "output: COM1", "probe: end")
                .doesNotContain("ExitBootServices");

        Path profile = dir.resolve("imported.profile");
        assertThat(cli(dir, "import", report.toString(), "--name", "my-machine", "--out", profile.toString())).isZero();
        PlatformProfile imported = ProfileParser.parse(profile);
        assertThat(imported.memoryMap()).isEqualTo(machine.memoryMap());
        assertThat(imported.placement().param("bins", "")).isEqualTo(machine.placement().param("bins", null));
        assertThat(imported.placement().param("default-max", "")).isEqualTo(machine.placement().param("default-max", null));
        assertThat(imported.smbios()).isEqualTo(machine.smbios());
    }

    @Test
    void onAReadOnlyVolumeTheProbeSaysOnScreenThatTheReportWentToCom1Only(@TempDir Path dir) throws IOException {
        Path stick = dir.resolve("stick");
        assertThat(cli(dir, "capture", "--write-esp", stick.toString())).isZero();
        BootResult r = boot(ProfileRegistry.builtIn("ovmf-q35-2g"), stick, false);
        assertThat(r.outcome()).isEqualTo(BootOutcome.RETURNED);
        assertThat(r.console().text(ConsoleListener.Source.CON_OUT)).contains("no writable volume (EFI_WRITE_PROTECTED)",
                "the report was written to COM1 only");
        assertThat(stick.resolve(ProbeImage.REPORT_FILE)).doesNotExist();
        assertThat(r.console().text(ConsoleListener.Source.SERIAL)).contains("probe: end");
    }

    @Test
    void writeEspNeverOverwritesAnotherBootLoader(@TempDir Path dir) throws IOException {
        Path stick = dir.resolve("stick");
        Files.createDirectories(stick.resolve("EFI/BOOT"));
        Files.writeString(stick.resolve("EFI/BOOT/BOOTX64.EFI"), "someone else's loader");
        StringWriter err = new StringWriter();
        CommandLine c = new CommandLine(new ProfileCommand(new ProfileRegistry(dir)));
        c.setErr(new PrintWriter(err));
        assertThat(c.execute("capture", "--write-esp", stick.toString())).isEqualTo(1);
        assertThat(err.toString()).contains("BOOTX64.EFI already exists with other content; it is not overwritten");
        assertThat(Files.readString(stick.resolve("EFI/BOOT/BOOTX64.EFI"))).isEqualTo("someone else's loader");
    }

    private static BootResult boot(PlatformProfile p, Path stick, boolean writable) {
        try (UefiMachine m = UefiMachine.builder(p.toDescription()).esp(stick, writable)
                .payload(stick.resolve("EFI/BOOT/BOOTX64.EFI")).build()) {
            return m.run();
        }
    }

    private static int cli(Path dir, String... args) {
        CommandLine c = new CommandLine(new ProfileCommand(new ProfileRegistry(dir)));
        c.setOut(new PrintWriter(new StringWriter()));
        return c.execute(args);
    }
}
