package org.efiemu.uefi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.efiemu.uefi.protocol.ConsoleListener;
import org.junit.jupiter.api.Test;

/**
 * EFI_SHELL_PARAMETERS_PROTOCOL on the image handle when a run starts the image as the UEFI Shell does
 * ({@code UefiMachineBuilder.shellParameters(true)}; UEFI Shell Specification 2.2 §2.5): Argv split from the
 * LoadOptions as the Shell splits its command line, StdOut writing to the console; absent otherwise, as when a boot
 * manager starts the image.
 */
class ShellParametersPayloadTest {
    static final String COMMAND = "fs0:\\shell-params.efi efi=debug \"root=LABEL=my disk\" a^\"b panic=1";

    static List<String> lines(String console) {
        return console.replace("\r", "").lines().filter(l -> l.startsWith("shell-params ")).toList();
    }

    private static BootResult run(boolean shell) {
        try (UefiMachine m = UefiMachine.builder(TestPlatforms.ovmfQ35()).payload(TestPlatforms.payload("shell-params"))
                .loadOptions(COMMAND).shellParameters(shell).build()) {
            return m.run();
        }
    }

    @Test
    void aShellStartGivesArgvSplitFromTheLoadOptionsAndAStdOutThatPrints() {
        BootResult r = run(true);
        assertThat(r.outcome()).as(r.stopReport().toString()).isEqualTo(BootOutcome.RETURNED);
        assertThat(lines(r.console().text(ConsoleListener.Source.CON_OUT))).containsExactly("shell-params argc 5",
                "shell-params argv 1 [efi=debug]", "shell-params argv 2 [root=LABEL=my disk]", "shell-params argv 3 [a\"b]",
                "shell-params argv 4 [panic=1]", "shell-params handles 1 1 1", "shell-params stdout-write",
                "shell-params stdout EFI_SUCCESS");
    }

    @Test
    void withoutAShellStartTheProtocolIsNotOnTheImageHandle() {
        BootResult r = run(false);
        assertThat(lines(r.console().text(ConsoleListener.Source.CON_OUT)))
                .containsExactly("shell-params none EFI_UNSUPPORTED");
    }
}
