package org.efiemu.platform.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The parts of the QEMU + OVMF runner that need no QEMU: script, cleaning, markers, platform memory. */
class QemuOvmfTest {
    @Test
    void startupScriptStartsThePayloadWithItsOptionsBetweenMarkersAndPowersOff() {
        QemuOvmf.Launch l = new QemuOvmf.Launch(null, new byte[0], "\\EFI\\BOOT\\x.efi", "a b", "2G", Duration.ofSeconds(1));
        assertThat(l.shellCommandLine()).isEqualTo("fs0:\\EFI\\BOOT\\x.efi a b");
        assertThat(QemuOvmf.startupScript(l)).isEqualTo("@echo -off\r\necho \"efiemu-diff: start\"\r\n"
                + "fs0:\\EFI\\BOOT\\x.efi a b\r\necho \"efiemu-diff: returned %lasterror%\"\r\nreset -s\r\n");
    }

    @Test
    void serialIsCleanedOfTerminalSequencesAndCutBetweenTheMarkers() {
        String raw = "Shell banner\r\n\u001b[0m\u001b[1;1Hefiemu-diff: start\r\n\u001b[37mhello\r\nworld\r\n"
                + "efiemu-diff: returned 0xE\r\n";
        String clean = QemuOvmf.clean(raw);
        assertThat(QemuOvmf.payloadLines(clean)).containsExactly("hello", "world");
        assertThat(QemuOvmf.returned(clean)).isEqualTo(Optional.of(0xEL));
        assertThat(QemuOvmf.payloadLines("no marker")).isEmpty();
    }

    @Test
    void aDiskBootTakesTheLinesAfterBdsDxeStartsTheBootOptionAndNeedsADiskButNoShellInputs() {
        String serial = "BdsDxe: failed to load Boot0001 \"UEFI QEMU DVD-ROM QM00005 \" from x: Not Found\n"
                + "BdsDxe: loading Boot0002 \"UEFI QEMU HARDDISK QM00001 \" from y\n"
                + "BdsDxe: starting Boot0002 \"UEFI QEMU HARDDISK QM00001 \" from y\nmenu EFI stub: x\nlinux\n";
        assertThat(QemuOvmf.payloadLines(serial, true)).containsExactly("menu EFI stub: x", "linux");
        assertThat(QemuOvmf.payloadLines(serial, false)).as("no Shell marker").isEmpty();
        assertThat(QemuOvmf.payloadLines("BdsDxe: loading Boot0002 only\n", true)).isEmpty();
        QemuOvmf.Launch disk = new QemuOvmf.Launch(null, null, null, null, "2G", Duration.ofSeconds(1), null,
                List.of(Path.of("disk.img")));
        assertThat(disk.bootsDisk()).isTrue();
        assertThat(disk.shellCommandLine()).isEmpty();
        assertThatThrownBy(() -> new QemuOvmf.Launch(null, null, null, null, "2G", Duration.ofSeconds(1), null,
                List.of())).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expected a disk");
        assertThatThrownBy(() -> new QemuOvmf.Launch(Path.of("esp"), null, null, null, "2G", Duration.ofSeconds(1),
                null, List.of(Path.of("disk.img")))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no ESP folder");
    }

    @Test
    void stopAtFindsTheFirstLineContainingThePatternAndALaunchWithoutOneRunsToTheEnd() {
        java.util.regex.Pattern linux = java.util.regex.Pattern.compile("^\\[ *0\\.0+\\] Linux version ");
        List<String> lines = List.of("EFI stub: Loaded initrd from command line option",
                "[    0.000000] Linux version 6.1.0-57-amd64 (x)", "[    0.000000] Command line: x");
        assertThat(QemuOvmf.firstMatch(lines, linux)).hasValue("[    0.000000] Linux version 6.1.0-57-amd64 (x)");
        assertThat(QemuOvmf.firstMatch(lines.subList(0, 1), linux)).isEmpty();
        assertThat(new QemuOvmf.Launch(null, new byte[0], "\\x.efi", null, "2G", Duration.ofSeconds(1)).stopAt())
                .isNull();
    }

    @Test
    void boxDrawingBytesOfOvmfsTerminalDecodeAsCodePage437() {
        byte[] b = {(byte) 0xDA, (byte) 0xC4, (byte) 0xBF};
        assertThat(new String(b, QemuOvmf.SERIAL_CHARSET)).isEqualTo("┌─┐");
        assertThat(new String("ok".getBytes(StandardCharsets.US_ASCII), QemuOvmf.SERIAL_CHARSET)).isEqualTo("ok");
    }

    @Test
    void memoryFollowsTheOvmfProfileAndOtherPlatformsAreRefusedByName() {
        assertThat(QemuOvmf.memoryOf("ovmf-q35-2g")).isEqualTo("2G");
        assertThat(QemuOvmf.memoryOf("ovmf-q35-512m")).isEqualTo("512M");
        assertThatThrownBy(() -> QemuOvmf.memoryOf("dell-poweredge-r820")).hasMessageContaining("dell-poweredge-r820")
                .hasMessageContaining("ovmf-q35-<size>");
    }

    @Test
    void missingFirmwareIsNamedWithTheInstallCommand() {
        QemuOvmf q = new QemuOvmf(Path.of("/nonexistent/CODE.fd"), Path.of("/nonexistent/VARS.fd"));
        assertThat(q.missing()).hasValueSatisfying(m -> assertThat(m).contains("/nonexistent/CODE.fd")
                .contains("apt-get install -y qemu-system-x86 ovmf"));
        assertThat(List.of(QemuOvmf.INSTALL_COMMAND)).containsExactly("apt-get install -y qemu-system-x86 ovmf");
    }
}
