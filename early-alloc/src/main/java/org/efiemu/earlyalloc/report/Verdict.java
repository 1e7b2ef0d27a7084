package org.efiemu.earlyalloc.report;

/** The outcome of one scenario, ordered from best to worst. */
public enum Verdict {
    /** The strategy worked and left firmware memory intact. */
    PASS,
    /** It worked on this machine, but only by luck (e.g. it used memory it never allocated). */
    WARN,
    /** It failed or damaged firmware-owned memory. */
    FAIL;

    /** The worse of two verdicts. */
    public Verdict worst(Verdict other) {
        return compareTo(other) >= 0 ? this : other;
    }
}
