package org.efiemu.earlyalloc.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.efiemu.earlyalloc.Scenario;
import org.efiemu.earlyalloc.ScenarioRunner;
import org.efiemu.earlyalloc.StrategyCatalog;
import org.efiemu.platform.ProfileRegistry;

/**
 * Command-line benchmark (prints numbers; not a test): what a scenario costs on a runner that has not run it before
 * ({@code ScenarioRunner.standard()} afresh for every timed run, in a warm JVM), i.e. including a per-instruction
 * rerun when counting by block could not be exact. Warms up with rounds of every selected scenario on one runner,
 * then times each scenario {@code runs} times; prints median and minimum in ms ({@code ScenarioResult}'s own
 * microseconds).
 *
 * <p>Run after {@code mvn -B -o -q -pl early-alloc -am package -DskipTests}:
 * {@code java -cp early-alloc/target/test-classes:early-alloc/target/efiemu-cli.jar
 * org.efiemu.earlyalloc.bench.FirstRuns ovmf-q35-2g,dell-poweredge-r820 30 40} (platforms, warm-up rounds, timed
 * runs per scenario).
 */
public final class FirstRuns {
    private FirstRuns() {}

    public static void main(String[] args) {
        if (args.length != 3) {
            System.err.println("usage: FirstRuns <platform,...> <warm-up rounds> <timed runs>");
            System.exit(2);
        }
        int warmup = Integer.parseInt(args[1]);
        int runs = Integer.parseInt(args[2]);
        List<Scenario> scenarios = new ArrayList<>();
        for (String platform : args[0].split(",")) {
            for (String strategy : StrategyCatalog.builtInNames()) {
                scenarios.add(Scenario.of(ProfileRegistry.builtIn(platform), StrategyCatalog.builtIn(strategy)));
            }
        }
        ScenarioRunner warm = ScenarioRunner.standard();
        for (int i = 0; i < warmup; i++) {
            for (Scenario s : scenarios) {
                warm.run(s);
            }
        }
        for (Scenario s : scenarios) {
            long[] us = new long[runs];
            for (int i = 0; i < runs; i++) {
                us[i] = ScenarioRunner.standard().run(s).durationMicros();
            }
            Arrays.sort(us);
            System.out.println(String.format(Locale.ROOT, "%-40s %.1f (%.1f)", s.id(), us[runs / 2] / 1e3, us[0] / 1e3));
        }
    }
}
