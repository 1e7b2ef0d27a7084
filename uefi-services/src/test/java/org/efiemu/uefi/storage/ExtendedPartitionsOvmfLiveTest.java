package org.efiemu.uefi.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.efiemu.uefi.BootResult;
import org.efiemu.uefi.TestPlatforms;
import org.efiemu.uefi.UefiMachine;
import org.efiemu.uefi.disk.DiskImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An MBR disk with an extended partition (sfdisk: ESP, extended with a Linux logical partition and a FAT logical
 * partition; disk-probe as \EFI\BOOT\BOOTX64.EFI) booted by real QEMU q35 + OVMF and by efiemu: the "disk:" lines (every
 * Block I/O handle with its device path, media, PartitionInfo and file system) must be the same, so the extended
 * partition's handle and its logical partitions' handles and paths are OVMF's. About 30 s of QEMU (TCG).
 */
class ExtendedPartitionsOvmfLiveTest {
    private static final Path CODE = Path.of("/usr/share/OVMF/OVMF_CODE_4M.fd");
    private static final Path VARS = Path.of("/usr/share/OVMF/OVMF_VARS_4M.fd");

    @Test
    void efiemuShowsTheLogicalPartitionsOfAnExtendedPartitionAsQemuOvmfDoes(@TempDir Path dir) throws Exception {
        if (!Files.isReadable(CODE) || !Files.isReadable(VARS)) {
            fail("OVMF is missing (%s): run scripts/provision.sh or apt-get install -y qemu-system-x86 ovmf", CODE);
        }
        Path esp = DiskImages.fat(dir, "esp.img", 16, 32768, "/HELLO.TXT", "hello from the ESP\n");
        DiskImages.run(dir, null, "mmd", "-i", esp.toString(), "::/EFI");
        DiskImages.run(dir, null, "mmd", "-i", esp.toString(), "::/EFI/BOOT");
        DiskImages.run(dir, null, "mcopy", "-i", esp.toString(), TestPlatforms.payload("disk-probe").toAbsolutePath()
                .toString(), "::/EFI/BOOT/BOOTX64.EFI");
        Path logical = DiskImages.fat(dir, "logical.img", 16, 19456, "/HELLO.TXT", "logical partition\n");
        Path img = DiskImages.extendedMbr(dir, "ext.img", esp, logical);
        Path vars = dir.resolve("vars.fd");
        Files.copy(VARS, vars);
        Path serial = dir.resolve("serial.raw");
        Process q = new ProcessBuilder("qemu-system-x86_64", "-machine", "q35,accel=tcg", "-m", "2G", "-smp", "1", "-net",
                "none", "-display", "none", "-serial", "file:" + serial, "-monitor", "none", "-no-reboot",
                "-drive", "if=pflash,format=raw,unit=0,readonly=on,file=" + CODE,
                "-drive", "if=pflash,format=raw,unit=1,file=" + vars,
                "-drive", "file=" + img + ",format=raw,if=none,id=d0,snapshot=on", "-device", "ide-hd,drive=d0,bus=ide.0")
                .redirectErrorStream(true).start();
        String qemuOut = new String(q.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!q.waitFor(240, TimeUnit.SECONDS)) {
            q.destroyForcibly();
            fail("QEMU + OVMF did not shut down within 240 s (disk-probe ends with ResetSystem); output:%n%s", qemuOut);
        }
        String raw = Files.exists(serial) ? Files.readString(serial, StandardCharsets.ISO_8859_1) : "";
        List<String> ovmf = DiskProbePayloadTest.diskLines(raw.replaceAll("\u001B\\[[0-9;?]*[A-Za-z]", "")
                .replace("\u0000", ""));
        assertThat(ovmf).as("disk: lines of QEMU + OVMF (qemu said: %s)", qemuOut).hasSizeGreaterThan(20);
        BootResult efiemu;
        try (UefiMachine m = UefiMachine.builder(TestPlatforms.ovmfQ35()).disk(img, false).build()) {
            efiemu = m.run();
        }
        List<String> emu = DiskProbePayloadTest.diskLines(efiemu.consoleText());
        Files.write(dir.resolve("ovmf.txt"), ovmf);
        assertThat(emu).containsExactlyElementsOf(ovmf);
        assertThat(String.join("\n", emu)).as("the FAT logical partition's file, read through its file system")
                .contains("logical partition");
    }
}
