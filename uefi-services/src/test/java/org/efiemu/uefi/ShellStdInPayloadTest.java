package org.efiemu.uefi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.efiemu.uefi.protocol.ConsoleListener;
import org.efiemu.uefi.protocol.KeyScript;
import org.junit.jupiter.api.Test;

/**
 * The UEFI Shell's StdIn (EFI_SHELL_PARAMETERS_PROTOCOL.StdIn, UEFI Shell Specification 2.2 §2.5): Read is the Shell's
 * line editor over ConIn (EDK2 FileInterfaceStdInRead), fed by scripted keys at their virtual times.
 */
class ShellStdInPayloadTest {
    private static KeyScript keys(long atNanos, String text, List<KeyScript.Key> into) {
        for (char ch : text.toCharArray()) {
            into.add(new KeyScript.Key(atNanos, 0, ch));
        }
        return new KeyScript(into);
    }

    @Test
    void stdInReadReturnsTheLineTypedUpToEnterWaitingForScriptedKeysInVirtualTime() {
        List<KeyScript.Key> k = new ArrayList<>();
        keys(0, "hello\r", k);
        keys(50_000_000L, "wo", k);
        k.add(new KeyScript.Key(50_000_000L, 0x04, 0));   // Left
        keys(50_000_000L, "r", k);
        k.add(new KeyScript.Key(50_000_000L, 0x06, 0));   // End
        keys(50_000_000L, "\bx\r", k);
        try (UefiMachine m = UefiMachine.builder(TestPlatforms.ovmfQ35()).payload(TestPlatforms.payload("shell-params"))
                .loadOptions("fs0:\\shell-params.efi read-stdin").shellParameters(true).keys(new KeyScript(k)).build()) {
            BootResult r = m.run();
            assertThat(r.outcome()).as(r.stopReport().toString()).isEqualTo(BootOutcome.RETURNED);
            String out = r.console().text(ConsoleListener.Source.CON_OUT).replace("\r", "");
            assertThat(out.lines().filter(l -> l.startsWith("shell-params stdin")).toList()).containsExactly(
                    "shell-params stdin-small EFI_BUFFER_TOO_SMALL size 4",
                    "shell-params stdin EFI_SUCCESS size 10 [hello]",
                    "shell-params stdin EFI_SUCCESS size 6 [wrx]");
            // the Shell shows each line as typed and moves to the next row at Enter
            assertThat(out).contains("hello\nshell-params stdin EFI_SUCCESS size 10 [hello]\nwrx\n");
            // the second line's keys come 50 ms of virtual time later: the Read waited for them
            assertThat(r.virtualNanos()).isGreaterThanOrEqualTo(50_000_000L);
            assertThat(r.trace().stream().filter(e -> e.service().equals("ShellFile.Read")).map(e -> e.summary())
                    .filter(s -> s.contains("line \"wrx\"")).count()).isEqualTo(1);
        }
    }

    @Test
    void stdInReadWithNoKeyToComeStopsTheRunAsAWaitForever() {
        try (UefiMachine m = UefiMachine.builder(TestPlatforms.ovmfQ35()).payload(TestPlatforms.payload("shell-params"))
                .loadOptions("fs0:\\shell-params.efi read-stdin").shellParameters(true).conInKeys("ab\r").build()) {
            BootResult r = m.run();
            assertThat(r.outcome()).isEqualTo(BootOutcome.WAITS_FOREVER);
            assertThat(r.console().text(ConsoleListener.Source.CON_OUT))
                    .contains("shell-params stdin EFI_SUCCESS size 4 [ab]");
        }
    }
}
