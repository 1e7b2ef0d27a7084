package org.efiemu.uefi;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
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

    /** Whether COM1 came through whole (the payload's end printed, no "ks " line cut into by another); not its content. */
    private static boolean whole(String com1) {
        List<String> lines = com1.replace("\r", "").lines().toList();
        return lines.contains("ks end") && lines.stream().noneMatch(l -> l.indexOf("ks ") > 0);
    }

    @Test
    void keyStateSetStateAndResetOnEfiemuEqualQemuOvmfWithTheSameKeys(@TempDir Path dir) throws Exception {
        String com1 = "";
        for (int attempt = 1; attempt <= 3; attempt++) {
            try {
                com1 = OvmfShellRun.com1Typing(Files.createDirectories(dir.resolve("attempt" + attempt)),
                        List.of("key-notify"), List.of("fs0:\\key-notify.efi state"), 150, KeyStateOvmfLiveTest::reply);
            } catch (AssertionError lostOrStuck) {
                com1 = lostOrStuck.getMessage(); // QEMU did not end: a line it printed was lost, so no key was typed
                continue;
            }
            if (whole(com1)) {
                break;
            }
        }
        List<String> ovmf = KeyStatePayloadTest.lines(com1);
        assertThat(ovmf).as("QEMU + OVMF COM1:%n%s", com1).containsExactlyElementsOf(KeyStatePayloadTest.EXPECTED);
        try (UefiMachine m = UefiMachine.builder(TestPlatforms.ovmfQ35()).payload(TestPlatforms.payload("key-notify"))
                .loadOptions("state").keys(KeyScript.parse(KeyStatePayloadTest.SCRIPT, "keys.txt")).build()) {
            assertThat(KeyStatePayloadTest.lines(m.run().consoleText())).isEqualTo(ovmf);
        }
    }
}
