/**
 * Scenarios, verdicts and the matrix: a {@link org.efiemu.earlyalloc.Strategy} (any EFI application plus a
 * {@link org.efiemu.earlyalloc.StrategyDescriptor}, found by {@link org.efiemu.earlyalloc.StrategyCatalog}) runs on a
 * platform as a {@link org.efiemu.earlyalloc.Scenario}; {@link org.efiemu.earlyalloc.ScenarioRunner} boots it on its
 * own {@code UefiMachine} with the memory-ownership sanitizer, turns the run into an
 * {@link org.efiemu.earlyalloc.Observation} (trace, console, maps, sanitizer findings) and lets the
 * {@link org.efiemu.earlyalloc.VerdictEngine} judge it (PASS / WARN / FAIL with reasons and evidence, docs/strategies.md
 * "Verdicts"); {@link org.efiemu.earlyalloc.MatrixRunner} runs many scenarios in parallel and builds the
 * {@link org.efiemu.earlyalloc.report.Report}. Expected verdicts come from {@link org.efiemu.earlyalloc.ExpectedVerdicts}.
 *
 * <pre>{@code
 * ScenarioResult r = ScenarioRunner.standard().run(
 *         Scenario.of(ProfileRegistry.builtIn("dell-poweredge-r820"), StrategyCatalog.builtIn("mem-lower")));
 * r.report().observed();   // FAIL
 * r.report().reasons();    // why, with address / owner / RIP / service call
 * }</pre>
 */
package org.efiemu.earlyalloc;
