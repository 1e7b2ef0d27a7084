package org.efiemu.uefi;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.efiemu.uefi.protocol.KeyScript;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code key-notify} payload on real QEMU 7.2 q35 + OVMF 2022.11 (Debian packages, provisioned), keys typed on
 * COM1 (TerminalDxe's keyboard: QEMU without a display has no other), and on efiemu with the same keys in a script,
 * compared line for line: RegisterKeyNotify's refusals and handles, which notification functions run for which key
 * (TerminalDxe 2022.11 matches ScanCode and UnicodeChar only: a registration for Ctrl-x runs on a plain 'x'), at
 * which TPL (TPL_CALLBACK), with the key already readable, UnregisterKeyNotify, and a notification interrupting an
 * application that spins without calling a service. Each key is typed only once the line before it is printed, as the
 * script spaces them in virtual time.
 */
class KeyNotifyOvmfLiveTest {

    /** The key typed on COM1 after each line (Up is PC-ANSI {@code ESC [ A}). */
    private static final Map<String, String> TYPE_AFTER = Map.of(
            "kn ready", "a",
            "kn unregister-B-again EFI_INVALID_PARAMETER", "x",
            "kn spin", "z");

    private static byte[] reply(String line) {
        String key = TYPE_AFTER.get(line.strip());
        if (key == null) {
            if (line.contains("kn key2 ")) {
                key = "\u001B[A";
            } else if (line.contains("kn key3 ")) {
                key = "a";
            } else if (line.contains("kn key4 ")) {
                key = "b";
            } else {
                // a line whose start COM1 lost still ends with its marker
                for (var e : TYPE_AFTER.entrySet()) {
                    if (line.strip().endsWith(e.getKey())) {
                        key = e.getValue();
                    }
                }
            }
        }
        return key == null ? null : key.getBytes(StandardCharsets.US_ASCII);
    }


    @Test
    void keyNotificationFunctionsRunForTheSameKeysAtTheSameTplAsOnQemuOvmf(@TempDir Path dir) throws Exception {
        String com1 = OvmfShellRun.com1TypingWhole(dir, List.of("key-notify"), List.of("fs0:\\key-notify.efi notify"), 150,
                KeyNotifyOvmfLiveTest::reply, "kn ", 3);
        List<String> ovmf = KeyNotifyPayloadTest.lines(com1);
        assertThat(ovmf).as("QEMU + OVMF COM1:%n%s", com1).containsExactlyElementsOf(KeyNotifyPayloadTest.EXPECTED);
        try (UefiMachine m = UefiMachine.builder(TestPlatforms.ovmfQ35()).payload(TestPlatforms.payload("key-notify"))
                .loadOptions("notify").keys(KeyScript.parse(KeyNotifyPayloadTest.SCRIPT, "keys.txt")).build()) {
            assertThat(KeyNotifyPayloadTest.lines(m.run().consoleText())).isEqualTo(ovmf);
        }
    }
}
