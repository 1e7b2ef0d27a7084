package org.efiemu.platform;

/**
 * The rule a text must meet to be carried as a profile value (see {@link ProfileParser}: one printable line, and no
 * {@code '#'} at its start or after a blank, where it would start a comment), checked where an importer reads the text
 * so that the error names the input's line and column.
 */
public final class ProfileValues {
    private ProfileValues() {}

    /**
     * {@code text} when a profile can carry it; otherwise a {@link ProfileFormatException} naming {@code file}, {@code line}
     * and the column of the first offending character ({@code offset} is where {@code text} starts in its line, 0-based).
     *
     * @param what what the text is, e.g. {@code "source"} or {@code "header 'firmware'"}
     */
    public static String require(String file, int line, int offset, String text, String what) {
        for (int c = 0; c < text.length(); c++) {
            char ch = text.charAt(c);
            if ((ch < 0x20 && ch != '\t') || ch == 0x7F) {
                throw new ProfileFormatException(file, line, String.format("control character U+%04X at column %d of the"
                        + " %s line; expected printable text (the profile keeps it)", (int) ch, offset + c + 1, what));
            }
        }
        // in a profile line the value follows a blank, so a '#' at its start or after a blank starts a comment
        int comment = (" " + text).indexOf(" #");
        if (comment >= 0) {
            throw new ProfileFormatException(file, line, String.format("'#' at column %d of the %s line at the start or"
                    + " after a blank; expected text without it, as it would start a comment in the profile line",
                    offset + comment + 1, what));
        }
        return text;
    }
}
