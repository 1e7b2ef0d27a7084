package org.efiemu.earlyalloc;

import java.util.List;
import java.util.Objects;
import org.efiemu.earlyalloc.report.Allocation;
import org.efiemu.earlyalloc.report.Costs;
import org.efiemu.earlyalloc.report.MapBuffer;
import org.efiemu.earlyalloc.report.Reason;
import org.efiemu.earlyalloc.report.Trampoline;
import org.efiemu.earlyalloc.report.Verdict;
import org.efiemu.earlyalloc.report.Violation;

/**
 * What the {@link VerdictEngine} concluded from one {@link Observation}: the verdict, the reasons behind it (with
 * evidence), and the facts the report shows.
 *
 * @param trampoline where the trampoline went (null when it was not placed)
 * @param mapBuffer  the buffer the final GetMemoryMap wrote into (null when none was observed)
 */
public record Judgement(Verdict verdict, List<Reason> reasons, List<Allocation> allocations, Trampoline trampoline,
        MapBuffer mapBuffer, List<Violation> violations, Costs costs) {

    public Judgement {
        Objects.requireNonNull(verdict, "Judgement.verdict");
        reasons = List.copyOf(reasons);
        allocations = List.copyOf(allocations);
        violations = List.copyOf(violations);
        Objects.requireNonNull(costs, "Judgement.costs");
    }
}
