package org.efiemu.earlyalloc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.efiemu.core.engine.ReusableEngine;
import org.efiemu.earlyalloc.hunt.Hunt;
import org.efiemu.platform.PlatformProfile;
import org.efiemu.platform.ProfileRegistry;
import org.efiemu.platform.random.MachineGenerator;
import org.efiemu.uefi.UefiMachine;
import org.efiemu.uefi.UefiMachineBuilder;
import org.efiemu.uefi.sanitizer.MemorySanitizer;
import org.junit.jupiter.api.Test;

/**
 * A machine built on a reused engine ({@link ReusableEngine}: one per worker, lent to machine after machine) must
 * observe exactly what it observes on a new engine: the same JSON trace byte for byte (virtual times included), the
 * same sanitizer findings, stop report, console and clock, and the same scenario verdict and report. Compared over the
 * built-in matrix (every strategy on every built-in platform, all on ONE engine in a row, so strategies alternate on
 * it) and over hunt-generated machines (several seeds, 4 to 200 descriptors, payloads loaded where the descriptor says
 * and at other addresses).
 */
class EngineReuseDifferentialTest {
    private static final ScenarioRunner RUNNER = ScenarioRunner.standard();

    @Test
    void everyBuiltInScenarioObservesOnAReusedEngineExactlyWhatItObservesOnANewOne() {
        List<String> mismatches = new ArrayList<>();
        int compared = 0;
        try (ReusableEngine engine = new ReusableEngine()) {
            for (String platform : ProfileRegistry.builtInNames()) {
                for (String strategy : StrategyCatalog.builtInNames()) {
                    Strategy s = StrategyCatalog.builtIn(strategy);
                    PlatformProfile p = ProfileRegistry.builtIn(platform);
                    String fresh = observe(p, s, null);
                    String reused = observe(p, s, engine);
                    if (!fresh.equals(reused)) {
                        mismatches.add(strategy + " on " + platform + ":\n" + firstDifference(fresh, reused));
                    }
                    compared++;
                }
            }
            assertThat(engine.lends()).isEqualTo(compared);
            assertKeptRamWasExercised(engine);
        }
        assertThat(compared).isGreaterThan(40);
        assertThat(mismatches).isEmpty();
    }

    @Test
    void theBuiltInMatrixGivesTheSameReportsOnReusedEnginesAsOnNewOnes() {
        List<PlatformProfile> platforms = ProfileRegistry.builtInNames().stream().map(ProfileRegistry::builtIn).toList();
        List<Strategy> strategies = StrategyCatalog.builtInNames().stream().map(StrategyCatalog::builtIn).toList();
        List<Scenario> scenarios = MatrixRunner.cross(platforms, strategies, ScenarioOptions.defaults());
        MatrixRunner.MatrixResult fresh = new MatrixRunner(RUNNER, 2).reuseEngines(false).run(platforms, strategies,
                scenarios, r -> { });
        MatrixRunner.MatrixResult reused = new MatrixRunner(RUNNER, 2).reuseEngines(true).run(platforms, strategies,
                scenarios, r -> { });
        assertThat(reused.results()).hasSameSizeAs(fresh.results());
        for (int i = 0; i < fresh.results().size(); i++) {
            ScenarioResult f = fresh.results().get(i);
            ScenarioResult r = reused.results().get(i);
            assertThat(r.report()).as("report of %s", f.scenario()).isEqualTo(f.report());
            assertThat(r.observation().toString()).as("observation of %s", f.scenario())
                    .isEqualTo(f.observation().toString());
        }
    }

    @Test
    void huntGeneratedMachinesObserveOnAReusedEngineExactlyWhatTheyObserveOnANewOne() {
        List<String> strategies = List.of("efi-pool", "mem-lower", "place-string-mb2");
        MachineGenerator.Settings settings = MachineGenerator.Settings.defaults().withDescriptors(4, 200);
        List<String> mismatches = new ArrayList<>();
        int compared = 0;
        int elsewhere = 0;
        try (ReusableEngine engine = new ReusableEngine()) {
            for (long seed : new long[] {0, 1, 7, 42}) {
                for (long index = 0; index < 75; index++) {
                    // strategies alternate on the one engine; every fifth machine loads the payload at another address
                    Strategy s = StrategyCatalog.builtIn(strategies.get((int) ((seed + index) % strategies.size())));
                    PlatformProfile p = MachineGenerator.generate(Hunt.machineSeed(seed, index), settings).profile();
                    ScenarioOptions options = ScenarioOptions.defaults();
                    if (index % 5 == 4) {
                        options = options.withLoadAddress(index % 10 == 4 ? 0x200000L : 0x40000000L);
                        elsewhere++;
                    }
                    Scenario scenario = new Scenario(p, s, options);
                    ScenarioResult fresh = RUNNER.run(scenario);
                    ScenarioResult reused = RUNNER.run(scenario, engine);
                    String what = s.name() + " on " + p.name() + " (seed " + seed + ", index " + index + ", "
                            + p.memoryMap().size() + " descriptors, " + options.asReportOptions() + ")";
                    if (!fresh.report().equals(reused.report())) {
                        mismatches.add(what + ": report " + fresh.report().observed() + " vs " + reused.report().observed());
                    } else if (!fresh.observation().toString().equals(reused.observation().toString())) {
                        mismatches.add(what + ":\n" + firstDifference(fresh.observation().toString(),
                                reused.observation().toString()));
                    }
                    compared++;
                }
            }
        }
        assertThat(compared).isEqualTo(300);
        assertThat(elsewhere).isEqualTo(60);
        assertThat(mismatches).isEmpty();
    }

