package org.efiemu.uefi.shell;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The UEFI Shell's StdIn line editor (EDK2 FileInterfaceStdInRead), pure. */
class ShellLineEditorTest {
    private static ShellLineEditor typed(int max, String keys) {
        ShellLineEditor e = new ShellLineEditor(max);
        for (char ch : keys.toCharArray()) {
            e.key(0, ch);
        }
        return e;
    }

    @Test
    void enterEndsTheLineAndTheConsoleGetsTheLineAndANewline() {
        ShellLineEditor e = typed(64, "hello");
        assertThat(e.done()).isFalse();
        assertThat(e.echo()).isEmpty();
        assertThat(e.key(0, '\r')).isTrue();
        assertThat(e.line()).isEqualTo("hello");
        assertThat(e.echo()).isEqualTo("hello\n");
    }

    @Test
    void backspaceDeletesBeforeTheCursorAndCursorKeysInsertInsideTheLine() {
        ShellLineEditor e = typed(64, "wo");
        e.key(ShellLineEditor.SCAN_LEFT, 0);
        e.key(0, 'r');                           // insert mode: "wro"
        e.key(ShellLineEditor.SCAN_END, 0);
        e.key(0, '\b');                          // "wr"
        e.key(0, 'x');
        e.key(ShellLineEditor.SCAN_HOME, 0);
        e.key(ShellLineEditor.SCAN_DELETE, 0);   // "rx"
        e.key(0, '\r');
        assertThat(e.line()).isEqualTo("rx");
    }

    @Test
    void insertTogglesOverwriteAndEscapeClearsTheLine() {
        ShellLineEditor e = typed(64, "abc");
        e.key(ShellLineEditor.SCAN_HOME, 0);
        e.key(ShellLineEditor.SCAN_INSERT, 0);
        e.key(0, 'X');
        assertThat(e.line()).isEqualTo("Xbc");
        e.key(ShellLineEditor.SCAN_ESC, 0);
        assertThat(e.line()).isEmpty();
        e.key(0, 'q');
        e.key(0, '\r');
        assertThat(e.line()).isEqualTo("q");
    }

    @Test
    void aKeyPastTheBuffersLastCharacterIsDroppedAsTheShellDropsIt() {
        // MaxStr 4: three characters and the terminator
        assertThat(typed(4, "abcde\r").line()).isEqualTo("abc");
    }

    @Test
    void controlCharactersOtherThanEnterAndBackspaceAndUnmodelledScanCodesDoNothing() {
        ShellLineEditor e = typed(64, "a\tb\n");
        e.key(0x01, 0);   // Up: the command history is not modelled
        e.key(0, '\r');
        assertThat(e.line()).isEqualTo("ab");
    }

    @Test
    void aBufferWithoutRoomForACharacterAndItsTerminatorIsRefused() {
        assertThatThrownBy(() -> new ShellLineEditor(1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 2");
    }
}
