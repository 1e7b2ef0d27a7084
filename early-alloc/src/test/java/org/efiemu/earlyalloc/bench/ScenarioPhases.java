package org.efiemu.earlyalloc.bench;

import java.time.Duration;
import org.efiemu.core.clock.InstructionCounting;
import java.util.Arrays;
import java.util.Locale;
import org.efiemu.earlyalloc.Platforms;
import org.efiemu.earlyalloc.Scenario;
import org.efiemu.earlyalloc.Strategy;
import org.efiemu.earlyalloc.StrategyCatalog;
import org.efiemu.platform.PlatformProfile;
import org.efiemu.platform.ProfileRegistry;
import org.efiemu.uefi.UefiMachine;
import org.efiemu.uefi.UefiMachineBuilder;
import org.efiemu.uefi.platform.PlatformDescription;
import org.efiemu.uefi.sanitizer.MemorySanitizer;

/**
 * Command-line benchmark (prints numbers; not a test): where one warm scenario's time goes, phase by phase, the way
 * {@code ScenarioRunner} drives it: build the machine, attach the memory sanitizer, run (and take the sanitizer's
 * report), close (the machine, then the sanitizer). Judging is left out. Prints median and minimum per phase in ms.
 * Instructions are counted by block, as {@code ScenarioRunner} does first; {@code -Defiemu.clock.blocks=false} times
 * the per-instruction counter instead. A run that counting by block cannot make exact is timed as it is (the runner
 * would run such a scenario again per instruction).
 *
 * <p>Run after {@code mvn -B -o -q -pl early-alloc -am package -DskipTests}:
 * {@code java -cp early-alloc/target/test-classes:early-alloc/target/efiemu-cli.jar
 * org.efiemu.earlyalloc.bench.ScenarioPhases ovmf-q35-2g,dell-poweredge-r820 place-string,efi-pool 150 60}
 * (platforms, strategies, warm-up runs, timed runs).
 */
public final class ScenarioPhases {
    private static final String[] PHASES = {"build", "attach", "run", "close"};

    private ScenarioPhases() {}

    public static void main(String[] args) {
        if (args.length != 4) {
            System.err.println("usage: ScenarioPhases <platform,...> <strategy,...> <warm-up runs> <timed runs>");
            System.exit(2);
        }
        int warmup = Integer.parseInt(args[2]);
        int runs = Integer.parseInt(args[3]);
        for (String strategyName : args[1].split(",")) {
            for (String platformName : args[0].split(",")) {
                Strategy strategy = StrategyCatalog.builtIn(strategyName);
                PlatformProfile profile = ProfileRegistry.builtIn(platformName);
                Scenario scenario = Scenario.of(profile, strategy);
                PlatformDescription platform = Platforms.describe(profile).description();
                long[][] ns = new long[PHASES.length][runs];
                for (int i = 0; i < warmup + runs; i++) {
                    long[] t = once(scenario, platform);
                    if (i >= warmup) {
                        for (int p = 0; p < PHASES.length; p++) {
                            ns[p][i - warmup] = t[p + 1] - t[p];
                        }
                    }
                }
                StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-40s", scenario.id()));
                for (int p = 0; p < PHASES.length; p++) {
                    Arrays.sort(ns[p]);
                    line.append(String.format(Locale.ROOT, "  %s %.3f (%.3f)", PHASES[p], ns[p][runs / 2] / 1e6, ns[p][0] / 1e6));
                }
                System.out.println(line);
            }
        }
    }

    /** One scenario; returns the five {@link System#nanoTime()} stamps around the four phases. */
    private static long[] once(Scenario scenario, PlatformDescription platform) {
        long[] t = new long[PHASES.length + 1];
        t[0] = System.nanoTime();
        UefiMachineBuilder b = UefiMachine.builder(platform)
                .payload(scenario.strategy().payloadBytes(), scenario.strategy().payloadName())
                .instructionBudget(scenario.options().instructionBudget())
                .wallClockLimit(Duration.ofSeconds(60))
                .instructionCounting(InstructionCounting.BLOCKS);
        scenario.loadAddress().ifPresent(b::loadAddress);
        UefiMachine machine = b.build();
        t[1] = System.nanoTime();
        MemorySanitizer sanitizer = MemorySanitizer.attach(machine);
        t[2] = System.nanoTime();
        machine.run();
        sanitizer.report();
        t[3] = System.nanoTime();
        machine.close();
        sanitizer.close();
        t[4] = System.nanoTime();
        return t;
    }
}
