package org.efiemu.system.speed;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.efiemu.core.clock.InstructionCounting;
import org.efiemu.platform.ProfileRegistry;
import org.efiemu.uefi.BootResult;
import org.efiemu.uefi.UefiMachine;
import org.efiemu.uefi.UefiMachineBuilder;
import org.efiemu.uefi.platform.PlatformDescription;

/**
 * Bench (not a test): boots one EFI application (e.g. a {@code grub-mkstandalone} image that loads Xen by multiboot2
 * with a Debian kernel as module2, built by {@code scripts/bench-grub-xen.sh}) to ExitBootServices on
 * {@code ovmf-q35-2g}, alternately
 * <ul>
 *   <li>{@code blocks}: the default, instructions counted by translated block (exact);</li>
 *   <li>{@code per-instruction}: the opt-in per-instruction counter (exact);</li>
 *   <li>{@code uncounted}: no counting and no instruction budget, so no hook runs outside the firmware's trap regions:
 *       the same guest code at raw Unicorn speed (plus the firmware's own time in service calls).</li>
 * </ul>
 * For each run it prints the guest instructions, the wall time and the CPU time of the emulating thread of
 * {@code UefiMachine.run()} (the CPU time is what a loaded machine does not distort), and the rates. The
 * instructions of the uncounted run are those of the counted runs (the same code runs: the counted runs agree
 * with each other exactly; the uncounted run's virtual time differs, so a guest reading time may differ slightly).
 *
 * <pre>java -cp src/test/target/test-classes:&lt;test classpath&gt; org.efiemu.system.speed.GrubXenBench IMAGE.efi ROUNDS [MODES]</pre>
 * MODES: comma-separated, default {@code blocks,uncounted,per-instruction}.
 */
public final class GrubXenBench {
    private GrubXenBench() {}

    record Run(String mode, long instructions, long wallNanos, long cpuNanos, String outcome) {}

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: GrubXenBench IMAGE.efi ROUNDS [blocks,uncounted,per-instruction]");
            System.exit(2);
        }
        Path image = Path.of(args[0]);
        byte[] bytes = Files.readAllBytes(image);
        int rounds = Integer.parseInt(args[1]);
        List<String> modes = List.of((args.length > 2 ? args[2] : "blocks,uncounted,per-instruction").split(","));
        PlatformDescription platform = ProfileRegistry.builtIn("ovmf-q35-2g").toDescription();
        List<Run> runs = new ArrayList<>();
        long countedInstructions = -1;
        for (int round = 0; round < rounds; round++) {
            for (String mode : modes) {
                Run r = run(platform, bytes, image.getFileName().toString(), mode);
                if (!mode.equals("uncounted")) {
                    if (countedInstructions >= 0 && countedInstructions != r.instructions()) {
                        throw new IllegalStateException("counted runs disagree: " + countedInstructions + " vs " + r);
                    }
                    countedInstructions = r.instructions();
                }
                runs.add(r);
                System.out.println(line(r, r.instructions()));
            }
        }
        if (countedInstructions > 0) {
            long n = countedInstructions;
            System.out.println("uncounted runs at the counted runs' instruction count (" + n + "):");
            runs.stream().filter(r -> r.mode().equals("uncounted")).forEach(r -> System.out.println(line(r, n)));
        }
    }

    private static String line(Run r, long instructions) {
        return String.format(Locale.ROOT, "%-16s %s, %d instructions, wall %.2f s (%.1f M/s), thread CPU %.2f s "
                + "(%.1f M/s)", r.mode(), r.outcome(), instructions, r.wallNanos() / 1e9,
                instructions / (r.wallNanos() / 1e3), r.cpuNanos() / 1e9, instructions / (r.cpuNanos() / 1e3));
    }

    private static Run run(PlatformDescription platform, byte[] bytes, String name, String mode) {
        UefiMachineBuilder b = UefiMachine.builder(platform).payload(bytes, name).stopAfterExitBootServices(true)
                .wallClockLimit(Duration.ofMinutes(20));
        switch (mode) {
            case "blocks" -> b.instructionCounting(InstructionCounting.BLOCKS);
            case "per-instruction" -> b.instructionCounting(InstructionCounting.PER_INSTRUCTION);
            case "uncounted" -> b.uncounted().instructionBudget(0);
            default -> throw new IllegalArgumentException("mode '" + mode + "': expected blocks, per-instruction or uncounted");
        }
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        try (UefiMachine m = b.build()) {
            long c0 = threads.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            BootResult r = m.run();
            long wall = System.nanoTime() - t0;
            long cpu = threads.getCurrentThreadCpuTime() - c0;
            return new Run(mode, r.stopReport().instructions(), wall, cpu, r.outcome().name());
        }
    }
}
