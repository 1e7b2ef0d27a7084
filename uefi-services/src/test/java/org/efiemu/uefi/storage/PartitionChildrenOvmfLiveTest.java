package org.efiemu.uefi.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.efiemu.uefi.BootResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * part-probe booted LIVE from the same GPT disk and the same MBR disk with an extended partition by real QEMU q35 +
 * OVMF 2022.11 and by efiemu: the Block I/O handles in order, the open entries of PartitionDxe, DiskIoDxe and the FAT
 * driver on every disk and partition handle (BY_DRIVER, BY_CHILD_CONTROLLER, the TEST/GET counts) before and after
 * ConnectController(Handle, NULL, NULL, TRUE) of each, and each connect's status must be the same lines; so must the
 * "pq:" lines (DisconnectController of the disk, the handles and opens after it, ConnectController of the disk again)
 * and the "pr:" and "pt:" lines (the partition type GUIDs as protocols). About 10 s of QEMU (TCG) per disk.
 */
class PartitionChildrenOvmfLiveTest {

    private static void compare(Path dir, Path img) throws Exception {
        StringBuilder qemuOut = new StringBuilder();
        String serial = OvmfDiskBoot.serialOutput(dir, img, "part-probe", qemuOut);
        List<String> ovmf = PartitionChildrenPayloadTest.comparedLines(serial);
        Files.write(dir.resolve("ovmf.txt"), serial.lines().filter(l -> l.startsWith("p")).toList());
        assertThat(ovmf).as("pp: lines of QEMU + OVMF (qemu said: %s)", qemuOut).hasSizeGreaterThan(40)
                .contains("pp: end");
        BootResult efiemu = PartitionChildrenPayloadTest.efiemu(img);
        assertThat(PartitionChildrenPayloadTest.comparedLines(efiemu.consoleText())).containsExactlyElementsOf(ovmf);
        // DisconnectController(disk): PartitionDxe's Stop destroys the partitions, DiskIoDxe's takes the disk's Disk I/O;
        // ConnectController(disk, Recursive) makes them again (new handles, same paths); the handles after it
        List<String> ovmfStop = PartitionChildrenPayloadTest.disconnectLines(serial);
        assertThat(ovmfStop).contains("pq: disconnect disk B0 EFI_SUCCESS", "pq: after-disconnect block-handles 1");
        assertThat(PartitionChildrenPayloadTest.disconnectLines(efiemu.consoleText())).containsExactlyElementsOf(ovmfStop);
        assertThat(PartitionChildrenPayloadTest.afterLines(efiemu.consoleText()))
                .containsExactlyElementsOf(PartitionChildrenPayloadTest.afterLines(serial));
        // the partition type GUIDs as protocols (PartitionInstallChildHandle's TypeGuid), before and after the reconnect
        assertThat(PartitionChildrenPayloadTest.typeLines(serial)).isNotEmpty();
        assertThat(PartitionChildrenPayloadTest.typeLines(efiemu.consoleText()))
                .containsExactlyElementsOf(PartitionChildrenPayloadTest.typeLines(serial));
    }

    @Test
    void gptDiskAndItsPartitionsShowTheDriverModelAsQemuOvmfDoes(@TempDir Path dir) throws Exception {
        compare(dir, PartitionChildrenPayloadTest.gptDisk(dir));
    }

    @Test
    void mbrDiskWithAnExtendedPartitionShowsTheDriverModelAsQemuOvmfDoes(@TempDir Path dir) throws Exception {
        compare(dir, PartitionChildrenPayloadTest.mbrDisk(dir));
    }
}
