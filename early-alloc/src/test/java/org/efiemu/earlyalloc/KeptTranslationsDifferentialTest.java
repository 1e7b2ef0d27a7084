package org.efiemu.earlyalloc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.efiemu.core.clock.InstructionCounting;
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
 * A reused engine that keeps translated code from one machine to the next (the scenario runner's engines, {@code
 * bench hunt --engines reused}, the matrix) must give every machine exactly what a new engine gives: the JSON trace
 * byte for byte (virtual times included), console, stop report, sanitizer findings and their JSON, clock (instructions,
 * cycles, exact positions), the scenario's verdict, report and observation. Compared over hunt-generated machines of
 * the seed's three strategies (runs of one strategy, then strategies alternating, payloads elsewhere, budgets that
 * stop mid-run) and over the built-in matrix; each test also asserts that kept code was really run.
 */
class KeptTranslationsDifferentialTest {
    private static final ScenarioRunner RUNNER = ScenarioRunner.standard();
    private static final List<String> STRATEGIES = List.of("efi-pool", "mem-lower", "place-string-mb2");

    @Test
    void huntMachinesOnAnEngineThatKeepsTranslationsObserveByteForByteWhatTheyObserveOnANewOne() {
        MachineGenerator.Settings settings = MachineGenerator.Settings.defaults().withDescriptors(4, 200);
        List<String> mismatches = new ArrayList<>();
        int compared = 0;
        int budgets = 0;
        try (ReusableEngine keeping = new ReusableEngine(true, true)) {
            for (int round = 0; round < 4; round++) {
                for (long index = 0; index < 80; index++) {
                    // rounds 0-2: 80 machines of one strategy in a row; round 3: the strategies alternate
                    String name = round < 3 ? STRATEGIES.get(round) : STRATEGIES.get((int) (index % 3));
                    long seed = round < 3 ? 3 + round : 42;
                    Strategy s = StrategyCatalog.builtIn(name);
                    PlatformProfile p = MachineGenerator.generate(Hunt.machineSeed(seed, index), settings).profile();
                    long budget = 0;
                    OptionalLong loadAt = OptionalLong.empty();
                    if (index % 8 == 5) {
                        budget = 2_000 + 977 * index; // stops mid-run, often inside a block
                        budgets++;
                    } else if (index % 8 == 7) {
                        loadAt = OptionalLong.of(index % 16 == 7 ? 0x200000L : 0x40000000L);
                    }
                    String fresh = observe(p, s, null, budget, loadAt);
                    String kept = observe(p, s, keeping, budget, loadAt);
                    if (!fresh.equals(kept)) {
                        mismatches.add(name + " seed " + seed + " index " + index + " budget " + budget + ":\n"
                                + EngineReuseDifferentialTest.firstDifference(fresh, kept, "new: ", "kept:"));
                    }
                    compared++;
                }
            }
            assertKeptCodeWasRun(keeping);
            assertThat(keeping.keptTranslations().pagesRewritten()).as("%s", keeping.keptTranslations()).isPositive();
            assertThat(keeping.keptTranslations().pagesDropped()).as("%s", keeping.keptTranslations()).isPositive();
        }
        assertThat(compared).isEqualTo(320);
        assertThat(budgets).isEqualTo(40);
        assertThat(mismatches).isEmpty();
    }

    @Test
    void memLowerHuntMachinesWithTheSanitizersWriteHookFromTheStartRunKeptCodeTranslatedUnderItAndObserveTheSame() {
        // only where the sanitizer watches pages with write hooks (-Defiemu.watch=hook); its default adds none
        withWatch("hook", KeptTranslationsDifferentialTest::memLowerHuntMachinesWithTheWriteHookFromTheStart);
    }

    /** Runs {@code body} with {@code -Defiemu.watch=way} ({@link MemorySanitizer#WATCH_PROPERTY}), then as before. */
    static void withWatch(String way, Runnable body) {
        String was = System.getProperty(org.efiemu.uefi.sanitizer.MemorySanitizer.WATCH_PROPERTY);
        System.setProperty(org.efiemu.uefi.sanitizer.MemorySanitizer.WATCH_PROPERTY, way);
        try {
            body.run();
        } finally {
            if (was == null) {
                System.clearProperty(org.efiemu.uefi.sanitizer.MemorySanitizer.WATCH_PROPERTY);
            } else {
                System.setProperty(org.efiemu.uefi.sanitizer.MemorySanitizer.WATCH_PROPERTY, was);
            }
        }
    }

