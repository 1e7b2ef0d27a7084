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
 * The differential check, live: the same disk (built now with sgdisk/mkfs.fat/mtools, disk-probe as its
 * \EFI\BOOT\BOOTX64.EFI) booted by real QEMU q35 + OVMF (Debian qemu-system-x86 and ovmf, provisioned) and by
 * efiemu; the "disk:" lines of OVMF's serial output and of efiemu's console must be the same. About 30 s of QEMU (TCG).
 */
class DiskProbeOvmfLiveTest {

    @Test
    void efiemuAndQemuOvmfPrintTheSameDiskLinesForTheSameImage(@TempDir Path dir) throws Exception {
        Path img = DiskImages.probeDisk(dir, TestPlatforms.payload("disk-probe"));
        StringBuilder qemuOut = new StringBuilder();
        String serial = OvmfDiskBoot.serialOutput(dir, img, "disk-probe", qemuOut);
        List<String> ovmf = DiskProbePayloadTest.diskLines(serial);
        assertThat(ovmf).as("disk: lines of QEMU + OVMF (qemu said: %s)", qemuOut).hasSizeGreaterThan(40);
        BootResult efiemu;
        try (UefiMachine m = UefiMachine.builder(TestPlatforms.ovmfQ35()).disk(img, false).build()) {
            efiemu = m.run();
        }
        assertThat(DiskProbePayloadTest.diskLines(efiemu.consoleText())).containsExactlyElementsOf(ovmf);
    }
}
