package org.efiemu.uefi.storage;

import static org.assertj.core.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The QEMU side of the live disk differentials: boots a raw disk image (its ESP's \EFI\BOOT\BOOTX64.EFI a probe that
 * ends with ResetSystem) on real QEMU q35 + OVMF (Debian qemu-system-x86 and ovmf, provisioned) as an IDE disk and
 * returns what the firmware and the probe wrote to COM1, without terminal escapes and NULs.
 */
final class OvmfDiskBoot {
    private static final Path CODE = Path.of("/usr/share/OVMF/OVMF_CODE_4M.fd");
    private static final Path VARS = Path.of("/usr/share/OVMF/OVMF_VARS_4M.fd");

    private OvmfDiskBoot() {}

    /**
     * Boots {@code img} with a fresh copy of OVMF's variable store in {@code dir}; fails the test when OVMF is not
     * installed or QEMU does not shut down within 240 s. {@code qemuSaid} receives QEMU's own output, for messages.
     */
    static String serialOutput(Path dir, Path img, String probe, StringBuilder qemuSaid) throws Exception {
        if (!Files.isReadable(CODE) || !Files.isReadable(VARS)) {
            fail("OVMF is missing (%s): run scripts/provision.sh or apt-get install -y qemu-system-x86 ovmf", CODE);
        }
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
        qemuSaid.append(qemuOut);
        if (!q.waitFor(240, TimeUnit.SECONDS)) {
            q.destroyForcibly();
            fail("QEMU + OVMF did not shut down within 240 s (%s ends with ResetSystem); output:%n%s", probe, qemuOut);
        }
        String raw = Files.exists(serial) ? Files.readString(serial, StandardCharsets.ISO_8859_1) : "";
        return raw.replaceAll("\u001B\\[[0-9;?]*[A-Za-z]", "").replace("\u0000", "");
    }
}
