package org.efiemu.uefi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The {@code key-notify} payload's {@code mods} case: keys with modifiers and lock keys as OVMF 2022.11's PS/2 keyboard
 * (Ps2KeyboardDxe behind ConSplitterDxe) hands them on: ReadKeyStrokeEx's KeyShiftState/KeyToggleState (UEFI 2.10
 * §12.2.3), ReadKeyStroke's control characters (§12.3.3), partial keys with and without EFI_KEY_STATE_EXPOSED (§12.2.4)
 * and RegisterKeyNotify's matching of a registered shift state (§12.2.5). The expected lines are what QEMU 7.2 q35 +
 * OVMF 2022.11 printed with the same keys sent by QEMU's monitor {@code sendkey} ({@code KeyModifiersOvmfLiveTest}).
 */
class KeyModifiersPayloadTest {

    /** The keys, each after the payload's "km next-..." line (WaitForEvent jumps to them; the polls find them). */
    static final String SCRIPT = """
            1s  ctrl+x            # next-ctrl-x (ReadKeyStrokeEx)
            2s  ctrl+x            # next-ctrl-x-plain (ReadKeyStroke)
            3s  shift+F1
            4s  shift+a
            5s  alt+e
            6s  logo+r
            7s  CapsLock a
            8s  CapsLock shift+b  # Caps Lock off again
            9s  ctrl              # polled, partial keys not exposed
            10s ctrl              # polled after SetState(VALID | EXPOSED)
            11s ctrl+x
            12s ctrl+x            # key notifications registered
            13s x
            """;

    /** QEMU 7.2 q35 + OVMF 2022.11 (Debian), {@code sendkey} after each "km next-..." line. */
    static final List<String> EXPECTED = List.of(
            "km ex EFI_SUCCESS",
            "km next-ctrl-x",
            "km ctrl-x-ex wait EFI_SUCCESS EFI_SUCCESS scan 0x0 char 0x78 shift 0x80000008 toggle 0xc0",
            "km next-ctrl-x-plain",
            "km ctrl-x-plain wait EFI_SUCCESS read EFI_SUCCESS scan 0x0 char 0x18",
            "km next-shift-f1",
            "km shift-f1 wait EFI_SUCCESS EFI_SUCCESS scan 0xb char 0x0 shift 0x80000002 toggle 0xc0",
            "km next-shift-a",
            "km shift-a wait EFI_SUCCESS EFI_SUCCESS scan 0x0 char 0x41 shift 0x80000000 toggle 0xc0",
            "km next-alt-e",
            "km alt-e wait EFI_SUCCESS EFI_SUCCESS scan 0x0 char 0x65 shift 0x80000020 toggle 0xc0",
            "km next-logo-r",
            "km logo-r wait EFI_SUCCESS EFI_SUCCESS scan 0x0 char 0x72 shift 0x80000080 toggle 0xc0",
            "km next-caps-a",
            "km caps-a wait EFI_SUCCESS EFI_SUCCESS scan 0x0 char 0x41 shift 0x80000000 toggle 0xc4",
            "km next-caps-shift-b",
            "km caps-shift-b-plain wait EFI_SUCCESS read EFI_SUCCESS scan 0x0 char 0x42",
            "km next-ctrl-hidden",
            "km ctrl-hidden 1 EFI_NOT_READY scan 0x0 char 0x0 shift 0x80000008 toggle 0xc0",
            "km ctrl-hidden seen 1",
            "km setstate-exposed EFI_SUCCESS",
            "km next-ctrl-exposed",
            "km ctrl-exposed 1 EFI_SUCCESS scan 0x0 char 0x0 shift 0x80000008 toggle 0xc0",
            "km ctrl-exposed seen 1",
            "km next-ctrl-x-exposed",
            "km ctrl-x-exposed 1 EFI_SUCCESS scan 0x0 char 0x0 shift 0x80000008 toggle 0xc0",
            "km ctrl-x-exposed 2 EFI_SUCCESS scan 0x0 char 0x78 shift 0x80000008 toggle 0xc0",
            "km ctrl-x-exposed seen 2",
            "km setstate-valid EFI_SUCCESS",
            "km register EFI_SUCCESS EFI_SUCCESS EFI_SUCCESS",
            "km next-notify-ctrl-x",
            "km notify-ctrl-x wait EFI_SUCCESS EFI_SUCCESS scan 0x0 char 0x78 shift 0x80000008 toggle 0xc0",
            "km log X(78,80000008,c0)C(78,80000008,c0)",
            "km next-notify-x",
            "km notify-x wait EFI_SUCCESS EFI_SUCCESS scan 0x0 char 0x78 shift 0x80000000 toggle 0xc0",
            "km log V(78,80000000,c0)X(78,80000000,c0)",
            "km unregister EFI_SUCCESS EFI_SUCCESS EFI_SUCCESS",
            "km end");

    static List<String> lines(String console) {
        return console.replace("\r", "").lines().filter(l -> l.startsWith("km ")).toList();
    }

    static BootResult run(String script) {
        return KeyStatePayloadTest.run(script, "mods");
    }

    @Test
    void keysWithModifiersReadAsOvmfsPs2KeyboardGivesThem() {
        BootResult r = run(SCRIPT);
        assertThat(r.violations()).isEmpty();
        assertThat(lines(r.consoleText())).containsExactlyElementsOf(EXPECTED);
    }

    @Test
    void theSameKeyScriptGivesTheSameTraceOnEveryRun() {
        BootResult a = run(SCRIPT);
        BootResult b = run(SCRIPT);
        assertThat(b.trace().stream().map(Object::toString).toList())
                .isEqualTo(a.trace().stream().map(Object::toString).toList());
    }
}
