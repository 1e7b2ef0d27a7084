package org.efiemu.earlyalloc.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.efiemu.earlyalloc.speed.GuestStretch;
import org.efiemu.earlyalloc.speed.RawComparison;
import org.efiemu.earlyalloc.speed.RawComparison.Variant;
import org.efiemu.platform.PlatformProfile;
import org.efiemu.uefi.UefiMachine;
import org.efiemu.uefi.UefiMachineBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code efiemu bench raw}: a real loader's guest code on efiemu against raw Unicorn on the same code, side by side in
 * one process ({@link RawComparison}): the longest stretches between two firmware calls, each run by efiemu as it
 * runs it and replayed from the same registers and RAM on a new raw Unicorn engine with one {@code uc_emu_start}, both
 * checked to end in the same state; instructions per CPU second of each and their ratio, per stretch, plus the whole
 * run's rate on efiemu. Numbers go to docs/performance.md with the command that produced them.
 */
@Command(name = "raw", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Guest code of a real loader on efiemu vs raw Unicorn on the same stretches (instructions per CPU second, same end state checked).")
public final class RawBenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    GuestOptions guest;

    @Mixin
    PresentationOptions present;

    @Option(names = "--until", paramLabel = "EVENT", description = "stop the loader's runs at this event: exit-boot-services")
    String until;

    @Option(names = "--stretches", paramLabel = "N", defaultValue = "4", description = "how many of the longest stretches between firmware calls to compare (default: ${DEFAULT-VALUE})")
    int stretches;

    @Option(names = "--rounds", paramLabel = "N", defaultValue = "3", description = "efiemu runs after the record run, each followed by the raw replays of its stretches (default: ${DEFAULT-VALUE})")
    int rounds;

    @Option(names = "--min-instructions", paramLabel = "N", defaultValue = "100000", description = "shortest stretch considered (default: ${DEFAULT-VALUE})")
    long minInstructions;

    @Option(names = "--raw", paramLabel = "V", split = ",", description = "raw variants: raw (Unicorn as shipped), raw-fast-stores (with efiemu's store fast path), raw-fast-stores-warm (the same, its translation cache warmed by one untimed run of the stretch), raw-fast-stores-tsc (raw-fast-stores plus C hooks on each RDTSC/RDTSCP site and on IN handing out the values efiemu's guest read: the only variant run on stretches that read the TSC) (default: raw,raw-fast-stores,raw-fast-stores-warm)")
    List<String> raw = new ArrayList<>(List.of("raw", "raw-fast-stores", "raw-fast-stores-warm"));

    @Option(names = "--with-clock-reads", description = "also choose stretches in which the guest read RDTSC or took "
            + "an interrupt (a raw engine has no virtual clock: such replays usually end in another state)")
    boolean withClockReads;

    @Option(names = "--tsc-reads", description = "choose only stretches in which the guest read RDTSC/RDTSCP and took "
            + "no interrupt (compared with raw-fast-stores-tsc, added to --raw when missing)")
    boolean tscReads;

    @Option(names = "--esp-writable", description = "the --esp folder is writable")
    boolean espWritable;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (until != null && !until.equals("exit-boot-services")) {
            throw new IllegalArgumentException("--until '" + until + "': expected exit-boot-services");
        }
        if (present.screenshotDir != null) {
            throw new IllegalArgumentException("--screenshot " + present.screenshotDir + ": bench raw saves no "
                    + "screenshots (efiemu run --screenshot does)");
        }
        if (stretches < 1 || rounds < 1 || minInstructions < 1) {
            throw new IllegalArgumentException(String.format("--stretches %d, --rounds %d, --min-instructions %d: each "
                    + "must be 1 or more", stretches, rounds, minInstructions));
        }
        List<Variant> variants = new ArrayList<>();
        for (String v : raw) {
            variants.add(switch (v.trim()) {
                case "raw" -> Variant.RAW;
                case "raw-fast-stores" -> Variant.RAW_FAST_STORES;
                case "raw-fast-stores-warm" -> Variant.RAW_FAST_STORES_WARM;
                case "raw-fast-stores-tsc" -> Variant.RAW_FAST_STORES_TSC;
                default -> throw new IllegalArgumentException("--raw '" + v + "': expected raw, raw-fast-stores, "
                        + "raw-fast-stores-warm or raw-fast-stores-tsc");
            });
        }
        if (tscReads && withClockReads) {
            throw new IllegalArgumentException("--tsc-reads and --with-clock-reads: choose one");
        }
        if (tscReads && !variants.contains(Variant.RAW_FAST_STORES_TSC)) variants.add(Variant.RAW_FAST_STORES_TSC);
        guest.validate();
        guest.checkLoadOptions();
        PlatformProfile profile = guest.profile();
        org.efiemu.earlyalloc.Platforms.Described described = org.efiemu.earlyalloc.Platforms.describe(profile);
        UefiMachineBuilder b = UefiMachine.builder(described.description())
                .instructionBudget(guest.budget)
                .wallClockLimit(guest.timeLimit(Duration.ofMinutes(60)))
                .instructionCounting(guest.instructionCounting())
                .stopAfterExitBootServices(until != null);
        guest.loadAddress().ifPresent(b::loadAddress);
        guest.applyPayloadAndDisks(b);
        Path esp = guest.espFolder();
        if (esp != null) b.esp(esp, espWritable);
        if (guest.loadOptions != null) b.loadOptions(guest.loadOptions);
        present.apply(b);
        // a replay that takes another way (a clock read not replayed) may spin: 60 s for those stretches
        RawComparison.Options o = new RawComparison.Options(stretches, rounds, minInstructions, variants,
                tscReads ? 60_000_000L : 600_000_000L,
                tscReads ? RawComparison.Choice.TSC_READS
                        : withClockReads ? RawComparison.Choice.ALL : RawComparison.Choice.CLOCK_FREE);
        out.printf("load     %s on %d CPUs (start)%n", loadAverage(), Runtime.getRuntime().availableProcessors());
        out.flush();
        long processCpu0 = processCpu();
        long wall0 = System.nanoTime();
        RawComparison.Report r = new RawComparison(b::build, o, line -> {
            out.println("progress " + line);
            out.flush();
        }).measure();
        print(out, r, variants);
        out.printf(Locale.ROOT, "process  %.2f s wall, %.2f s CPU (all threads, JVM included)%n",
                (System.nanoTime() - wall0) / 1e9, (processCpu() - processCpu0) / 1e9);
        out.printf("load     %s (end)%n", loadAverage());
        boolean allMatched = r.stretches().stream().allMatch(s -> s.mismatches().isEmpty());
        return allMatched ? 0 : 1;
    }

    static void print(PrintWriter out, RawComparison.Report r, List<Variant> variants) {
        out.printf(Locale.ROOT, "run      %s, %,d guest instructions, thread CPU %.3f s (%.1f M instructions/s), wall "
                + "%.3f s (%.1f M/s)%n", r.outcome(), r.instructions(), r.cpuNanos() / 1e9,
                r.instructions() / (r.cpuNanos() / 1e3), r.wallNanos() / 1e9, r.instructions() / (r.wallNanos() / 1e3));
        out.printf(Locale.ROOT, "stretches %d between firmware calls, %,d instructions (%.1f %% of the run)%n",
                r.stretchCount(), r.stretchInstructions(), 100.0 * r.stretchInstructions() / Math.max(1, r.instructions()));
        if (r.excludedForClock() > 0) {
            out.printf(Locale.ROOT, "excluded %d stretches (%,d instructions) that %s%n", r.excludedForClock(),
                    r.excludedInstructions(), r.choice() == RawComparison.Choice.TSC_READS
                            ? "read no RDTSC or took an interrupt (--tsc-reads)"
                            : "read RDTSC or took an interrupt (--with-clock-reads to include them, --tsc-reads for "
                                    + "those that read RDTSC only)");
        }
        for (RawComparison.StretchResult s : r.stretches()) {
            GuestStretch g = s.stretch();
            out.printf(Locale.ROOT, "stretch  after call %d (%s) to call %d (%s), RIP 0x%X -> 0x%X: %,d instructions; in "
                    + "it efiemu took %d interrupts, mapped %d KiB on first touch, checked %d new blocks for RDTSC discovery, read RDTSC %d times; "
                    + "end state compared over %,d KiB of RAM%n", g.startSequence(), g.after(), g.startSequence() + 1,
                    g.before(), g.begin(), g.end(), g.instructions(), g.interrupts(), g.mappedBytes() / 1024,
                    g.discoveryStops(), g.rdtscReads(), s.ramBytesCompared() / 1024);
            long e = s.efiemuMedianCpu();
            out.printf(Locale.ROOT, "  %-22s CPU median %9.3f ms (%7.1f M/s) wall median %9.3f ms, %d runs: %s%n", "efiemu",
                    e / 1e6, rate(g.instructions(), e), s.efiemuMedianWall() / 1e6, s.efiemu().size(),
                    cpuList(s.efiemu().stream().mapToLong(GuestStretch::cpuNanos).toArray()));
            for (Variant v : variants) {
                long c = s.rawMedianCpu(v);
                List<RawComparison.Timing> ts = s.raw().get(v);
                if (c < 0 && g.rdtscReads() > 0 && !v.replaysTsc() && r.choice() == RawComparison.Choice.TSC_READS) {
                    out.printf("  %-22s not run: the stretch reads the TSC (raw-fast-stores-tsc replays it)%n",
                            v.title());
                    continue;
                }
                if (c < 0) {
                    out.printf("  %-22s no replay ended in efiemu's state%n", v.title());
                    continue;
                }
                out.printf(Locale.ROOT, "  %-22s CPU median %9.3f ms (%7.1f M/s) wall median %9.3f ms, %d runs: %s; "
                        + "efiemu/raw = %.1f %%%n", v.title(), c / 1e6, rate(g.instructions(), c),
                        s.rawMedianWall(v) / 1e6, ts.size(),
                        cpuList(ts.stream().mapToLong(RawComparison.Timing::cpuNanos).toArray()), 100.0 * c / e);
            }
            s.mismatches().forEach(m -> out.println("  MISMATCH " + m));
        }
        out.flush();
    }

    private static double rate(long instructions, long nanos) {
        return nanos <= 0 ? 0 : instructions / (nanos / 1e3);
    }

    private static String cpuList(long[] nanos) {
        StringBuilder sb = new StringBuilder();
        for (long n : nanos) sb.append(sb.length() == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.1f", n / 1e6));
        return sb.append(" ms").toString();
    }

    private static long processCpu() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return 0;
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return "load average " + f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return String.format(Locale.ROOT, "load average %.2f", ManagementFactory.getOperatingSystemMXBean()
                    .getSystemLoadAverage());
        }
    }
}
