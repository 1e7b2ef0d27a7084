package org.efiemu.earlyalloc.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One report from the reports of matrix shards ({@code efiemu matrix --shard I/N}): the scenarios of all parts, the
 * platforms and strategies of the first part (every part must list the same ones, in the same order), the first part's
 * settings without {@code shard} plus {@code merged}, timings concatenated with the longest part's total as the
 * merged total (the parts ran side by side).
 */
public final class ReportMerge {
    private ReportMerge() {
    }

    /**
     * A named part (the name, e.g. its folder, is used in errors).
     */
    public record Part(String name, Report report) {
        public Part {
            Objects.requireNonNull(name, "Part.name");
            Objects.requireNonNull(report, "Part.report");
        }
    }

    /**
     * Merges the parts.
     *
     * @throws IllegalArgumentException naming the part whose platforms or strategies differ from the first part's, or a
     *                                  scenario that two parts both hold
     */
    public static Report merge(List<Part> parts, String command) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("nothing to merge: expected at least one report folder");
        }
        Part first = parts.get(0);
        List<String> platforms = first.report().platforms().stream().map(PlatformReport::name).toList();
        List<String> strategies = first.report().strategies().stream().map(StrategyReport::name).toList();
        Map<String, String> owner = new LinkedHashMap<>();
        List<ScenarioReport> scenarios = new ArrayList<>();
        List<ScenarioTiming> timings = new ArrayList<>();
        long total = 0;
        for (Part p : parts) {
            List<String> ps = p.report().platforms().stream().map(PlatformReport::name).toList();
            List<String> ss = p.report().strategies().stream().map(StrategyReport::name).toList();
            if (!ps.equals(platforms)) {
                throw new IllegalArgumentException(p.name() + ": platforms " + ps + " differ from " + first.name() + "'s "
                        + platforms + " (expected shards of the same matrix)");
            }
            if (!ss.equals(strategies)) {
                throw new IllegalArgumentException(p.name() + ": strategies " + ss + " differ from " + first.name() + "'s "
                        + strategies + " (expected shards of the same matrix)");
            }
            for (ScenarioReport s : p.report().scenarios()) {
                String before = owner.putIfAbsent(s.id(), p.name());
                if (before != null) {
                    throw new IllegalArgumentException("scenario " + s.id() + " is in both " + before + " and " + p.name()
                            + " (expected each shard of one split once)");
                }
                scenarios.add(s);
            }
            if (p.report().timings() != null) {
                timings.addAll(p.report().timings().scenarios());
                total = Math.max(total, p.report().timings().totalMicros());
            }
        }
        Map<String, String> settings = new LinkedHashMap<>(first.report().inputs().settings());
        settings.remove("shard");
        settings.put("merged", String.join(", ", parts.stream().map(Part::name).toList()));
        return new Report(first.report().title(), first.report().efiemuVersion(), new GenerationInputs(command, settings),
                first.report().platforms(), first.report().strategies(), scenarios, new Timings(total, timings));
    }
}
