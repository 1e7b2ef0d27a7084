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
 * The {@code key-notify} payload's {@code state} case on real QEMU 7.2 q35 + OVMF 2022.11 (Debian packages,
 * provisioned), keys typed on COM1 once the line before each is printed, and on efiemu with the same keys in
 * {@link KeyStatePayloadTest#SCRIPT}, compared line for line: ReadKeyStrokeEx's KeyState with and without a key,
 * SetState's answers and what it changes, Ctrl-x from a serial terminal, and ConIn/ConInEx Reset with a key typed
 * before it.
 */
class KeyStateOvmfLiveTest {

    /** The bytes typed on COM1 after each line (Ctrl-x is 0x18). */
    private static final Map<String, String> TYPE_AFTER = Map.of(
            "ks ready", "q",
            "ks ctrl", "\u0018",
            "ks reset-conin", "r",
            "ks reset-coninex", "s",
            "ks after-reset", "u");

    private static byte[] reply(String line) {
        String key = TYPE_AFTER.get(line.strip());
        if (key == null) {
            // a line whose start COM1 lost still ends with its marker
            for (var e : TYPE_AFTER.entrySet()) {
                if (line.strip().endsWith(e.getKey())) {
                    key = e.getValue();
                }
            }
        }
        return key == null ? null : key.getBytes(StandardCharsets.US_ASCII);
    }


    @Test
    void keyStateSetStateAndResetOnEfiemuEqualQemuOvmfWithTheSameKeys(@TempDir Path dir) throws Exception {
        String com1 = OvmfShellRun.com1TypingWhole(dir, List.of("key-notify"), List.of("fs0:\\key-notify.efi state"), 150,
                KeyStateOvmfLiveTest::reply, "ks ", 3);
        List<String> ovmf = KeyStatePayloadTest.lines(com1);
        assertThat(ovmf).as("QEMU + OVMF COM1:%n%s", com1).containsExactlyElementsOf(KeyStatePayloadTest.EXPECTED);
        try (UefiMachine m = UefiMachine.builder(TestPlatforms.ovmfQ35()).payload(TestPlatforms.payload("key-notify"))
                .loadOptions("state").keys(KeyScript.parse(KeyStatePayloadTest.SCRIPT, "keys.txt")).build()) {
            assertThat(KeyStatePayloadTest.lines(m.run().consoleText())).isEqualTo(ovmf);
        }
    }
}
