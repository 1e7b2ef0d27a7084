package org.efiemu.earlyalloc;

import java.util.Objects;
import org.efiemu.earlyalloc.report.Reason;
import org.efiemu.earlyalloc.report.Verdict;

/** One rule's finding: the verdict it calls for (WARN or FAIL) and the reason with its evidence. */
record Graded(Verdict verdict, Reason reason) {
    Graded {
        Objects.requireNonNull(verdict, "Graded.verdict");
        Objects.requireNonNull(reason, "Graded.reason");
    }
}
