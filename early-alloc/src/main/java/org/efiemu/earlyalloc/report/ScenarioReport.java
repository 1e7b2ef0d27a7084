package org.efiemu.earlyalloc.report;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * One run of a strategy on a platform with options: the verdict the emulator observed, the expected one, and all the
 * evidence (reasons, allocations, trampoline, map buffer, violations, final memory map, service-call trace, console
 * output, costs, and what the payload asked the firmware for and did not get: {@code unmet}). Everything here is deterministic; wall-clock durations live in {@link Timings}.
 *
 * <p>{@link #id()} and {@link #matchesExpected()} are derived and written to JSON for readers; they are ignored when
 * reading back.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(value = {"id", "matchesExpected"}, allowGetters = true)
public record ScenarioReport(
        String platform,
        String strategy,
        Map<String, String> options,
        Verdict observed,
        ExpectedVerdict expected,
        List<Reason> reasons,
        List<Allocation> allocations,
        Trampoline trampoline,
        MapBuffer mapBuffer,
        List<Violation> violations,
        List<MapRegion> finalMemoryMap,
        List<TraceLine> trace,
        String console,
        Costs costs,
        @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> unmet) {

    public ScenarioReport {
        Objects.requireNonNull(platform, "ScenarioReport.platform");
        Objects.requireNonNull(strategy, "ScenarioReport.strategy");
        Objects.requireNonNull(observed, "ScenarioReport.observed (scenario " + platform + "/" + strategy + ")");
        Objects.requireNonNull(expected, "ScenarioReport.expected (scenario " + platform + "/" + strategy + ")");
        Objects.requireNonNull(costs, "ScenarioReport.costs (scenario " + platform + "/" + strategy + ")");
        options = Collections.unmodifiableSortedMap(new TreeMap<>(options == null ? Map.of() : options));
        reasons = copy(reasons);
        allocations = copy(allocations);
        violations = copy(violations);
        finalMemoryMap = PlatformReport.sortedDisjoint("scenario " + platform + "/" + strategy + " finalMemoryMap", copy(finalMemoryMap));
        trace = copy(trace);
        console = console == null ? "" : console;
        unmet = copy(unmet);
    }

    /** A report without unmet requests (see the canonical constructor). */
    public ScenarioReport(String platform, String strategy, Map<String, String> options, Verdict observed,
            ExpectedVerdict expected, List<Reason> reasons, List<Allocation> allocations, Trampoline trampoline,
            MapBuffer mapBuffer, List<Violation> violations, List<MapRegion> finalMemoryMap, List<TraceLine> trace,
            String console, Costs costs) {
        this(platform, strategy, options, observed, expected, reasons, allocations, trampoline, mapBuffer, violations,
                finalMemoryMap, trace, console, costs, List.of());
    }

    private static <T> List<T> copy(List<T> list) {
        if (list instanceof MappedList) {
            return list; // unmodifiable already; its elements are made when read (a hunt reads few reports)
        }
        return list == null ? List.of() : List.copyOf(list);
    }

    /**
     * A stable identifier: {@code platform/strategy}, followed by {@code ?key=value&...} when there are options. Used
     * in URL fragments ({@code index.html#scenario=dell-poweredge-r820/mem-lower}).
     */
    @JsonProperty("id")
    public String id() {
        String base = platform + "/" + strategy;
        if (options.isEmpty()) {
            return base;
        }
        return base + "?" + options.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining("&"));
    }

    /** The options as {@code key=value, key=value} (empty when there are none). */
    public String optionsText() {
        return options.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(", "));
    }

    /** True when the observed verdict is the expected one. */
    @JsonProperty("matchesExpected")
    public boolean matchesExpected() {
        return observed == expected.verdict();
    }
}
