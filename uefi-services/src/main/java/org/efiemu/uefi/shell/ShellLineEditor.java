package org.efiemu.uefi.shell;

/**
 * The UEFI Shell's line editor behind a Read of its StdIn console handle (EDK2 ShellPkg {@code FileHandleWrappers.c},
 * {@code FileInterfaceStdInRead}), pure: keys go in one at a time, the line comes out when Enter (CR) is pressed.
 * Printable keys (UnicodeChar >= 0x20) go in at the cursor (insert mode, the Shell's default; Insert toggles it),
 * Backspace deletes before the cursor, Delete at it, Left/Right/Home/End move it, Escape clears the line; a key that
 * would go past {@code maxChars - 1} characters is dropped, as the Shell drops it at its buffer's end. Tab completion,
 * the command history (Up/Down, F7) and PageUp/PageDown scrolling are not modelled (those keys do nothing here).
 * {@link #echo()} is what the console log gets for a key: the Shell redraws the line on the screen as each key edits
 * it (cursor positioning), so efiemu's text log, which has no cursor, gets the screen row's final content and the
 * newline when Enter ends the line, and nothing for the keys before.
 */
public final class ShellLineEditor {
    /** EFI_INPUT_KEY scan codes (UEFI 2.10 Table 12-3). */
    static final int SCAN_RIGHT = 0x03;
    static final int SCAN_LEFT = 0x04;
    static final int SCAN_HOME = 0x05;
    static final int SCAN_END = 0x06;
    static final int SCAN_INSERT = 0x07;
    static final int SCAN_DELETE = 0x08;
    static final int SCAN_ESC = 0x17;

    private final int maxChars;
    private final StringBuilder line = new StringBuilder();
    private int cursor;
    private boolean insert = true;
    private boolean done;
    private String echo = "";

    /** @param maxChars the Shell's MaxStr: the buffer's characters, at most the screen's (at least 2) */
    public ShellLineEditor(int maxChars) {
        if (maxChars < 2) {
            throw new IllegalArgumentException("maxChars " + maxChars + ": expected at least 2 (a character and NUL)");
        }
        this.maxChars = maxChars;
    }

    /** Feeds one key; returns true once the line is complete (Enter). */
    public boolean key(int scanCode, int unicodeChar) {
        echo = "";
        if (done) {
            return true;
        }
        switch (unicodeChar) {
            case '\r' -> {
                done = true;
                echo = line + "\n";
            }
            case '\b' -> {
                if (cursor > 0) {
                    line.deleteCharAt(--cursor);
                }
            }
            case 0 -> scan(scanCode);
            default -> {
                if (unicodeChar >= ' ' && unicodeChar != '\t') {
                    type((char) unicodeChar);
                }
            }
        }
        return done;
    }

    private void scan(int scanCode) {
        switch (scanCode) {
            case SCAN_DELETE -> {
                if (cursor < line.length()) {
                    line.deleteCharAt(cursor);
                }
            }
            case SCAN_LEFT -> cursor = Math.max(0, cursor - 1);
            case SCAN_RIGHT -> cursor = Math.min(line.length(), cursor + 1);
            case SCAN_HOME -> cursor = 0;
            case SCAN_END -> cursor = line.length();
            case SCAN_ESC -> {
                line.setLength(0);
                cursor = 0;
            }
            case SCAN_INSERT -> insert = !insert;
            default -> {
            }
        }
    }

    private void type(char ch) {
        if (line.length() == maxChars - 1 && (insert || cursor == line.length())) {
            return; // at the buffer's end: the key is dropped
        }
        if (insert || cursor == line.length()) {
            line.insert(cursor, ch);
        } else {
            line.setCharAt(cursor, ch);
        }
        cursor++;
    }

    /** The line so far (the whole line once {@link #done()}). */
    public String line() {
        return line.toString();
    }

    public boolean done() {
        return done;
    }

    /** What the console log gets for the last key: the line and a newline for Enter, else nothing. */
    public String echo() {
        return echo;
    }
}
