package org.efiemu.uefi;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code key-notify} payload's {@code mods} case on real QEMU 7.2 q35 + OVMF 2022.11 (Debian packages,
 * provisioned), keys with modifiers and lock keys sent to its PS/2 keyboard by the monitor's {@code sendkey} once the
 * line before each is printed, and on efiemu with {@link KeyModifiersPayloadTest#SCRIPT}, compared line for line.
 */
class KeyModifiersOvmfLiveTest {

    /** The "km next-..." lines in the order the payload prints them and the {@code sendkey} arguments after each. */
    static final List<Map.Entry<String, List<String>>> STEPS = List.of(
            Map.entry("km next-ctrl-x", List.of("ctrl-x")),
            Map.entry("km next-ctrl-x-plain", List.of("ctrl-x")),
            Map.entry("km next-shift-f1", List.of("shift-f1")),
            Map.entry("km next-shift-a", List.of("shift-a")),
            Map.entry("km next-alt-e", List.of("alt-e")),
            Map.entry("km next-logo-r", List.of("meta_l-r")),
            Map.entry("km next-caps-a", List.of("caps_lock", "a")),
            Map.entry("km next-caps-shift-b", List.of("caps_lock", "shift-b")),
            Map.entry("km next-ctrl-hidden", List.of("ctrl")),
            Map.entry("km next-ctrl-exposed", List.of("ctrl")),
            Map.entry("km next-ctrl-x-exposed", List.of("ctrl-x")),
            Map.entry("km next-notify-ctrl-x", List.of("ctrl-x")),
            Map.entry("km next-notify-x", List.of("x")));

    @Test
    void keysWithModifiersOnEfiemuEqualQemuOvmfWithTheSameKeysFromItsPs2Keyboard(@TempDir Path dir) throws Exception {
        String com1 = "";
        List<String> ovmf = List.of();
        for (int attempt = 1; attempt <= 2 && !ovmf.contains("km end"); attempt++) {
            com1 = OvmfShellRun.com1Sendkey(java.nio.file.Files.createDirectories(dir.resolve("attempt" + attempt)),
                    List.of("key-notify"), List.of("fs0:\\key-notify.efi mods"), 200, STEPS);
            ovmf = KeyModifiersPayloadTest.lines(com1);
        }
        assertThat(measured(ovmf)).as("QEMU + OVMF COM1:%n%s", com1)
                .containsExactlyElementsOf(measured(KeyModifiersPayloadTest.EXPECTED));
        BootResult r = KeyModifiersPayloadTest.run(KeyModifiersPayloadTest.SCRIPT);
        assertThat(measured(KeyModifiersPayloadTest.lines(r.consoleText()))).isEqualTo(measured(ovmf));
    }

    /**
     * The lines that report what the payload read, without the "km next-..." lines that only say when to send a key:
     * QEMU's COM1 was seen to hold the tail of such a line back until the next line ("km next-notifykm notify-...");
     * a line is split where another "km " starts.
     */
    static List<String> measured(List<String> lines) {
        return lines.stream().flatMap(l -> java.util.Arrays.stream(l.split("(?<=.)(?=km )")))
                .filter(l -> !l.startsWith("km next-")).toList();
    }
}
