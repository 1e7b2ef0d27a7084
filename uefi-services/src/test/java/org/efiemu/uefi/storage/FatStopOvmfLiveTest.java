package org.efiemu.uefi.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.efiemu.uefi.BootResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * fat-stop booted LIVE from the same disk by real QEMU q35 + OVMF 2022.11 and by efiemu: what files held open across
 * DisconnectController of their partition and of their disk answer, and the file systems a connect makes again, must
 * be the same lines. About 10 s of QEMU (TCG).
 */
class FatStopOvmfLiveTest {

    @Test
    void filesOpenAcrossTheFatDriversStopAnswerTheSameOnEfiemuAsOnQemuOvmf(@TempDir Path dir) throws Exception {
        Path img = FatStopPayloadTest.disk(dir);
        StringBuilder qemuOut = new StringBuilder();
        String serial = OvmfDiskBoot.serialOutput(dir, img, "fat-stop", qemuOut);
        List<String> ovmf = FatStopPayloadTest.lines(serial);
        assertThat(ovmf).as("fs: lines of QEMU + OVMF (qemu said: %s)", qemuOut).contains("fs: end")
                .hasSizeGreaterThan(30);
        BootResult efiemu = FatStopPayloadTest.efiemu(img);
        assertThat(FatStopPayloadTest.lines(efiemu.consoleText())).containsExactlyElementsOf(ovmf);
    }
}