    @Test
    void huntMachinesOnAnEngineThatKeepsRamObserveByteForByteWhatTheyObserveOnANewOne() {
        // trace, sanitizer report, stop report, console and clock of hunt machines (strategies alternating), all on
        // one engine that keeps guest RAM from machine to machine; and on one that does not, as a second reference
        List<String> strategies = List.of("efi-pool", "mem-lower", "place-string-mb2", "static-pool-64k");
        MachineGenerator.Settings settings = MachineGenerator.Settings.defaults().withDescriptors(4, 200);
        List<String> mismatches = new ArrayList<>();
        int compared = 0;
        try (ReusableEngine keeping = new ReusableEngine(true); ReusableEngine notKeeping = new ReusableEngine(false)) {
            for (long seed : new long[] {3, 11}) {
                for (long index = 0; index < 60; index++) {
                    Strategy s = StrategyCatalog.builtIn(strategies.get((int) ((seed + index) % strategies.size())));
                    PlatformProfile p = MachineGenerator.generate(Hunt.machineSeed(seed, index), settings).profile();
                    String fresh = observe(p, s, null);
                    String kept = observe(p, s, keeping);
                    String unkept = observe(p, s, notKeeping);
                    String what = s.name() + " on seed " + seed + " index " + index;
                    if (!fresh.equals(kept)) {
                        mismatches.add(what + " (RAM kept):\n" + firstDifference(fresh, kept));
                    }
                    if (!fresh.equals(unkept)) {
                        mismatches.add(what + " (RAM not kept):\n" + firstDifference(fresh, unkept));
                    }
                    compared++;
                }
            }
            assertKeptRamWasExercised(keeping);
            assertThat(notKeeping.keptRam().claimed()).isZero();
        }
        assertThat(compared).isEqualTo(120);
        assertThat(mismatches).isEmpty();
    }

    /**
     * The RAM-keeping path really ran: regions claimed as they were (after their pages were cleaned), kept regions
     * the next layout did not claim unmapped, spare host memory reused, and written pages cleared.
     */
    static void assertKeptRamWasExercised(ReusableEngine engine) {
        ReusableEngine.KeptRam k = engine.keptRam();
        assertThat(k.claimed()).as("%s", k).isPositive();
        assertThat(k.dropped()).as("%s", k).isPositive();
        assertThat(k.spareReused()).as("%s", k).isPositive();
        assertThat(k.pagesCleared()).as("%s", k).isPositive();
    }

    @Test
    void aHuntFindsAndShrinksTheSameMachineOnReusedEnginesAsOnNewOnes() {
        Hunt.Options options = Hunt.Options.defaults().withSeed(7).withScenarios(10).withShrinkBudget(60).withJobs(2);
        Hunt.Outcome fresh = new Hunt(RUNNER, StrategyCatalog.builtIn("mem-lower"), options).reuseEngines(false)
                .run(new Hunt.Listener() { });
        Hunt.Outcome reused = new Hunt(RUNNER, StrategyCatalog.builtIn("mem-lower"), options).reuseEngines(true)
                .run(new Hunt.Listener() { });
        assertThat(reused.found().orElseThrow().index()).isEqualTo(fresh.found().orElseThrow().index());
        assertThat(reused.minimal().orElseThrow().scenario().platform())
                .isEqualTo(fresh.minimal().orElseThrow().scenario().platform());
        assertThat(reused.minimal().get().report()).isEqualTo(fresh.minimal().get().report());
        assertThat(reused.shrink().orElseThrow().evaluations()).isEqualTo(fresh.shrink().orElseThrow().evaluations());
        assertThat(reused.kinds()).isEqualTo(fresh.kinds());
    }

    /** Everything a run shows, as text: result, stop report, console, JSON trace, sanitizer report, clock. */
    private static String observe(PlatformProfile platform, Strategy s, ReusableEngine engine) {
        UefiMachineBuilder b = UefiMachine.builder(Platforms.describe(platform).description())
                .payload(s.payloadBytes(), s.payloadName()).engine(engine);
        try (UefiMachine m = b.build(); MemorySanitizer sanitizer = MemorySanitizer.attach(m)) {
            return RunObservation.of(m, m.run(), sanitizer);
        } catch (IllegalArgumentException e) {
            return "not built: " + e.getMessage();
        }
    }

    private static String firstDifference(String a, String b) {
        return firstDifference(a, b, "new:   ", "reused:");
    }

    /** The first line where two dumps differ, each side labelled; or their line counts when one is a prefix. */
    static String firstDifference(String a, String b, String labelA, String labelB) {
        String[] x = a.split("\n", -1);
        String[] y = b.split("\n", -1);
        for (int i = 0; i < Math.min(x.length, y.length); i++) {
            if (!x[i].equals(y[i])) {
                return "line " + (i + 1) + "\n  " + labelA + " " + x[i] + "\n  " + labelB + " " + y[i];
            }
        }
        return "lengths " + x.length + " vs " + y.length;
    }
}