    private static void memLowerHuntMachinesWithTheWriteHookFromTheStart() {
        // every machine has a write hook before its first run: its code is all translated with one, and a keeping
        // engine runs it in the next machine (the same memory-hook kinds) instead of translating it again
        MachineGenerator.Settings settings = MachineGenerator.Settings.defaults().withDescriptors(4, 200);
        Strategy s = StrategyCatalog.builtIn("mem-lower");
        List<String> mismatches = new ArrayList<>();
        int budgets = 0;
        try (ReusableEngine keeping = new ReusableEngine(true, true)) {
            for (long index = 0; index < 240; index++) {
                PlatformProfile p = MachineGenerator.generate(Hunt.machineSeed(7, index), settings).profile();
                long budget = 0;
                if (index % 6 == 5) {
                    budget = 1_500 + 1_213 * index; // stops mid-run, often inside a block
                    budgets++;
                }
                String fresh = observe(p, s, null, budget, OptionalLong.empty(), true);
                String kept = observe(p, s, keeping, budget, OptionalLong.empty(), true);
                if (!fresh.equals(kept)) {
                    mismatches.add("index " + index + " budget " + budget + ":\n"
                            + EngineReuseDifferentialTest.firstDifference(fresh, kept, "new: ", "kept:"));
                }
            }
            ReusableEngine.KeptCode k = keeping.keptTranslations();
            assertKeptCodeWasRun(keeping);
            assertThat(k.machinesWithHookedCode()).as("machines that ran code kept from under the hook: %s", k)
                    .isGreaterThan(200);
            assertThat(k.hookedBlocksKept()).as("%s", k).isPositive();
        }
        assertThat(budgets).isEqualTo(40);
        assertThat(mismatches).isEmpty();
    }

    @Test
    void scenarioReportsOfHuntMachinesAreTheSameWithKeptTranslationsAsOnNewEngines() {
        MachineGenerator.Settings settings = MachineGenerator.Settings.defaults().withDescriptors(4, 200);
        List<String> mismatches = new ArrayList<>();
        try (ReusableEngine keeping = new ReusableEngine(true, true)) {
            for (String name : STRATEGIES) {
                for (long index = 0; index < 40; index++) {
                    Strategy s = StrategyCatalog.builtIn(name);
                    PlatformProfile p = MachineGenerator.generate(Hunt.machineSeed(11, index), settings).profile();
                    ScenarioOptions o = index % 10 == 9 ? new ScenarioOptions(OptionalLong.empty(), 0, 5_000 + 313 * index)
                            : ScenarioOptions.defaults();
                    Scenario scenario = new Scenario(p, s, o);
                    ScenarioResult fresh = RUNNER.run(scenario);
                    ScenarioResult kept = RUNNER.run(scenario, keeping);
                    if (!fresh.report().equals(kept.report())
                            || !fresh.observation().toString().equals(kept.observation().toString())) {
                        mismatches.add(name + " index " + index + ":\n" + EngineReuseDifferentialTest.firstDifference(
                                fresh.observation().toString(), kept.observation().toString(), "new: ", "kept:"));
                    }
                }
            }
            assertKeptCodeWasRun(keeping);
        }
        assertThat(mismatches).isEmpty();
    }

    @Test
    void huntMachinesObserveTheSameWhenTheRunnerStartsAStrategysMachinesWithTheWriteHookAsOnNewEnginesWithout() {
        // strategies alternate on one keeping engine; the runner chooses the sanitizer's early write hook per strategy
        // from what its machines on that engine did (WriteHookChoice); a new engine never has it. Only where the
        // sanitizer watches pages with write hooks (-Defiemu.watch=hook): its default takes their stores in the fault
        withWatch("hook", () -> huntMachinesAlternatingOnOneKeepingEngine(true));
    }

    @Test
    void huntMachinesWhoseWatchedStoresAreTakenInTheFaultKeepCodeWithoutAnyWriteHookAndObserveAsOnNewEngines() {
        huntMachinesAlternatingOnOneKeepingEngine(false);
    }

    private static void huntMachinesAlternatingOnOneKeepingEngine(boolean writeHooks) {
        MachineGenerator.Settings settings = MachineGenerator.Settings.defaults().withDescriptors(4, 200);
        ScenarioRunner runner = ScenarioRunner.standard();
        List<String> mismatches = new ArrayList<>();
        java.util.Map<String, Integer> early = new java.util.TreeMap<>();
        try (ReusableEngine keeping = new ReusableEngine(true, true)) {
            for (long index = 0; index < 240; index++) {
                String name = index % 4 == 3 ? "efi-pool" : "mem-lower";
                Strategy s = StrategyCatalog.builtIn(name);
                PlatformProfile p = MachineGenerator.generate(Hunt.machineSeed(5, index), settings).profile();
                ScenarioOptions o = index % 10 == 9 ? new ScenarioOptions(OptionalLong.empty(), 0, 5_000 + 313 * index)
                        : ScenarioOptions.defaults();
                Scenario scenario = new Scenario(p, s, o);
                ScenarioResult fresh = RUNNER.run(scenario);
                long before = runner.machinesWithEarlyWriteHook();
                ScenarioResult kept = runner.run(scenario, keeping);
                early.merge(name, (int) (runner.machinesWithEarlyWriteHook() - before), Integer::sum);
                if (!fresh.report().equals(kept.report())
                        || !fresh.observation().toString().equals(kept.observation().toString())) {
                    mismatches.add(name + " index " + index + ":\n" + EngineReuseDifferentialTest.firstDifference(
                            fresh.observation().toString(), kept.observation().toString(), "new: ", "kept:"));
                }
            }
            assertKeptCodeWasRun(keeping);
            if (writeHooks) {
                assertThat(keeping.keptTranslations().machinesWithHookedCode()).as("%s", keeping.keptTranslations())
                        .isGreaterThan(100);
            } else {
                assertThat(keeping.keptTranslations().machinesWithHookedCode()).as("%s", keeping.keptTranslations())
                        .isZero();
            }
        }
        if (writeHooks) {
            assertThat(early.get("mem-lower")).as("mem-lower machines started with the write hook").isGreaterThan(150);
            assertThat(early.get("efi-pool")).as("efi-pool machines started with the write hook").isLessThan(10);
        } else {
            assertThat(early.values()).as("no machine has a write hook").containsOnly(0);
        }
        assertThat(mismatches).isEmpty();
    }

