package org.efiemu.earlyalloc;

/** A strategy descriptor (or expected-verdicts file) that cannot be read: names the file, the line and the problem. */
public final class StrategyFormatException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /**
     * @param origin the file or resource
     * @param line   1-based line, 0 when the problem is not one line's
     * @param problem what is wrong and what was expected
     */
    public StrategyFormatException(String origin, int line, String problem) {
        super(origin + (line > 0 ? ":" + line : "") + ": " + problem);
    }
}
