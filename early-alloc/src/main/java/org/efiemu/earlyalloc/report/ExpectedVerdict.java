package org.efiemu.earlyalloc.report;

import java.util.Objects;

/**
 * The verdict a scenario should reach, with a one-line reason traced to the seed (e.g. "Kiper 2016: R820 uses the first
 * ~640 KiB for boot services code or data").
 */
public record ExpectedVerdict(Verdict verdict, String reason) {
    public ExpectedVerdict {
        Objects.requireNonNull(verdict, "ExpectedVerdict.verdict");
        Objects.requireNonNull(reason, "ExpectedVerdict.reason");
    }
}
