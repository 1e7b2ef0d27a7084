package org.efiemu.uefi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.efiemu.uefi.protocol.ConsoleListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code shell-params} payload started by the real UEFI Shell of OVMF 2022.11 (QEMU 7.2 q35, Debian packages) and
 * by efiemu with {@code shellParameters(true)} and the same command line: the same Argc, Argv (quotes grouped, the
 * caret escape) and StdOut.
 */
class ShellParametersOvmfLiveTest {
    private static final Path CODE = Path.of("/usr/share/OVMF/OVMF_CODE_4M.fd");
    private static final Path VARS = Path.of("/usr/share/OVMF/OVMF_VARS_4M.fd");

    @Test
    void theShellsArgvAndStdOutAreAsOnQemuOvmf(@TempDir Path dir) throws Exception {
        if (!Files.isReadable(CODE) || !Files.isReadable(VARS)) {
            fail("OVMF is missing (%s): run scripts/provision.sh or apt-get install -y qemu-system-x86 ovmf", CODE);
        }
        Path esp = Files.createDirectories(dir.resolve("esp"));
        Files.copy(TestPlatforms.payload("shell-params"), esp.resolve("shell-params.efi"));
        Files.writeString(esp.resolve("startup.nsh"), "@echo -off\r\n" + ShellParametersPayloadTest.COMMAND
                + "\r\nreset -s\r\n", StandardCharsets.US_ASCII);
        Path vars = dir.resolve("vars.fd");
        Files.copy(VARS, vars);
        Path serial = dir.resolve("serial.raw");
        Process q = new ProcessBuilder("qemu-system-x86_64", "-machine", "q35,accel=tcg", "-m", "2G", "-smp", "1",
                "-net", "none", "-display", "none", "-serial", "file:" + serial, "-monitor", "none", "-no-reboot",
                "-drive", "if=pflash,format=raw,unit=0,readonly=on,file=" + CODE,
                "-drive", "if=pflash,format=raw,unit=1,file=" + vars, "-drive", "format=raw,file=fat:rw:" + esp)
                .redirectErrorStream(true).redirectOutput(dir.resolve("qemu.out").toFile()).start();
        if (!q.waitFor(300, TimeUnit.SECONDS)) {
            q.destroyForcibly().waitFor();
            fail("QEMU + OVMF did not shut down within 300 s: %s", Files.readString(dir.resolve("qemu.out")));
        }
        String raw = Files.exists(serial) ? Files.readString(serial, StandardCharsets.ISO_8859_1) : "";
        List<String> ovmf = ShellParametersPayloadTest.lines(raw.replaceAll("\u001B\\[[0-9;?]*[A-Za-z]", "")
                .replace("\u0000", ""));
        List<String> efiemu;
        try (UefiMachine m = UefiMachine.builder(TestPlatforms.ovmfQ35()).payload(TestPlatforms.payload("shell-params"))
                .loadOptions(ShellParametersPayloadTest.COMMAND).shellParameters(true).build()) {
            efiemu = ShellParametersPayloadTest.lines(m.run().console().text(ConsoleListener.Source.CON_OUT));
        }
        assertThat(ovmf).as("QEMU + OVMF's COM1:%n%s", raw).contains("shell-params argc 5");
        assertThat(efiemu).containsExactlyElementsOf(ovmf);
    }
}
