package org.efiemu.uefi;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs test payloads under the UEFI Shell of real QEMU 7.2 q35 + OVMF 2022.11 (Debian packages, provisioned): the
 * payloads are copied to a {@code fat:} ESP whose {@code startup.nsh} holds the given commands and then {@code reset
 * -s}; COM1 is returned without terminal escapes and NULs. The live tests of this module share it.
 */
final class OvmfShellRun {
    static final Path CODE = Path.of("/usr/share/OVMF/OVMF_CODE_4M.fd");
    static final Path VARS = Path.of("/usr/share/OVMF/OVMF_VARS_4M.fd");

    private OvmfShellRun() {
    }

    /**
     * @param payloads test payload names, copied to the ESP as {@code NAME.efi}
     * @param commands the Shell command lines run in order ({@code reset -s} is appended)
     * @param timeoutSeconds how long QEMU may take to shut down; longer fails the test with QEMU's output and COM1
     */
    static String com1(Path dir, List<String> payloads, List<String> commands, int timeoutSeconds)
            throws IOException, InterruptedException {
        return com1(dir, payloads, commands, timeoutSeconds, List.of());
    }

    /** As {@link #com1(Path, List, List, int)} with more QEMU arguments (e.g. {@code -device virtio-rng-pci}). */
    static String com1(Path dir, List<String> payloads, List<String> commands, int timeoutSeconds,
            List<String> qemuArgs) throws IOException, InterruptedException {
        if (!Files.isReadable(CODE) || !Files.isReadable(VARS)) {
            fail("OVMF is missing (%s): run scripts/provision.sh or apt-get install -y qemu-system-x86 ovmf", CODE);
        }
        Path esp = Files.createDirectories(dir.resolve("esp"));
        for (String p : payloads) {
            Files.copy(TestPlatforms.payload(p), esp.resolve(p + ".efi"));
        }
        StringBuilder nsh = new StringBuilder("@echo -off\r\n");
        for (String c : commands) {
            nsh.append(c).append("\r\n");
        }
        nsh.append("reset -s\r\n");
        Files.writeString(esp.resolve("startup.nsh"), nsh, StandardCharsets.US_ASCII);
        Path vars = dir.resolve("vars.fd");
        Files.copy(VARS, vars);
        Path serial = dir.resolve("serial.raw");
        List<String> command = new java.util.ArrayList<>(List.of("qemu-system-x86_64", "-machine", "q35,accel=tcg",
                "-m", "2G", "-smp", "1", "-net", "none", "-display", "none", "-serial", "file:" + serial, "-monitor",
                "none", "-no-reboot", "-drive", "if=pflash,format=raw,unit=0,readonly=on,file=" + CODE,
                "-drive", "if=pflash,format=raw,unit=1,file=" + vars, "-drive", "format=raw,file=fat:rw:" + esp));
        command.addAll(qemuArgs);
        Process q = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve("qemu.out").toFile()).start();
        boolean done = q.waitFor(timeoutSeconds, TimeUnit.SECONDS);
        if (!done) {
            q.destroyForcibly().waitFor();
        }
        String qemuSaid = Files.readString(dir.resolve("qemu.out"), StandardCharsets.UTF_8);
        String raw = Files.exists(serial) ? Files.readString(serial, StandardCharsets.ISO_8859_1) : "";
        if (!done) {
            fail("QEMU + OVMF did not shut down within %d s; QEMU said:%n%s%nCOM1:%n%s", timeoutSeconds, qemuSaid, raw);
        }
        return raw.replaceAll("\u001B\\[[0-9;?]*[A-Za-z]", "").replace("\u0000", "");
    }
}
