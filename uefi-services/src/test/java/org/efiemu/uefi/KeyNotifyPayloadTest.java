package org.efiemu.uefi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.efiemu.uefi.protocol.KeyScript;
import org.junit.jupiter.api.Test;

/**
 * The {@code key-notify} payload: SimpleTextInputEx.RegisterKeyNotify/UnregisterKeyNotify (UEFI 2.10 §12.2.5-6) as OVMF
 * 2022.11's ConSplitterDxe + TerminalDxe answer them, with the keys of a script at virtual times. The lines equal
 * what QEMU + OVMF printed for the same keys sent on COM1 ({@code KeyNotifyOvmfLiveTest}).
 */
class KeyNotifyPayloadTest {

    /** 'a' at 1 s, 'x', Up, 'a', 'b' 100 ms apart, and 'z' while the application spins. */
    static final String SCRIPT = "1s \"a\"\n+100ms \"x\"\n+100ms Up\n+100ms \"a\"\n+100ms \"b\"\n+500ms \"z\"\n";

    static List<String> lines(String console) {
        return console.replace("\r", "").lines().filter(l -> l.startsWith("kn ")).toList();
    }

    /**
     * What the payload prints, on efiemu as on QEMU + OVMF (KeyNotifyOvmfLiveTest compares the same lines). In each
     * log entry {@code NAME(ScanCode,UnicodeChar@TPL,ready,KeyShiftState)}, {@code ready} is CheckEvent(WaitForKey)
     * made inside the function: {@code -} for the first check after a key arrives, {@code r} for the next (OVMF's
     * ConSplitter checks TerminalDxe's event, whose notification runs only after the splitter's).
     */
    static final List<String> EXPECTED = List.of(
            "kn ex EFI_SUCCESS",
            "kn register-null-keydata EFI_INVALID_PARAMETER",
            "kn register-null-function EFI_INVALID_PARAMETER",
            "kn register-null-handle EFI_INVALID_PARAMETER",
            "kn unregister-null EFI_INVALID_PARAMETER",
            "kn unregister-unknown EFI_INVALID_PARAMETER",
            "kn register-a-A EFI_SUCCESS",
            "kn register-a-B EFI_SUCCESS",
            "kn register-up-U EFI_SUCCESS",
            "kn register-ctrl-x-X EFI_SUCCESS",
            "kn register-z-Z EFI_SUCCESS",
            "kn register-a-A-again EFI_SUCCESS",
            "kn handles distinct 1 same-again 1",
            "kn ready",
            "kn key1 wait EFI_SUCCESS read EFI_SUCCESS scan 0x0 char 0x61 log A(0,61@8,-,0)B(0,61@8,r,0)",
            "kn unregister-B EFI_SUCCESS",
            "kn unregister-B-again EFI_INVALID_PARAMETER",
            "kn key2 wait EFI_SUCCESS read EFI_SUCCESS scan 0x0 char 0x78 log A(0,61@8,-,0)B(0,61@8,r,0)X(0,78@8,-,0)",
            "kn key3 wait EFI_SUCCESS read EFI_SUCCESS scan 0x1 char 0x0 log A(0,61@8,-,0)B(0,61@8,r,0)X(0,78@8,-,0)"
                    + "U(1,0@8,-,0)",
            "kn key4 wait EFI_SUCCESS read EFI_SUCCESS scan 0x0 char 0x61 log A(0,61@8,-,0)B(0,61@8,r,0)X(0,78@8,-,0)"
                    + "U(1,0@8,-,0)A(0,61@8,-,0)",
            "kn key5 wait EFI_SUCCESS read EFI_SUCCESS scan 0x0 char 0x62 log A(0,61@8,-,0)B(0,61@8,r,0)X(0,78@8,-,0)"
                    + "U(1,0@8,-,0)A(0,61@8,-,0)",
            "kn spin",
            "kn spin-end z 1",
            "kn key6 wait EFI_SUCCESS read EFI_SUCCESS scan 0x0 char 0x7a log A(0,61@8,-,0)B(0,61@8,r,0)X(0,78@8,-,0)"
                    + "U(1,0@8,-,0)A(0,61@8,-,0)Z(0,7a@8,-,0)",
            "kn unregister-A EFI_SUCCESS",
            "kn unregister-U EFI_SUCCESS",
            "kn unregister-X EFI_SUCCESS",
            "kn unregister-Z EFI_SUCCESS",
            "kn end");

    private static BootResult run(String script) {
        try (UefiMachine m = UefiMachine.builder(TestPlatforms.ovmfQ35()).payload(TestPlatforms.payload("key-notify"))
                .loadOptions("notify").keys(KeyScript.parse(script, "keys.txt")).build()) {
            return m.run();
        }
    }

    @Test
    void registeredKeyNotificationFunctionsAreCalledAtTplCallbackWhenTheirKeyEntersTheFifoAndTheKeyStaysReadable() {
        BootResult r = run(SCRIPT);
        assertThat(r.violations()).isEmpty();
        assertThat(lines(r.consoleText())).containsExactlyElementsOf(EXPECTED);
    }

    @Test
    void aKeyNotificationInterruptsAnApplicationSpinningWithoutServiceCallsAtTheFirstTickAfterTheKeysTime() {
        BootResult r = run(SCRIPT);
        // 'z' at 1.9 s: the spin ends at the first 10 ms tick at or after it, well before its 2^31 iterations
        assertThat(lines(r.consoleText())).contains("kn spin-end z 1");
        assertThat(r.virtualNanos()).isGreaterThanOrEqualTo(1_900_000_000L).isLessThan(2_000_000_000L);
    }

    @Test
    void theSameScriptGivesTheSameTraceOnEveryRun() {
        BootResult a = run(SCRIPT);
        BootResult b = run(SCRIPT);
        assertThat(b.consoleText()).isEqualTo(a.consoleText());
        assertThat(b.virtualNanos()).isEqualTo(a.virtualNanos());
        assertThat(b.trace().stream().map(Object::toString).toList())
                .isEqualTo(a.trace().stream().map(Object::toString).toList())
                .anyMatch(e -> e.contains("ConIn.KeyNotifyProcess"));
    }
}
