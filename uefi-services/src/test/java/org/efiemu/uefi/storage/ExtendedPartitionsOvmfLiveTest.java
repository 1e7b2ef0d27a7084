package org.efiemu.uefi.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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

    @Test
    void efiemuShowsTheLogicalPartitionsOfAnExtendedPartitionAsQemuOvmfDoes(@TempDir Path dir) throws Exception {
        Path esp = DiskImages.fat(dir, "esp.img", 16, 32768, "/HELLO.TXT", "hello from the ESP\n");
        DiskImages.run(dir, null, "mmd", "-i", esp.toString(), "::/EFI");
        DiskImages.run(dir, null, "mmd", "-i", esp.toString(), "::/EFI/BOOT");
        DiskImages.run(dir, null, "mcopy", "-i", esp.toString(), TestPlatforms.payload("disk-probe").toAbsolutePath()
                .toString(), "::/EFI/BOOT/BOOTX64.EFI");
        Path logical = DiskImages.fat(dir, "logical.img", 16, 19456, "/HELLO.TXT", "logical partition\n");
        Path img = DiskImages.extendedMbr(dir, "ext.img", esp, logical);
        StringBuilder qemuOut = new StringBuilder();
        String serial = OvmfDiskBoot.serialOutput(dir, img, "disk-probe", qemuOut);
        List<String> ovmf = DiskProbePayloadTest.diskLines(serial);
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
