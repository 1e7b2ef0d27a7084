package org.efiemu.uefi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.efiemu.uefi.protocol.KeyScript;
import org.junit.jupiter.api.Test;

/**
 * The {@code key-notify} payload's {@code state} case: EFI_KEY_DATA.KeyState from ReadKeyStrokeEx (UEFI 2.10 §12.2.3),
 * SetState (§12.2.4) and ConIn/ConInEx Reset (§12.3.1, §12.2.2) as OVMF 2022.11 answers them with a key typed on its
 * serial console. The expected lines are what QEMU 7.2 q35 + OVMF 2022.11 printed for the same keys typed on COM1
 * ({@code KeyStateOvmfLiveTest} compares them live): ConSplitterDxe ORs the key state of every keyboard it has, and
 * OVMF's ConIn holds the PS/2 keyboard beside the serial terminal, so every ReadKeyStrokeEx, with or without a key,
 * reports KeyShiftState EFI_SHIFT_STATE_VALID and KeyToggleState EFI_TOGGLE_STATE_VALID | EFI_KEY_STATE_EXPOSED plus the
 * locks SetState set; Ctrl-x from a serial terminal is UnicodeChar 0x18 with no shift; Reset empties the key FIFO (a
 * key typed before it is gone) and sets the toggle state back.
 */
class KeyStatePayloadTest {

    /** 'q', Ctrl-x, 'r' (then ConIn.Reset), 's' (then ConInEx.Reset) and 'u', each while the payload waits for it. */
    static final String SCRIPT = "1s \"q\"\n2s Ctrl-x\n3s \"r\"\n4s \"s\"\n5s \"u\"\n";

    static List<String> lines(String console) {
        return console.replace("\r", "").lines().filter(l -> l.startsWith("ks ")).toList();
    }

    /** QEMU 7.2 q35 + OVMF 2022.11 (Debian), keys typed on COM1 after "ks ready", "ks ctrl", "ks reset-conin", ... */
    static final List<String> EXPECTED = List.of(
            "ks ex EFI_SUCCESS",
            "ks none EFI_NOT_READY scan 0x0 char 0x0 shift 0x80000000 toggle 0xc0",
            "ks ready",
            "ks wait-q EFI_SUCCESS",
            "ks key-q EFI_SUCCESS scan 0x0 char 0x71 shift 0x80000000 toggle 0xc0",
            "ks setstate-caps-num EFI_SUCCESS",
            "ks none-after-setstate EFI_NOT_READY scan 0x0 char 0x0 shift 0x80000000 toggle 0xc6",
            "ks setstate-no-valid EFI_UNSUPPORTED",
            "ks setstate-null EFI_INVALID_PARAMETER",
            "ks setstate-no-valid-cli EFI_UNSUPPORTED if 0",
            "ks none-after-refusals EFI_NOT_READY scan 0x0 char 0x0 shift 0x80000000 toggle 0xc6",
            "ks ctrl",
            "ks key-ctrl-x EFI_SUCCESS scan 0x0 char 0x18 shift 0x80000000 toggle 0xc6",
            "ks reset-conin",
            "ks conin wait EFI_SUCCESS reset EFI_SUCCESS read EFI_NOT_READY scan 0x0 char 0x0 check EFI_NOT_READY "
                    + "EFI_NOT_READY",
            "ks none-after-reset EFI_NOT_READY scan 0x0 char 0x0 shift 0x80000000 toggle 0xc0",
            "ks register-s EFI_SUCCESS",
            "ks reset-coninex",
            "ks coninex wait EFI_SUCCESS reset EFI_SUCCESS check EFI_NOT_READY EFI_NOT_READY log S(0,73@8,-,0)",
            "ks unregister-s EFI_SUCCESS",
            "ks read-after-reset EFI_NOT_READY scan 0x0 char 0x0 shift 0x80000000 toggle 0xc0",
            "ks after-reset",
            "ks key-u wait EFI_SUCCESS read EFI_SUCCESS scan 0x0 char 0x75",
            "ks end");

    static BootResult run(String script, String options) {
        try (UefiMachine m = UefiMachine.builder(TestPlatforms.ovmfQ35()).payload(TestPlatforms.payload("key-notify"))
                .loadOptions(options).keys(KeyScript.parse(script, "keys.txt")).build()) {
            return m.run();
        }
    }

    @Test
    void keyStateSetStateAndResetAnswerAsOvmfWithAKeyFromItsSerialConsole() {
        // also: Reset drops a key that came through the terminal's poll while a key notification is registered (its
        // function ran before the reset: the log's S entry, KeyShiftState 0 as TerminalDxe passes it)
        BootResult r = run(SCRIPT, "state");
        assertThat(r.violations()).isEmpty();
        assertThat(lines(r.consoleText())).containsExactlyElementsOf(EXPECTED);
    }
}
