package org.efiemu.uefi.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.efiemu.uefi.BootResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * dir-list booted LIVE from the same disk by real QEMU q35 + OVMF 2022.11 and by efiemu: the names of the ESP's root
 * and \EFI\drivers (8.3 names mtools wrote in lower case, with the NT reserved byte's case bits) and GetInfo's
 * FileName must be the same lines. About 10 s of QEMU (TCG).
 */
class FatCaseFlagsOvmfLiveTest {

    @Test
    void lowerCaseShortNamesAreTheSameOnEfiemuAsOnQemuOvmf(@TempDir Path dir) throws Exception {
        Path img = FatCaseFlagsPayloadTest.disk(dir);
        StringBuilder qemuOut = new StringBuilder();
        String serial = OvmfDiskBoot.serialOutput(dir, img, "dir-list", qemuOut);
        List<String> ovmf = FatCaseFlagsPayloadTest.lines(serial);
        assertThat(ovmf).as("dl: lines of QEMU + OVMF (qemu said: %s)", qemuOut).contains("dl: end")
                .hasSizeGreaterThan(10);
        BootResult efiemu = FatCaseFlagsPayloadTest.efiemu(img);
        assertThat(FatCaseFlagsPayloadTest.lines(efiemu.consoleText())).containsExactlyElementsOf(ovmf);
    }
}
