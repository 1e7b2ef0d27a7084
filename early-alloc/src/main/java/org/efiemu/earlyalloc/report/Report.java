package org.efiemu.earlyalloc.report;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * The strategy x platform matrix: what the report writers ({@link JsonReport}, {@link MarkdownReport},
 * {@link HtmlReport}) render.
 *
 * <p>Platforms (columns) and strategies (rows) keep the caller's order. Scenarios are sorted by strategy row, then
 * platform column, then id, so the result does not depend on the order parallel runs finished in. Every scenario must
 * name a listed platform and strategy, and ids must be unique.
 *
 * @param timings wall-clock durations, the only non-deterministic part; may be null
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Report(
        String title,
        String efiemuVersion,
        GenerationInputs inputs,
        List<PlatformReport> platforms,
        List<StrategyReport> strategies,
        List<ScenarioReport> scenarios,
        Timings timings) {

    public Report {
        Objects.requireNonNull(title, "Report.title");
        Objects.requireNonNull(efiemuVersion, "Report.efiemuVersion");
        Objects.requireNonNull(inputs, "Report.inputs");
        platforms = List.copyOf(platforms);
        strategies = List.copyOf(strategies);
        Map<String, Integer> column = indexByName(platforms, PlatformReport::name, "platform");
        Map<String, Integer> row = indexByName(strategies, StrategyReport::name, "strategy");
        Set<String> ids = new HashSet<>();
        for (ScenarioReport s : scenarios) {
            if (!column.containsKey(s.platform())) {
                throw new IllegalArgumentException("scenario '" + s.id() + "': platform '" + s.platform()
                        + "' is not among the report's platforms " + column.keySet());
            }
            if (!row.containsKey(s.strategy())) {
                throw new IllegalArgumentException("scenario '" + s.id() + "': strategy '" + s.strategy()
                        + "' is not among the report's strategies " + row.keySet());
            }
            if (!ids.add(s.id())) {
                throw new IllegalArgumentException("scenario '" + s.id() + "' appears twice in the report");
            }
        }
        List<ScenarioReport> sorted = new ArrayList<>(scenarios);
        sorted.sort(Comparator.<ScenarioReport>comparingInt(s -> row.get(s.strategy()))
                .thenComparingInt(s -> column.get(s.platform()))
                .thenComparing(ScenarioReport::id));
        scenarios = List.copyOf(sorted);
    }

    private static <T> Map<String, Integer> indexByName(List<T> items, Function<T, String> name, String what) {
        Map<String, Integer> index = new LinkedHashMap<>();
        for (T item : items) {
            if (index.putIfAbsent(name.apply(item), index.size()) != null) {
                throw new IllegalArgumentException(what + " '" + name.apply(item) + "' is listed twice in the report");
            }
        }
        return index;
    }

    /** The scenarios in one matrix cell (usually one; more when a strategy ran with several option sets). */
    public List<ScenarioReport> cell(String strategy, String platform) {
        return scenarios.stream().filter(s -> s.strategy().equals(strategy) && s.platform().equals(platform)).toList();
    }

    /** The scenario with this {@link ScenarioReport#id()}. */
    public Optional<ScenarioReport> scenario(String id) {
        return scenarios.stream().filter(s -> s.id().equals(id)).findFirst();
    }

    /** The platform with this name. */
    public Optional<PlatformReport> platform(String name) {
        return platforms.stream().filter(p -> p.name().equals(name)).findFirst();
    }

    /** Number of scenarios per observed verdict, in PASS, WARN, FAIL order. */
    public Map<Verdict, Long> verdictCounts() {
        Map<Verdict, Long> counts = new EnumMap<>(Verdict.class);
        for (Verdict v : Verdict.values()) {
            counts.put(v, scenarios.stream().filter(s -> s.observed() == v).count());
        }
        return counts;
    }

    /** Scenarios whose observed verdict differs from the expected one. */
    public List<ScenarioReport> mismatches() {
        return scenarios.stream().filter(s -> !s.matchesExpected()).toList();
    }
}
