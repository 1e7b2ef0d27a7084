package org.efiemu.uefi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The {@code key-notify} payload's {@code keypad} case: the numeric keypad with Num Lock off and on (its 0-9 and '.'
 * are cursor keys or digits; Shift on it gives the cursor key), a modifier held across script lines ({@code hold ctrl}
 * ... {@code release ctrl}) and Ctrl+Alt+Del, on which OVMF 2022.11's Ps2KeyboardDxe calls
 * {@code gRT->ResetSystem(EfiResetWarm, ...)} (UEFI 2.10 §12.2.3, §8.5.1). The expected lines are what QEMU 7.2 q35 +
 * OVMF 2022.11 printed with the keys of {@link #STEPS} sent by QEMU's monitor {@code sendkey}
 * ({@code KeypadOvmfLiveTest}).
 */
class KeypadPayloadTest {

    /** The "kp next-..." lines in the order the payload prints them and the {@code sendkey} arguments after each. */
    static final List<Map.Entry<String, List<String>>> STEPS = List.of(
            Map.entry("kp next-kp7", List.of("kp_7")),
            Map.entry("kp next-kp5-kp8", List.of("kp_5", "kp_8")),
            Map.entry("kp next-kp-add", List.of("kp_add")),
            Map.entry("kp next-numlock-kp7", List.of("num_lock", "kp_7")),
            Map.entry("kp next-kp-decimal", List.of("kp_decimal")),
            Map.entry("kp next-shift-kp7", List.of("shift-kp_7")),
            Map.entry("kp next-kp1-plain", List.of("kp_1")),
            Map.entry("kp next-delete", List.of("delete")),
            Map.entry("kp next-kp-enter", List.of("kp_enter")),
            Map.entry("kp next-numlock-kp2", List.of("num_lock", "kp_2")),
            // Control pressed and released through QMP (sendkey releases the previous keys when the next comes)
            Map.entry("kp next-hold-ctrl", List.of("down:ctrl", "x", "y")),
            Map.entry("kp next-z", List.of("up:ctrl", "z")),
            Map.entry("kp next-cad", List.of("ctrl-alt-delete")));

    /** The same keys as a key script, each after the payload's "kp next-..." line (WaitForEvent jumps to them). */
    static final String SCRIPT = """
            1s   KP7               # Num Lock off: Home
            2s   KP5 KP8           # KP5 is no key with Num Lock off; KP8 is Up
            3s   KP+
            4s   NumLock KP7       # Num Lock on: '7'
            5s   KP.
            6s   shift+KP7         # Shift on the keypad: Home again
            7s   KP1               # ReadKeyStroke
            8s   Delete
            9s   KPEnter
            10s  NumLock KP2       # Num Lock off again: Down
            11s  hold ctrl x y     # Control held across the keys (and lines) until released
            12s  release ctrl
            13s  z
            14s  ctrl+alt+Delete   # Ps2KeyboardDxe resets the machine
            """;

    /**
     * QEMU 7.2 q35 + OVMF 2022.11 (Debian), the keys of {@link #STEPS} after each "kp next-..." line (measured
     * 2026-12-07): the machine resets after "kp next-cad" (QEMU's {@code -no-reboot} ends it there).
     */
    static final List<String> EXPECTED = List.of(
            "kp ex EFI_SUCCESS",
            "kp next-kp7",
            "kp kp7-numlock-off wait EFI_SUCCESS EFI_SUCCESS scan 0x5 char 0x0 shift 0x80000000 toggle 0xc0",
            "kp next-kp5-kp8",
            "kp kp5-kp8-numlock-off wait EFI_SUCCESS EFI_SUCCESS scan 0x1 char 0x0 shift 0x80000000 toggle 0xc0",
            "kp next-kp-add",
            "kp kp-add wait EFI_SUCCESS EFI_SUCCESS scan 0x0 char 0x2b shift 0x80000000 toggle 0xc0",
            "kp next-numlock-kp7",
            "kp numlock-kp7 wait EFI_SUCCESS EFI_SUCCESS scan 0x0 char 0x37 shift 0x80000000 toggle 0xc2",
            "kp next-kp-decimal",
            "kp kp-decimal wait EFI_SUCCESS EFI_SUCCESS scan 0x0 char 0x2e shift 0x80000000 toggle 0xc2",
            "kp next-shift-kp7",
            "kp shift-kp7 wait EFI_SUCCESS EFI_SUCCESS scan 0x5 char 0x0 shift 0x80000002 toggle 0xc2",
            "kp next-kp1-plain",
            "kp kp1-plain wait EFI_SUCCESS read EFI_SUCCESS scan 0x0 char 0x31",
            "kp next-delete",
            "kp delete-numlock-on wait EFI_SUCCESS EFI_SUCCESS scan 0x8 char 0x0 shift 0x80000000 toggle 0xc2",
            "kp next-kp-enter",
            "kp kp-enter wait EFI_SUCCESS EFI_SUCCESS scan 0x0 char 0xd shift 0x80000000 toggle 0xc2",
            "kp next-numlock-kp2",
            "kp numlock-kp2 wait EFI_SUCCESS EFI_SUCCESS scan 0x2 char 0x0 shift 0x80000000 toggle 0xc0",
            "kp next-hold-ctrl",
            "kp held-ctrl-x wait EFI_SUCCESS EFI_SUCCESS scan 0x0 char 0x78 shift 0x80000008 toggle 0xc0",
            "kp held-ctrl-y wait EFI_SUCCESS EFI_SUCCESS scan 0x0 char 0x79 shift 0x80000008 toggle 0xc0",
            "kp held-idle EFI_NOT_READY scan 0x0 char 0x0 shift 0x80000008 toggle 0xc0",
            "kp next-z",
            "kp released-z wait EFI_SUCCESS EFI_SUCCESS scan 0x0 char 0x7a shift 0x80000000 toggle 0xc0",
            "kp next-cad");

    static List<String> lines(String console) {
        return console.replace("\r", "").lines().filter(l -> l.startsWith("kp ")).toList();
    }

    static BootResult run(String script) {
        return KeyStatePayloadTest.run(script, "keypad");
    }

    @Test
    void keypadKeysFollowNumLockAndShiftAHeldControlStaysOnLaterKeysAndCtrlAltDelResetsAsOnOvmf() {
        BootResult r = run(SCRIPT);
        assertThat(r.violations()).isEmpty();
        assertThat(lines(r.consoleText())).containsExactlyElementsOf(EXPECTED);
        // Ps2KeyboardDxe's timer finds Ctrl+Alt+Del during the payload's Stall loop: gRT->ResetSystem(EfiResetWarm)
        assertThat(r.outcome()).as(r.stopReport().toString()).isEqualTo(BootOutcome.RESET);
        List<String> trace = r.trace().stream().map(Object::toString).toList();
        assertThat(trace.get(trace.size() - 1)).isEqualTo("ResetSystem(EfiResetWarm, EFI_SUCCESS, 0, NULL) = -");
        assertThat(r.stopReport().toString()).contains("ResetSystem(EfiResetWarm)");
    }

    @Test
    void ctrlAltDelResetsAtTheFirstTickAtOrAfterItsTimeWhileTheApplicationOnlyStalls() {
        // the same keys up to the reset, Ctrl+Alt+Del given as the keypad's '.' (make code 0x53 as Delete's)
        BootResult r = run(SCRIPT.replace("ctrl+alt+Delete", "ralt+rctrl+KP."));
        assertThat(r.outcome()).as(r.stopReport().toString()).isEqualTo(BootOutcome.RESET);
        assertThat(lines(r.consoleText())).containsExactlyElementsOf(EXPECTED);
        // a script without it: the payload's Stall loop ends and it prints on
        BootResult none = run(SCRIPT.replace("ctrl+alt+Delete", "ctrl+alt+Insert"));
        assertThat(none.outcome()).isEqualTo(BootOutcome.RETURNED);
        assertThat(lines(none.consoleText())).endsWith("kp next-cad", "kp cad-not-reset", "kp end");
        assertThat(none.trace().stream().map(Object::toString)).noneMatch(l -> l.startsWith("ResetSystem("));
    }

    @Test
    void theSameKeyScriptGivesTheSameTraceOnEveryRun() {
        BootResult a = run(SCRIPT);
        BootResult b = run(SCRIPT);
        assertThat(b.trace().stream().map(Object::toString).toList())
                .isEqualTo(a.trace().stream().map(Object::toString).toList());
    }
}
