package org.efiemu.earlyalloc.hunt;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import org.efiemu.core.engine.ReusableEngine;
import org.efiemu.core.pe.PeImage;
import org.efiemu.earlyalloc.Platforms;
import org.efiemu.earlyalloc.ScenarioRunner;
import org.efiemu.earlyalloc.Strategy;
import org.efiemu.earlyalloc.StrategyCatalog;
import org.efiemu.platform.random.MachineGenerator;
import org.efiemu.uefi.UefiMachine;
import org.efiemu.uefi.platform.PlatformDescription;

/**
 * A test-scope measuring tool (not a test): what share of a hunt scenario's thread CPU is building and closing its
 * {@code UefiMachine}, with every native part (the engine's mappings, memset of kept RAM, JNA) counted, which a Java
 * sampler does not see. On one thread with one kept engine, for the first N machines of a hunt (seed 0, 4-200
 * descriptors), rounds of: every machine as the hunt runs it ({@link Hunt#run(org.efiemu.platform.PlatformProfile,
 * ReusableEngine)}), then every machine only built and closed (the builder options the hunt's runner uses, no run).
 * Prints the thread CPU per machine of each round (docs/performance.md, "fwsnap").
 *
 * <pre>
 * javac -cp efiemu-cli.jar -d DIR early-alloc/src/test/java/org/efiemu/earlyalloc/hunt/HuntBuildCost.java
 * java -XX:TieredStopAtLevel=1 -cp DIR:efiemu-cli.jar org.efiemu.earlyalloc.hunt.HuntBuildCost STRATEGY MACHINES ROUNDS
 * </pre>
 */
public final class HuntBuildCost {
    private HuntBuildCost() {}

    public static void main(String[] args) throws java.io.IOException {
        Strategy strategy = StrategyCatalog.resolve(args[0]);
        int machines = Integer.parseInt(args[1]);
        int rounds = Integer.parseInt(args[2]);
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        ScenarioRunner runner = ScenarioRunner.standard();
        Hunt hunt = new Hunt(runner, strategy, Hunt.Options.defaults().withSeed(0)
                .withMachines(MachineGenerator.Settings.defaults().withDescriptors(4, 200)));
        List<MachineGenerator.Machine> list = new ArrayList<>();
        List<PlatformDescription> platforms = new ArrayList<>();
        for (int i = 0; i < machines; i++) {
            MachineGenerator.Machine m = hunt.machine(i);
            list.add(m);
            platforms.add(Platforms.describe(m.profile()).description());
        }
        PeImage image = strategy.peImage();
        try (ReusableEngine engine = new ReusableEngine()) {
            for (int round = 0; round < rounds; round++) {
                long t0 = mx.getCurrentThreadCpuTime();
                for (MachineGenerator.Machine m : list) {
                    hunt.run(m.profile(), engine);
                }
                long t1 = mx.getCurrentThreadCpuTime();
                int built = 0;
                for (PlatformDescription p : platforms) {
                    try (UefiMachine machine = UefiMachine.builder(p).payload(image)
                            .instructionBudget(org.efiemu.earlyalloc.ScenarioOptions.DEFAULT_BUDGET)
                            .inlineBlockCounting(false).engine(engine).build()) {
                        built++;
                    } catch (IllegalArgumentException e) {
                        // a machine whose image cannot be placed: the hunt reports it without a run as well
                    }
                }
                long t2 = mx.getCurrentThreadCpuTime();
                System.out.printf("round %d: whole scenario %.3f ms/machine, build+close only %.3f ms/machine (%d built),"
                        + " share %.1f %%%n", round, (t1 - t0) / 1e6 / machines, (t2 - t1) / 1e6 / machines, built,
                        100.0 * (t2 - t1) / (t1 - t0));
            }
        }
    }
}
