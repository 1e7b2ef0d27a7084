package org.efiemu.uefi.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The {@code --keys} script format. */
class KeyScriptTest {

    @Test
    void timesAreAbsoluteOrRelativeAndKeysAreTextOrNames() {
        KeyScript s = KeyScript.parse("# menu\n0 \"b\\n\"\n1.5s Down  # comment\n+250ms F10 Esc \"#\"\n", "k.txt");
        assertThat(s.keys()).containsExactly(new KeyScript.Key(0, 0, 'b'), new KeyScript.Key(0, 0, 0x0D),
                new KeyScript.Key(1_500_000_000L, 0x02, 0), new KeyScript.Key(1_750_000_000L, 0x14, 0),
                new KeyScript.Key(1_750_000_000L, 0x17, 0), new KeyScript.Key(1_750_000_000L, 0, '#'));
    }

    @Test
    void badLinesNameFileLineAndWhatWasExpected() {
        assertThatThrownBy(() -> KeyScript.parse("1s Enter\n2x Enter\n", "k.txt")).hasMessageStartingWith("k.txt:2: ")
                .hasMessageContaining("Nms");
        assertThatThrownBy(() -> KeyScript.parse("1s Entr\n", "k.txt")).hasMessageStartingWith("k.txt:1: ")
                .hasMessageContaining("PageDown");
        assertThatThrownBy(() -> KeyScript.parse("2s ab\n1s \"b\"\n", "k.txt")).hasMessageStartingWith("k.txt:1: ");
        assertThatThrownBy(() -> KeyScript.parse("2s \"a\"\n1s \"b\"\n", "k.txt")).hasMessageStartingWith("k.txt:2: ")
                .hasMessageContaining("never go back");
        assertThatThrownBy(() -> KeyScript.parse("1s \"open\n", "k.txt")).hasMessageContaining("closing");
        assertThatThrownBy(() -> KeyScript.parse("1s\n", "k.txt")).hasMessageContaining("at least one key");
    }

    @Test
    void ctrlLetterIsTheControlCharacterASerialTerminalSendsWithNoScanCode() {
        KeyScript s = KeyScript.parse("1s Ctrl-x ctrl-A CTRL-z\n", "k.txt");
        assertThat(s.keys()).containsExactly(new KeyScript.Key(1_000_000_000L, 0, 0x18),
                new KeyScript.Key(1_000_000_000L, 0, 0x01), new KeyScript.Key(1_000_000_000L, 0, 0x1A));
        assertThatThrownBy(() -> KeyScript.parse("1s Ctrl-1\n", "k.txt")).hasMessageStartingWith("k.txt:1: ")
                .hasMessageContaining("Ctrl-A to Ctrl-Z");
        assertThatThrownBy(() -> KeyScript.parse("1s Ctrl-xy\n", "k.txt")).hasMessageStartingWith("k.txt:1: ");
    }

    @Test
    void immediateKeysAreAllAtTimeZeroWithEscapeAsScanCode() {
        assertThat(KeyScript.immediate("a\u001b").keys()).containsExactly(new KeyScript.Key(0, 0, 'a'),
                new KeyScript.Key(0, 0x17, 0));
    }

    private static KeyScript.Key ps2(long at, int scan, int ch, long shift) {
        return new KeyScript.Key(at, scan, ch, shift, 0, true);
    }

    @Test
    void aKeyWithModifiersIsEachModifiersPartialKeyThenTheKeyWithAllOfThemAsPs2KeyboardDxeQueuesThem() {
        long t = 1_000_000_000L;
        assertThat(KeyScript.parse("1s ctrl+x\n", "k.txt").keys()).containsExactly(ps2(t, 0, 0, 0x8000_0008L),
                ps2(t, 0, 'x', 0x8000_0008L));
        assertThat(KeyScript.parse("1s ctrl+alt+Delete\n", "k.txt").keys()).containsExactly(ps2(t, 0, 0, 0x8000_0008L),
                ps2(t, 0, 0, 0x8000_0028L), ps2(t, 0x08, 0, 0x8000_0028L));
        assertThat(KeyScript.parse("1s rctrl+ralt+rlogo+rshift+F1 logo+R\n", "k.txt").keys()).endsWith(
                ps2(t, 0x0B, 0, 0x8000_0055L), ps2(t, 0, 0, 0x8000_0080L), ps2(t, 0, 'r', 0x8000_0080L));
    }

    @Test
    void shiftChangesACharacterAsAUsKeyboardAndThenItsShiftBitsAreDroppedButAKeyShiftDoesNotChangeKeepsThem() {
        long t = 1_000_000_000L;
        assertThat(KeyScript.parse("1s shift+a shift+1 shift+/ shift+F1 shift+Enter\n", "k.txt").keys())
                .containsExactly(ps2(t, 0, 0, 0x8000_0002L), ps2(t, 0, 'A', 0x8000_0000L),
                        ps2(t, 0, 0, 0x8000_0002L), ps2(t, 0, '!', 0x8000_0000L),
                        ps2(t, 0, 0, 0x8000_0002L), ps2(t, 0, '?', 0x8000_0000L),
                        ps2(t, 0, 0, 0x8000_0002L), ps2(t, 0x0B, 0, 0x8000_0002L),
                        ps2(t, 0, 0, 0x8000_0002L), ps2(t, 0, 0x0D, 0x8000_0002L));
    }

    @Test
    void aModifierOrLockKeyAloneIsOnePartialKeyAndASingleCharacterIsAPs2KeyWithoutModifiers() {
        long t = 1_000_000_000L;
        assertThat(KeyScript.parse("1s ctrl CapsLock numlock ScrollLock q\n", "k.txt").keys()).containsExactly(
                ps2(t, 0, 0, 0x8000_0008L), new KeyScript.Key(t, 0, 0, 0x8000_0000L, 0x04, true),
                new KeyScript.Key(t, 0, 0, 0x8000_0000L, 0x02, true),
                new KeyScript.Key(t, 0, 0, 0x8000_0000L, 0x01, true), ps2(t, 0, 'q', 0x8000_0000L));
        assertThat(KeyScript.parse("1s ctrl\n", "k.txt").keys().get(0).partial()).isTrue();
        assertThat(KeyScript.parse("1s \"q\"\n", "k.txt").keys().get(0).ps2()).isFalse();
    }

    @Test
    void aBadModifierOrKeyAfterModifiersNamesFileLineAndColumn() {
        assertThatThrownBy(() -> KeyScript.parse("1s Enter\n1s  Enter cntrl+x\n", "k.txt"))
                .hasMessageStartingWith("k.txt:2:11: modifier 'cntrl' in 'cntrl+x': expected shift, ctrl, alt or logo");
        assertThatThrownBy(() -> KeyScript.parse("  1s ctrl+alt+F13\n", "k.txt"))
                .hasMessageStartingWith("k.txt:1:15: key 'F13' in 'ctrl+alt+F13': expected a letter");
        assertThatThrownBy(() -> KeyScript.parse("1s shift+!\n", "k.txt"))
                .hasMessageStartingWith("k.txt:1:10: key '!' in 'shift+!'").hasMessageContaining("shift+1 for '!'");
        assertThatThrownBy(() -> KeyScript.parse("1s ctrl+\n", "k.txt")).hasMessageStartingWith("k.txt:1:9: key ''");
    }
}
