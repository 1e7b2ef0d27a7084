package org.efiemu.uefi.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.efiemu.uefi.BootResult;
import org.efiemu.uefi.TestPlatforms;
import org.efiemu.uefi.UefiMachine;
import org.efiemu.uefi.disk.DiskImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * EFI_BLOCK_IO2_PROTOCOL and EFI_DISK_INFO_PROTOCOL on the disk-probe GPT disk (sgdisk/mkfs.fat/mtools, the {@code blockio2-probe} payload as
 * \EFI\BOOT\BOOTX64.EFI) on real QEMU q35 + OVMF and on efiemu: the "bio2:" lines — which handles have it, shared
 * Media, statuses of every request and its token's event and TransactionStatus, data read back — and the "dinfo:" lines
 * (interface, Inquiry/SenseData/WhichIde/Identify and QEMU's IDENTIFY fields) must be the same.
 * About 30 s of QEMU (TCG).
 */
class BlockIo2OvmfLiveTest {

    private static List<String> lines(String console) {
        return console.replace("\r", "").lines().filter(l -> l.startsWith("bio2:") || l.startsWith("dinfo:")).toList();
    }

    @Test
    void efiemuAnswersBlockIo2RequestsAsQemuOvmfDoes(@TempDir Path dir) throws Exception {
        Path img = DiskImages.probeDisk(dir, TestPlatforms.payload("blockio2-probe"));
        StringBuilder qemuOut = new StringBuilder();
        String serial = OvmfDiskBoot.serialOutput(dir, img, "blockio2-probe", qemuOut);
        List<String> ovmf = lines(serial);
        assertThat(ovmf).as("bio2: lines of QEMU + OVMF (qemu said: %s)", qemuOut).hasSizeGreaterThan(20)
                .contains("bio2: done").anyMatch(l -> l.startsWith("dinfo: 0 identify"));
        BootResult efiemu;
        try (UefiMachine m = UefiMachine.builder(TestPlatforms.ovmfQ35()).disk(img, false).build()) {
            efiemu = m.run();
        }
        assertThat(lines(efiemu.consoleText())).containsExactlyElementsOf(ovmf);
    }
}
