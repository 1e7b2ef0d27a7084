package org.efiemu.platform;

/**
 * A profile file or a memory-map dump that cannot be read: names the file, the 1-based line and what was
 * expected, e.g. {@code r820.profile:214: overlaps line 12 (0x10000-0x9FFFF); descriptors must not overlap}.
 */
public class ProfileFormatException extends RuntimeException {

    private final String file;
    private final int line;
    private final String reason;

    /**
     * @param file the file name (or another label of the input)
     * @param line 1-based line number, or 0 when the problem concerns the whole input
     * @param reason what is wrong and what was expected
     */
    public ProfileFormatException(String file, int line, String reason) {
        super(line > 0 ? file + ":" + line + ": " + reason : file + ": " + reason);
        this.file = file;
        this.line = line;
        this.reason = reason;
    }

    public String file() {
        return file;
    }

    /** 1-based line number; 0 when the problem concerns the whole input. */
    public int line() {
        return line;
    }

    public String reason() {
        return reason;
    }
}