    @Test
    void everyBuiltInScenarioObservesWithKeptTranslationsExactlyWhatItObservesOnANewEngine() {
        List<String> mismatches = new ArrayList<>();
        int compared = 0;
        try (ReusableEngine keeping = new ReusableEngine(true, true)) {
            for (String strategy : StrategyCatalog.builtInNames()) { // one strategy on every platform in a row
                for (String platform : ProfileRegistry.builtInNames()) {
                    Strategy s = StrategyCatalog.builtIn(strategy);
                    PlatformProfile p = ProfileRegistry.builtIn(platform);
                    String fresh = observe(p, s, null, 0, OptionalLong.empty());
                    String kept = observe(p, s, keeping, 0, OptionalLong.empty());
                    Scenario scenario = new Scenario(p, s, ScenarioOptions.defaults());
                    ScenarioResult f = RUNNER.run(scenario);
                    ScenarioResult k = RUNNER.run(scenario, keeping);
                    if (!fresh.equals(kept)) {
                        mismatches.add(strategy + " on " + platform + ":\n"
                                + EngineReuseDifferentialTest.firstDifference(fresh, kept, "new: ", "kept:"));
                    } else if (!f.report().equals(k.report())
                            || !f.observation().toString().equals(k.observation().toString())) {
                        mismatches.add(strategy + " on " + platform + ": report or observation differ");
                    }
                    compared++;
                }
            }
            assertKeptCodeWasRun(keeping);
        }
        assertThat(compared).isGreaterThan(40);
        assertThat(mismatches).isEmpty();
    }

    @Test
    void theSwitchTurnsKeepingOffAndTheMachinesObserveTheSame() {
        MachineGenerator.Settings settings = MachineGenerator.Settings.defaults().withDescriptors(4, 60);
        try (ReusableEngine off = new ReusableEngine(true, false)) {
            for (long index = 0; index < 6; index++) {
                PlatformProfile p = MachineGenerator.generate(Hunt.machineSeed(5, index), settings).profile();
                Strategy s = StrategyCatalog.builtIn("efi-pool");
                assertThat(observe(p, s, off, 0, OptionalLong.empty()))
                        .isEqualTo(observe(p, s, null, 0, OptionalLong.empty()));
            }
            assertThat(off.keepsTranslations()).isFalse();
            assertThat(off.keptTranslations().machinesKept()).isZero();
            assertThat(off.keptTranslations().machinesWithKeptCode()).isZero();
        }
    }

    /** Kept code was there at machines' first runs and was kept at give-backs. */
    static void assertKeptCodeWasRun(ReusableEngine engine) {
        ReusableEngine.KeptCode k = engine.keptTranslations();
        assertThat(k.machinesKept()).as("%s", k).isPositive();
        assertThat(k.machinesWithKeptCode()).as("%s", k).isPositive();
        assertThat(k.pagesKept()).as("%s", k).isPositive();
    }

    /**
     * Everything a scenario's run shows, as text, built as the scenario runner builds it (counting by block with the
     * call, the sanitizer attached): result, stop report, console, JSON trace, sanitizer report, clock.
     */
    static String observe(PlatformProfile platform, Strategy s, ReusableEngine engine, long budget, OptionalLong loadAt) {
        return observe(platform, s, engine, budget, loadAt, false);
    }

    /** {@link #observe} with the sanitizer's write hook added before the first run when {@code writeHookFromTheStart}. */
    static String observe(PlatformProfile platform, Strategy s, ReusableEngine engine, long budget, OptionalLong loadAt,
            boolean writeHookFromTheStart) {
        UefiMachineBuilder b = UefiMachine.builder(Platforms.describe(platform).description())
                .payload(s.payloadBytes(), s.payloadName())
                .instructionCounting(InstructionCounting.BLOCKS)
                .inlineBlockCounting(false)
                .engine(engine);
        if (budget > 0) {
            b.instructionBudget(budget);
        }
        loadAt.ifPresent(b::loadAddress);
        try (UefiMachine m = b.build();
                MemorySanitizer sanitizer = MemorySanitizer.attach(m, f -> { }, writeHookFromTheStart)) {
            return RunObservation.of(m, m.run(), sanitizer);
        } catch (IllegalArgumentException e) {
            return "not built: " + e.getMessage();
        }
    }
}
