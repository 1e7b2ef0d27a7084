package org.efiemu.uefi;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.efiemu.uefi.protocol.ConsoleListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code shell-params} payload started by the real UEFI Shell of OVMF 2022.11 (QEMU 7.2 q35, Debian packages) and
 * by efiemu with {@code shellParameters(true)} and the same command line: the same Argc, Argv (quotes grouped, the
 * caret escape) and StdOut.
 */
class ShellParametersOvmfLiveTest {
    @Test
    void theShellsArgvAndStdOutAreAsOnQemuOvmf(@TempDir Path dir) throws Exception {
        String raw = OvmfShellRun.com1(dir, List.of("shell-params"), List.of(ShellParametersPayloadTest.COMMAND), 300);
        List<String> ovmf = ShellParametersPayloadTest.lines(raw);
        List<String> efiemu;
        try (UefiMachine m = UefiMachine.builder(TestPlatforms.ovmfQ35()).payload(TestPlatforms.payload("shell-params"))
                .loadOptions(ShellParametersPayloadTest.COMMAND).shellParameters(true).build()) {
            efiemu = ShellParametersPayloadTest.lines(m.run().console().text(ConsoleListener.Source.CON_OUT));
        }
        assertThat(ovmf).as("QEMU + OVMF's COM1:%n%s", raw).contains("shell-params argc 5");
        assertThat(efiemu).containsExactlyElementsOf(ovmf);
    }
}
