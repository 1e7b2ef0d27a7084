package org.efiemu.uefi;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code key-notify} payload's {@code keypad} case on real QEMU 7.2 q35 + OVMF 2022.11 (Debian packages,
 * provisioned), its keys sent to the PS/2 keyboard by the monitor's {@code sendkey} (Control held through QMP's
 * {@code input-send-event}) once the line before each is printed, and on efiemu with {@link KeypadPayloadTest#SCRIPT},
 * compared line for line; Ctrl+Alt+Del ends both runs after "kp next-cad" (OVMF resets, QEMU's {@code -no-reboot}
 * exits; efiemu ends as ResetSystem(EfiResetWarm)).
 */
class KeypadOvmfLiveTest {

    @Test
    void keypadHeldModifierAndCtrlAltDelOnEfiemuEqualQemuOvmfWithTheSameKeysFromItsPs2Keyboard(@TempDir Path dir)
            throws Exception {
        List<String> expected = KeypadPayloadTest.EXPECTED.stream().filter(l -> !l.startsWith("kp next-")).toList();
        String com1 = "";
        List<String> ovmf = List.of();
        // a second boot only when COM1 lost a line (seen with the socket chardev on a loaded machine)
        for (int attempt = 1; attempt <= 2 && ovmf.size() != expected.size(); attempt++) {
            com1 = OvmfShellRun.com1Sendkey(java.nio.file.Files.createDirectories(dir.resolve("attempt" + attempt)),
                    List.of("key-notify"), List.of("fs0:\\key-notify.efi keypad"), 200, KeypadPayloadTest.STEPS);
            ovmf = measured(com1);
        }
        assertThat(ovmf).as("QEMU + OVMF COM1:%n%s", com1).containsExactlyElementsOf(expected);
        assertThat(com1).as("OVMF reset on Ctrl+Alt+Del").doesNotContain("kp cad-not-reset");
        BootResult r = KeypadPayloadTest.run(KeypadPayloadTest.SCRIPT);
        assertThat(measured(r.consoleText())).containsExactlyElementsOf(ovmf);
        assertThat(r.outcome()).isEqualTo(BootOutcome.RESET);
    }

    /** The "kp " lines without the "kp next-..." markers, a line split where another "kp " starts (COM1 glues some). */
    static List<String> measured(String console) {
        return KeypadPayloadTest.lines(console).stream()
                .flatMap(l -> java.util.Arrays.stream(l.split("(?<=.)(?=kp (?!kp))")))
                .filter(l -> !l.startsWith("kp next-")).toList();
    }
}
