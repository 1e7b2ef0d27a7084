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

    private static KeyScript.Key pad(long at, int scan, int ch, long shift) {
        return new KeyScript.Key(at, scan, ch, shift, 0, true, true);
    }

    @Test
    void keypadKeysCarryTheirCursorKeyAndDigitAndNumLockAndShiftChooseWhenTheyArrive() {
        long t = 1_000_000_000L;
        assertThat(KeyScript.parse("1s KP7 kp5 KP. KP+ KP/ KPEnter shift+KP7 ctrl+KP+\n", "k.txt").keys())
                .containsExactly(pad(t, 0x05, '7', 0x8000_0000L), pad(t, 0, '5', 0x8000_0000L),
                        pad(t, 0x08, '.', 0x8000_0000L), pad(t, 0, '+', 0x8000_0000L), pad(t, 0, '/', 0x8000_0000L),
                        pad(t, 0, 0x0D, 0x8000_0000L), ps2(t, 0, 0, 0x8000_0002L), pad(t, 0x05, '7', 0x8000_0002L),
                        ps2(t, 0, 0, 0x8000_0008L), pad(t, 0, '+', 0x8000_0008L));
        KeyScript.Key kp7 = pad(t, 0x05, '7', 0x8000_0000L);
        assertThat(kp7.withNumLock(true)).isEqualTo(pad(t, 0, '7', 0x8000_0000L));
        assertThat(kp7.withNumLock(false)).isEqualTo(pad(t, 0x05, 0, 0x8000_0000L));
        // Shift on the keypad with Num Lock on gives the cursor key (its bit kept); the keypad's 5 without Num Lock is
        // no key; '+' is '+' either way
        assertThat(pad(t, 0x05, '7', 0x8000_0002L).withNumLock(true)).isEqualTo(pad(t, 0x05, 0, 0x8000_0002L));
        assertThat(pad(t, 0, '5', 0x8000_0000L).withNumLock(false).partial()).isTrue();
        assertThat(pad(t, 0, '+', 0x8000_0000L).withNumLock(false)).isEqualTo(pad(t, 0, '+', 0x8000_0000L));
    }

    @Test
    void ctrlAltDelIsAControlAndAnAltKeyWithDeleteOrTheKeypadsDecimalPoint() {
        assertThat(KeyScript.parse("1s ctrl+alt+Delete\n", "k.txt").keys()).filteredOn(KeyScript.Key::ctrlAltDel)
                .hasSize(1);
        assertThat(KeyScript.parse("1s rctrl+ralt+KP.\n", "k.txt").keys()).filteredOn(KeyScript.Key::ctrlAltDel)
                .hasSize(1);
        assertThat(KeyScript.parse("1s ctrl+Delete alt+Delete ctrl+alt+Insert Delete ctrl+alt+KP0\n", "k.txt").keys())
                .noneMatch(KeyScript.Key::ctrlAltDel);
        assertThat(KeyScript.parse("1s hold ctrl\n2s hold alt Delete\n", "k.txt").keys())
                .filteredOn(KeyScript.Key::ctrlAltDel).hasSize(1);
    }

    @Test
    void holdKeepsAModifierDownAcrossLinesUntilReleaseAndTheScriptKnowsWhatIsHeldWhen() {
        KeyScript s = KeyScript.parse("1s hold ctrl x\n2s y Enter\n3s release ctrl z\n", "k.txt");
        long t = 1_000_000_000L;
        assertThat(s.keys()).containsExactly(ps2(t, 0, 0, 0x8000_0008L), ps2(t, 0, 'x', 0x8000_0008L),
                ps2(2 * t, 0, 'y', 0x8000_0008L), ps2(2 * t, 0, 0x0D, 0x8000_0008L), ps2(3 * t, 0, 'z', 0x8000_0000L));
        assertThat(s.heldAt(0)).isZero();
        assertThat(s.heldAt(t)).isEqualTo(0x08L);
        assertThat(s.heldAt(3 * t - 1)).isEqualTo(0x08L);
        assertThat(s.heldAt(3 * t)).isZero();
        assertThat(KeyScript.parse("1s hold shift\n2s a\n", "k.txt").keys()).endsWith(ps2(2 * t, 0, 'A', 0x8000_0000L));
        assertThat(KeyScript.parse("1s x\n", "k.txt").heldAt(5 * t)).isZero();
    }

    @Test
    void aBadHoldOrReleaseOrSerialKeysWhileHeldNameFileLineAndWhatWasExpected() {
        assertThatThrownBy(() -> KeyScript.parse("1s hold cntrl\n", "k.txt"))
                .hasMessageStartingWith("k.txt:1:9: 'hold cntrl': expected a modifier");
        assertThatThrownBy(() -> KeyScript.parse("1s hold ctrl\n2s hold ctrl\n", "k.txt"))
                .hasMessageStartingWith("k.txt:2:9: 'hold ctrl': ctrl is held already");
        assertThatThrownBy(() -> KeyScript.parse("1s release alt\n", "k.txt"))
                .hasMessageStartingWith("k.txt:1:12: 'release alt': alt is not held");
        assertThatThrownBy(() -> KeyScript.parse("1s x hold\n", "k.txt"))
                .hasMessageStartingWith("k.txt:1: 'hold' at the end of the line");
        assertThatThrownBy(() -> KeyScript.parse("1s hold ctrl\n2s \"x\"\n", "k.txt"))
                .hasMessageStartingWith("k.txt:2:4: quoted text \"x\" while ctrl is held");
        assertThatThrownBy(() -> KeyScript.parse("1s hold alt\n2s Ctrl-x\n", "k.txt"))
                .hasMessageStartingWith("k.txt:2:4: key 'Ctrl-x' while alt is held");
    }
}
