package org.efiemu.earlyalloc.hunt;

import java.util.Locale;
import java.util.Objects;
import org.efiemu.earlyalloc.RunEnd;
import org.efiemu.earlyalloc.ScenarioResult;
import org.efiemu.earlyalloc.VerdictEngine;
import org.efiemu.earlyalloc.report.Reason;
import org.efiemu.earlyalloc.report.ReasonKind;
import org.efiemu.earlyalloc.report.ScenarioReport;
import org.efiemu.earlyalloc.report.Verdict;

/**
 * How a strategy broke on a machine, as the hunt compares breakages: the verdict and the kind of the first reason that
 * explains it (the {@link VerdictEngine}'s rules run in a fixed order, so it is the earliest rule that fired; for a FAIL,
 * WARN-graded reasons ending {@link VerdictEngine#WORKS_BY_LUCK} are passed over), and for reasons of kind {@link ReasonKind#OTHER}
 * or {@link ReasonKind#RUN_ENDED_EARLY} how the run ended ({@code FAULT}: the strategy crashed, {@code LIMIT}: it hung,
 * {@code LOAD_FAILED}; {@code efiemu-error} when efiemu itself could not run the scenario).
 *
 * @param verdict the observed verdict (WARN or FAIL)
 * @param kind    the first reason's kind
 * @param ending  for {@link ReasonKind#OTHER} and {@link ReasonKind#RUN_ENDED_EARLY}: how the run ended (the {@link RunEnd.Kind} name, or {@code efiemu-error});
 *                empty otherwise
 */
public record Breakage(Verdict verdict, ReasonKind kind, String ending) {

    /** Prefix of the reason {@link org.efiemu.earlyalloc.MatrixRunner} gives a scenario efiemu could not run. */
    static final String EFIEMU_ERROR = "efiemu could not run this scenario";

    public Breakage {
        Objects.requireNonNull(verdict, "Breakage.verdict");
        Objects.requireNonNull(kind, "Breakage.kind");
        ending = ending == null ? "" : ending;
    }

    /** The breakage of a scenario whose verdict is at least {@code threshold}, or null when it did not break. */
    public static Breakage of(ScenarioResult r, Verdict threshold) {
        ScenarioReport s = r.report();
        if (s.observed().compareTo(threshold) < 0 || s.observed() == Verdict.PASS) {
            return null;
        }
        Reason first = s.reasons().stream().filter(x -> s.observed() != Verdict.FAIL
                || !x.message().contains(VerdictEngine.WORKS_BY_LUCK)).findFirst().orElse(null);
        ReasonKind kind = first == null ? ReasonKind.OTHER : first.kind();
        String ending = "";
        if (kind == ReasonKind.OTHER || kind == ReasonKind.RUN_ENDED_EARLY) {
            ending = first != null && first.message().startsWith(EFIEMU_ERROR) ? "efiemu-error"
                    : r.observation().end().kind().name();
        }
        return new Breakage(s.observed(), kind, ending);
    }

    /** True when efiemu itself failed, rather than the strategy. */
    public boolean efiemuError() {
        return ending.equals("efiemu-error");
    }

    /** {@code FAIL firmware memory corrupted}, {@code FAIL other (the guest faulted)}. */
    @Override
    public String toString() {
        String end = switch (ending) {
            case "" -> "";
            case "efiemu-error" -> " (" + EFIEMU_ERROR + ")";
            default -> " (" + RunEnd.Kind.valueOf(ending).title() + ")";
        };
        return verdict + " " + kind.title() + end;
    }

    /** A file-name-friendly tag, e.g. {@code fail-firmware-memory-corrupted}. */
    public String tag() {
        return (verdict + "-" + kind.name() + (ending.isEmpty() ? "" : "-" + ending)).toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
