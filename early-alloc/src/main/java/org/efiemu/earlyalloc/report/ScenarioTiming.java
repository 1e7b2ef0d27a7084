package org.efiemu.earlyalloc.report;

/** Wall-clock run time of one scenario (non-deterministic; kept out of the scenario itself). */
public record ScenarioTiming(String scenario, long durationMicros) {
}
