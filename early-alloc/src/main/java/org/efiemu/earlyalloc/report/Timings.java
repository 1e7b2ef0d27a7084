package org.efiemu.earlyalloc.report;

import java.util.List;

/** The non-deterministic part of a report: wall-clock durations, which differ from run to run. */
public record Timings(long totalMicros, List<ScenarioTiming> scenarios) {
    public Timings {
        scenarios = List.copyOf(scenarios);
    }
}
