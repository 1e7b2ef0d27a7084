package org.efiemu.earlyalloc.hunt;

import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.efiemu.core.engine.ReusableEngine;
import org.efiemu.earlyalloc.Platforms;
import org.efiemu.earlyalloc.ScenarioResult;
import org.efiemu.earlyalloc.ScenarioRunner;
import org.efiemu.earlyalloc.Strategy;
import org.efiemu.earlyalloc.StrategyCatalog;
import org.efiemu.platform.ProfileWriter;
import org.efiemu.platform.random.MachineGenerator;
import org.efiemu.uefi.BootResult;
import org.efiemu.uefi.UefiMachine;
import org.efiemu.uefi.sanitizer.MemorySanitizer;

/**
 * A test-scope tool for proving a speed change left the hunt's results alone: for the first N machines of a hunt (seed
 * 0, machines of 4-200 descriptors) of each strategy given, writes the generated profile (its full text and kinds), the
 * hunt's whole {@link org.efiemu.earlyalloc.report.ScenarioReport} and {@link org.efiemu.earlyalloc.Observation} (every
 * observed call, the sanitizer's findings, maps, console) as JSON, and a second run of the same machine built directly
 * with every {@code ServiceCallEvent} of its trace (JSON lines) and the sanitizer's report. Run it with one jar and
 * another and {@code cmp} the files (docs/performance.md, "Hunt's Java per scenario, part 2"). Uses only API both an
 * older and a newer jar have, so it compiles against either:
 *
 * <pre>
 * javac -cp efiemu-cli.jar -d DIR early-alloc/src/test/java/org/efiemu/earlyalloc/hunt/HuntIdentityDump.java
 * java -cp DIR:efiemu-cli.jar org.efiemu.earlyalloc.hunt.HuntIdentityDump OUT 250 efi-pool mem-lower ...
 * </pre>
 */
public final class HuntIdentityDump {
    private HuntIdentityDump() {}

    public static void main(String[] args) throws IOException {
        if (args.length < 3) {
            System.err.println("usage: HuntIdentityDump OUT MACHINES STRATEGY...");
            System.exit(2);
        }
        Path out = Path.of(args[0]);
        int machines = Integer.parseInt(args[1]);
        List<String> strategies = List.of(args).subList(2, args.length);
        ObjectWriter json = JsonMapper.builder().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
                .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS).build().writer();
        ScenarioRunner runner = ScenarioRunner.standard();
        try (BufferedWriter w = Files.newBufferedWriter(out, StandardCharsets.UTF_8);
                ReusableEngine engine = new ReusableEngine()) {
            for (String name : strategies) {
                Strategy strategy = StrategyCatalog.resolve(name);
                Hunt.Options options = Hunt.Options.defaults().withSeed(0)
                        .withMachines(MachineGenerator.Settings.defaults().withDescriptors(4, 200));
                Hunt hunt = new Hunt(runner, strategy, options);
                for (int i = 0; i < machines; i++) {
                    MachineGenerator.Machine m = hunt.machine(i);
                    w.write("=== " + name + " machine " + i + " seed " + m.seed() + " kinds " + m.kinds() + "\n");
                    w.write(ProfileWriter.write(m.profile()));
                    ScenarioResult r = hunt.run(m.profile(), i % 2 == 0 ? engine : null);
                    w.write("--- report\n" + json.writeValueAsString(r.report()) + "\n");
                    w.write("--- observation\n" + json.writeValueAsString(r.observation()) + "\n");
                    w.write("--- breakage " + Breakage.of(r, org.efiemu.earlyalloc.report.Verdict.WARN) + "\n");
                    w.write("--- trace\n" + trace(m, strategy, json));
                }
            }
        }
    }

    /** The machine built directly as the hunt builds it, with the sanitizer: its trace and findings. */
    private static String trace(MachineGenerator.Machine m, Strategy strategy, ObjectWriter json) throws IOException {
        List<String> events = new ArrayList<>();
        try (UefiMachine machine = UefiMachine.builder(Platforms.describe(m.profile()).description())
                .payload(strategy.payloadBytes(), strategy.payloadName())
                .traceListener(e -> events.add(e.toString()))
                .build();
                MemorySanitizer sanitizer = MemorySanitizer.attach(machine)) {
            BootResult r = machine.run();
            return machine.trace().toJsonLines() + String.join("\n", events) + "\n--- sanitizer\n"
                    + json.writeValueAsString(sanitizer.report()) + "\n--- outcome " + r.outcome() + " "
                    + r.virtualNanos() + "\n";
        } catch (IllegalArgumentException e) {
            return "--- not built: " + e.getMessage() + "\n";
        }
    }
}
