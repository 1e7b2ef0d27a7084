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
 * EFI_BLOCK_IO2_PROTOCOL and EFI_DISK_INFO_PROTOCOL on the disk-probe GPT disk (sgdisk/mkfs.fat/mtools, the {@code blockio2-probe} payload as
 * \EFI\BOOT\BOOTX64.EFI) on real QEMU q35 + OVMF and on efiemu: the "bio2:" lines — which handles have it, shared
 * Media, statuses of every request and its token's event and TransactionStatus, data read back — and the "dinfo:" lines
 * (interface, Inquiry/SenseData/WhichIde/Identify and QEMU's IDENTIFY fields) must be the same.
 * About 30 s of QEMU (TCG).
 */
class BlockIo2OvmfLiveTest {
    private static final Path CODE = Path.of("/usr/share/OVMF/OVMF_CODE_4M.fd");
    private static final Path VARS = Path.of("/usr/share/OVMF/OVMF_VARS_4M.fd");

    private static List<String> lines(String console) {
        return console.replace("\r", "").lines().filter(l -> l.startsWith("bio2:") || l.startsWith("dinfo:")).toList();
    }

    @Test
    void efiemuAnswersBlockIo2RequestsAsQemuOvmfDoes(@TempDir Path dir) throws Exception {
        if (!Files.isReadable(CODE) || !Files.isReadable(VARS)) {
            fail("OVMF is missing (%s): run scripts/provision.sh or apt-get install -y qemu-system-x86 ovmf", CODE);
        }
        Path img = DiskImages.probeDisk(dir, TestPlatforms.payload("blockio2-probe"));
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
            fail("QEMU + OVMF did not shut down within 240 s (blockio2-probe ends with ResetSystem); output:%n%s", qemuOut);
        }
        String raw = Files.exists(serial) ? Files.readString(serial, StandardCharsets.ISO_8859_1) : "";
        List<String> ovmf = lines(raw.replaceAll("\u001B\\[[0-9;?]*[A-Za-z]", "").replace("\u0000", ""));
        assertThat(ovmf).as("bio2: lines of QEMU + OVMF (qemu said: %s)", qemuOut).hasSizeGreaterThan(20)
                .contains("bio2: done").anyMatch(l -> l.startsWith("dinfo: 0 identify"));
        BootResult efiemu;
        try (UefiMachine m = UefiMachine.builder(TestPlatforms.ovmfQ35()).disk(img, false).build()) {
            efiemu = m.run();
        }
        assertThat(lines(efiemu.consoleText())).containsExactlyElementsOf(ovmf);
    }
}
