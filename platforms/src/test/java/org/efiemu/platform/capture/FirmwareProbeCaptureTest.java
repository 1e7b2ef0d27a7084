package org.efiemu.platform.capture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.efiemu.platform.ProfileRegistry;
import org.efiemu.platform.cli.ProfileCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The firmware-probe file writer of {@code efiemu profile capture --firmware-probe} without QEMU (the system test
 * {@code FirmwareProbeCaptureOnQemuTest} boots it for real): header kept, serial output cut to the probe's lines, an
 * unfinished probe refused with nothing written.
 */
class FirmwareProbeCaptureTest {
    private static final String HEADER = "# efiemu capture: " + FirmwareProbeCapture.APPLICATION + " on QEMU + OVMF\n"
            + "# command: efiemu profile capture --qemu-machine q35 --mem 2G --firmware-probe x.firmware.txt\n"
            + "# probe sha256: 00ff\n"
            + "# exit status 0 after 9.9 s\n"
            + "# serial output follows (ANSI escape sequences and carriage returns removed)\n";

    @Test
    void theFileKeepsTheHeaderAndOnlyTheProbeLinesBetweenBeginAndEnd() {
        String serial = "BdsDxe: loading Boot0001 \"UEFI QEMU HARDDISK\"\nBdsDxe: starting Boot0001\n"
                + "fw: firmware-probe begin\nvar: 8be4df61-93ca-11d2-aa0d-00e098032b8c Timeout attr=0x7 size=2\n"
                + "var-data: 0000\nhandle: count=183 (EFI_SUCCESS)\nfw: firmware-probe end\nReset System\n";
        String file = FirmwareProbeCapture.fileText(new QemuCapture.Result(HEADER + serial, 9.9, 0), "QEMU q35");
        assertThat(file).isEqualTo(HEADER.replace("# serial output follows (ANSI escape sequences and carriage returns removed)\n",
                "# probe lines follow (serial output with terminal escapes and CRs removed, other firmware text dropped)\n")
                + "fw: firmware-probe begin\nvar: 8be4df61-93ca-11d2-aa0d-00e098032b8c Timeout attr=0x7 size=2\n"
                + "var-data: 0000\nhandle: count=183 (EFI_SUCCESS)\nfw: firmware-probe end\n");
        assertThat(FirmwareProbeCapture.summary(file)).isEqualTo("1 variables, handle: count=183 (EFI_SUCCESS)");
    }

    @Test
    void aProbeThatDidNotFinishIsRefusedNamingTheRunExitStatusAndLastSerialLines() {
        String cut = HEADER + "fw: firmware-probe begin\nvar: 8be4df61-93ca-11d2-aa0d-00e098032b8c Timeout attr=0x7 size=2\n";
        assertThatThrownBy(() -> FirmwareProbeCapture.fileText(new QemuCapture.Result(cut, 180, -1), "QEMU q35 with 2G RAM"))
                .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("QEMU q35 with 2G RAM: the firmware-probe did not finish")
                .hasMessageContaining("'fw: firmware-probe end'").hasMessageContaining("QEMU exit status -1")
                .hasMessageContaining("  var: 8be4df61-93ca-11d2-aa0d-00e098032b8c Timeout");
        assertThatThrownBy(() -> FirmwareProbeCapture.fileText(new QemuCapture.Result(HEADER + "BdsDxe: failed\n", 3, 0), "QEMU pc"))
                .hasMessageStartingWith("QEMU pc: the firmware-probe did not start (no 'fw: firmware-probe begin'")
                .hasMessageContaining("  BdsDxe: failed");
        assertThatThrownBy(() -> FirmwareProbeCapture.fileText(new QemuCapture.Result("fw: firmware-probe begin\n", 3, 0), "x"))
                .hasMessageContaining("no '# serial output follows' header line");
    }

    @Test
    void theCommittedFirmwareProbeCapturesWereMadeByTheCommandAndAreComplete() throws IOException {
        for (String mem : new String[] {"2g", "512m"}) {
            String name = "/org/efiemu/platform/captures/ovmf-q35-" + mem + ".firmware.txt";
            String text;
            try (InputStream in = FirmwareProbeCaptureTest.class.getResourceAsStream(name)) {
                text = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            }
            assertThat(text).as(name).contains("\n# command: efiemu profile capture --qemu-machine q35 --mem "
                    + mem.toUpperCase(java.util.Locale.ROOT) + " --firmware-probe ovmf-q35-" + mem + ".firmware.txt\n")
                    .contains("\n# probe lines follow ").endsWith("\nfw: firmware-probe end\n");
            assertThat(FirmwareProbeCapture.summary(text)).as(name).isEqualTo("42 variables, handle: count=183 (EFI_SUCCESS)");
        }
    }

    @Test
    void theFirmwareProbeOptionNeedsMemoryAndWritesNoProfile(@TempDir Path dir) {
        for (String[] args : new String[][] {
                {"capture", "--qemu-machine", "q35", "--firmware-probe", dir.resolve("f.txt").toString()},
                {"capture", "--qemu-machine", "q35", "--mem", "2G", "--name", "x", "--firmware-probe", dir.resolve("f.txt").toString()},
                {"capture", "--qemu-machine", "q35", "--mem", "2M2", "--firmware-probe", dir.resolve("f.txt").toString()}}) {
            StringWriter err = new StringWriter();
            CommandLine cli = new CommandLine(new ProfileCommand(new ProfileRegistry(dir)));
            cli.setErr(new PrintWriter(err));
            cli.setOut(new PrintWriter(new StringWriter()));
            assertThat(cli.execute(args)).as(String.join(" ", args)).isEqualTo(2);
            assertThat(err.toString()).as(String.join(" ", args)).containsAnyOf("needs --mem SIZE", "leave out --name",
                    "memory size '2M2'");
        }
        assertThat(Files.exists(dir.resolve("f.txt"))).isFalse();
    }
}
