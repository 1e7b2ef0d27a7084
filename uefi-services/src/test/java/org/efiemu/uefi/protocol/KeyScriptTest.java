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
        assertThatThrownBy(() -> KeyScript.parse("2s a\n1s \"b\"\n", "k.txt")).hasMessageStartingWith("k.txt:1: ");
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
}
