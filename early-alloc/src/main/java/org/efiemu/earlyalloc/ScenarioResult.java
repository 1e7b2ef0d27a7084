package org.efiemu.earlyalloc;

import java.util.Objects;
import org.efiemu.earlyalloc.report.ScenarioReport;

/**
 * One finished scenario: the report entry, what the emulator observed, and the wall-clock time it took.
 *
 * @param durationMicros host wall-clock time of the run (machine build + run + verdict), not deterministic
 */
public record ScenarioResult(Scenario scenario, ScenarioReport report, Observation observation, long durationMicros) {
    public ScenarioResult {
        Objects.requireNonNull(scenario, "ScenarioResult.scenario");
        Objects.requireNonNull(report, "ScenarioResult.report");
        Objects.requireNonNull(observation, "ScenarioResult.observation");
    }
}
