package org.efiemu.uefi.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.efiemu.uefi.BootResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ramdisk-io booted LIVE from the same disk by real QEMU q35 + OVMF 2022.11 and by efiemu: the Disk I/O DiskIoDxe puts
 * on a Block I/O the payload implements, the Block I/O calls each Disk I/O request makes and the driver opens must be
 * the same lines. About 10 s of QEMU (TCG).
 */
class DiskIoOverGuestBlockIoOvmfLiveTest {

    @Test
    void aGuestDriversBlockIoGetsTheSameDiskIoOnEfiemuAsOnQemuOvmf(@TempDir Path dir) throws Exception {
        Path img = DiskIoOverGuestBlockIoPayloadTest.disk(dir);
        StringBuilder qemuOut = new StringBuilder();
        String serial = OvmfDiskBoot.serialOutput(dir, img, "ramdisk-io", qemuOut);
        List<String> ovmf = DiskIoOverGuestBlockIoPayloadTest.lines(serial);
        assertThat(ovmf).as("rd: lines of QEMU + OVMF (qemu said: %s)", qemuOut).contains("rd: end")
                .hasSizeGreaterThan(30);
        BootResult efiemu = DiskIoOverGuestBlockIoPayloadTest.efiemu(img);
        assertThat(DiskIoOverGuestBlockIoPayloadTest.lines(efiemu.consoleText())).containsExactlyElementsOf(ovmf);
    }
}
