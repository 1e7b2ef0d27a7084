package org.efiemu.earlyalloc.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.efiemu.earlyalloc.Scenario;
import org.efiemu.earlyalloc.ScenarioRunner;
import org.efiemu.earlyalloc.Strategy;
import org.efiemu.platform.PlatformProfile;
import org.efiemu.platform.ProfileRegistry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code efiemu bench}: wall-clock time of scenarios, warm (after warm-up rounds over all of them in the same JVM), one
 * thread. Prints
 * median and minimum per scenario; numbers go to docs/performance.md with the command that produced them.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        subcommands = {HuntBenchCommand.class, RawBenchCommand.class}, description = "Time scenarios warm (median/min of N runs, one thread).")
public final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--platform", paramLabel = "P", description = "platform (repeatable; default ovmf-q35-2g)")
    List<String> platforms = new ArrayList<>(List.of("ovmf-q35-2g"));

    @Option(names = "--strategy", paramLabel = "S", description = "strategy (repeatable; default all built-in)")
    List<String> strategies = new ArrayList<>();

    @Option(names = "--warmup", defaultValue = "30", description = "warm-up rounds over all selected scenarios before timing (default: ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--runs", defaultValue = "50", description = "timed runs per scenario (default: ${DEFAULT-VALUE})")
    int runs;

    @Option(names = "--no-sanitizer", description = "run without the memory-ownership sanitizer (to measure its cost)")
    boolean noSanitizer;

    @Override
    public Integer call() throws Exception {
        if (runs < 1 || warmup < 0) {
            throw new IllegalArgumentException("--runs must be >= 1 and --warmup >= 0");
        }
        PrintWriter out = spec.commandLine().getOut();
        List<PlatformProfile> ps = Selection.platforms(platforms, ProfileRegistry.standard());
        List<Strategy> ss = Selection.strategies(strategies);
        ScenarioRunner runner = new ScenarioRunner(org.efiemu.earlyalloc.ExpectedVerdicts.builtIn(),
                org.efiemu.earlyalloc.CostMeter.builtIn(), java.time.Duration.ofSeconds(60), !noSanitizer);
        List<Scenario> scenarios = new ArrayList<>();
        for (Strategy s : ss) {
            for (PlatformProfile p : ps) {
                scenarios.add(Scenario.of(p, s));
            }
        }
        // Warm-up rounds go over every selected scenario, as a JVM that has run a matrix or a test suite is warm for
        // all of them, not only for the one being timed.
        for (int i = 0; i < warmup; i++) {
            for (Scenario sc : scenarios) {
                runner.run(sc);
            }
        }
        out.printf("%-44s %10s %10s  verdict%n", "scenario", "median ms", "min ms");
        for (Scenario sc : scenarios) {
            long[] ns = new long[runs];
            String verdict = "";
            for (int i = 0; i < runs; i++) {
                long t0 = System.nanoTime();
                verdict = runner.run(sc).report().observed().name();
                ns[i] = System.nanoTime() - t0;
            }
            Arrays.sort(ns);
            out.printf(Locale.ROOT, "%-44s %10.3f %10.3f  %s%n", sc.id(), ns[runs / 2] / 1e6, ns[0] / 1e6, verdict);
            out.flush();
        }
        return 0;
    }
}
