package org.efiemu.earlyalloc.speed;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.efiemu.core.engine.UcError;
import org.efiemu.core.machine.Machine;
import org.efiemu.uefi.BootResult;
import org.efiemu.uefi.UefiMachine;

/**
 * Guest code of a real loader on efiemu against raw Unicorn on the same code, side by side in one process (issue 16
 * item 1's goal: efiemu at ≥ 50 % of raw Unicorn's instructions per second).
 *
 * <ol>
 *   <li>Record run: the loader runs on efiemu as built by the caller (counting by block, store fast path, timer tick:
 *       whatever the builder says, by default efiemu's defaults); a {@link StretchRecorder} cuts it into stretches
 *       between consecutive firmware calls. The {@code stretches} longest are chosen (by default only among those
 *       that read no clock: no interrupt, no RDTSC). The whole run's instructions,
 *       CPU and wall time are kept for context.</li>
 *   <li>Rounds: the same loader runs again on a new efiemu machine (runs are deterministic: the chosen stretches come
 *       back at the same call numbers with the same instruction counts, checked). At each chosen stretch's start the
 *       machine (all mapped RAM and the CPU context) is copied into a new raw engine per variant ({@link RawReplay});
 *       efiemu runs the stretch as it always does, timed; at its end efiemu's state is read ({@link EndState}), then
 *       each raw engine runs the stretch with one {@code uc_emu_start(begin, end)}, timed, its state is read over
 *       the same RAM and compared, and it is closed. The raw variants' order alternates from round to round.</li>
 * </ol>
 * Raw engines are built and run on one helper thread while efiemu's thread waits in the gate listener (no engine is
 * started inside another's hook on the same thread); both sides' times are the CPU time of the thread that ran the
 * guest (and wall time). A raw replay that ends elsewhere or in another state is reported as a mismatch, not timed.
 */
public final class RawComparison {
    /** Raw engine variants. */
    public enum Variant {
        /** Unicorn as the library ships: {@code Engine.open(false)}. */
        RAW("raw Unicorn", false),
        /** Raw, with efiemu's store fast path attached (what efiemu's own engines have). */
        RAW_FAST_STORES("raw + store fast path", true),
        /**
         * Raw with the store fast path, run once untimed before the timed run ({@link RawReplay#warmUp}): the stretch's
         * code is translated already, as in efiemu when earlier stretches ran it.
         */
        RAW_FAST_STORES_WARM("raw + fast path, warm", true, true),
        /**
         * Raw with the store fast path, plus the cheapest TSC virtualisation raw Unicorn 2.0.1 allows
         * ({@link org.efiemu.core.clock.TscReplay}): a one-address C code hook on each RDTSC/RDTSCP site efiemu hooked,
         * handing out the values efiemu's guest read in the stretch, in order (no time computed). The only variant
         * that runs stretches in which the guest read the TSC; on the others it is raw + store fast path.
         */
        RAW_FAST_STORES_TSC("raw + fast path + TSC", true, false, true);

        private final String title;
        private final boolean fastStores;
        private final boolean warm;
        private final boolean tsc;

        Variant(String title, boolean fastStores) {
            this(title, fastStores, false);
        }

        Variant(String title, boolean fastStores, boolean warm) {
            this(title, fastStores, warm, false);
        }

        Variant(String title, boolean fastStores, boolean warm, boolean tsc) {
            this.title = title;
            this.fastStores = fastStores;
            this.warm = warm;
            this.tsc = tsc;
        }

        /** True for the variant that replays the TSC values efiemu's guest read. */
        public boolean replaysTsc() {
            return tsc;
        }

        public String title() {
            return title;
        }
    }

    /**
     * @param stretches how many of the longest stretches to compare
     * @param rounds efiemu runs after the record run (each compares every chosen stretch once per variant)
     * @param minInstructions stretches shorter than this are not considered
     * @param variants raw variants to run
     * @param rawTimeoutMicros wall-clock limit of one raw replay (0: none)
     * @param clockFreeOnly choose only stretches in which efiemu delivered no interrupt and the guest read no
     *     RDTSC/RDTSCP ({@link GuestStretch#clockFree()}): a raw engine has no virtual clock, so such code may go
     *     another way there
     */
    public record Options(int stretches, int rounds, long minInstructions, List<Variant> variants,
            long rawTimeoutMicros, Choice choice) {
        public Options(int stretches, int rounds, long minInstructions, List<Variant> variants, long rawTimeoutMicros,
                boolean clockFreeOnly) {
            this(stretches, rounds, minInstructions, variants, rawTimeoutMicros,
                    clockFreeOnly ? Choice.CLOCK_FREE : Choice.ALL);
        }

        /** True when only stretches that read no clock are chosen. */
        public boolean clockFreeOnly() {
            return choice == Choice.CLOCK_FREE;
        }

        public Options {
            if (stretches < 1 || rounds < 1 || minInstructions < 1 || variants.isEmpty()) {
                throw new IllegalArgumentException("stretches, rounds and minInstructions must be >= 1 and at least one"
                        + " raw variant given: " + stretches + ", " + rounds + ", " + minInstructions + ", " + variants);
            }
            variants = List.copyOf(variants);
        }
    }

    /** Which stretches may be chosen. */
    public enum Choice {
        /** Only stretches in which efiemu delivered no interrupt and the guest read no RDTSC/RDTSCP. */
        CLOCK_FREE,
        /**
         * Only stretches in which the guest read RDTSC/RDTSCP and efiemu delivered no interrupt (what
         * {@link Variant#RAW_FAST_STORES_TSC} can replay; the other variants are not run on them).
         */
        TSC_READS,
        /** Any stretch. */
        ALL
    }

    /** One timing: CPU and wall nanoseconds. */
    public record Timing(long cpuNanos, long wallNanos) {}

    /** One chosen stretch's measurements over all rounds. */
    public record StretchResult(GuestStretch stretch, List<GuestStretch> efiemu, Map<Variant, List<Timing>> raw,
            List<String> mismatches, long ramBytesCompared) {
        /** Median CPU nanoseconds of efiemu's runs of the stretch. */
        public long efiemuMedianCpu() {
            return median(efiemu.stream().mapToLong(GuestStretch::cpuNanos).toArray());
        }

        /** Median CPU nanoseconds of a raw variant's matching runs, or -1 when none matched. */
        public long rawMedianCpu(Variant v) {
            List<Timing> t = raw.getOrDefault(v, List.of());
            return t.isEmpty() ? -1 : median(t.stream().mapToLong(Timing::cpuNanos).toArray());
        }

        public long efiemuMedianWall() {
            return median(efiemu.stream().mapToLong(GuestStretch::wallNanos).toArray());
        }

        public long rawMedianWall(Variant v) {
            List<Timing> t = raw.getOrDefault(v, List.of());
            return t.isEmpty() ? -1 : median(t.stream().mapToLong(Timing::wallNanos).toArray());
        }
    }

    /**
     * @param instructions the record run's guest instructions
     * @param cpuNanos the record run's CPU time of the thread in {@code UefiMachine.run()}
     * @param wallNanos its wall time
     * @param outcome how it ended
     * @param stretchCount stretches of at least the minimum length in the record run
     * @param stretchInstructions guest instructions in those stretches
     * @param excludedForClock stretches left out of the choice because they read the clock (see
     *     {@link Options#clockFreeOnly()}); 0 when that option is off
     * @param excludedInstructions guest instructions in them
     */
    public record Report(long instructions, long cpuNanos, long wallNanos, String outcome, int stretchCount,
            long stretchInstructions, List<StretchResult> stretches, int excludedForClock,
            long excludedInstructions, Choice choice) {
        public Report(long instructions, long cpuNanos, long wallNanos, String outcome, int stretchCount,
                long stretchInstructions, List<StretchResult> stretches, int excludedForClock,
                long excludedInstructions) {
            this(instructions, cpuNanos, wallNanos, outcome, stretchCount, stretchInstructions, stretches,
                    excludedForClock, excludedInstructions, Choice.CLOCK_FREE);
        }
    }

    private final Supplier<UefiMachine> machines;
    private final Options options;
    private final Consumer<String> progress;

    /**
     * @param machines builds the loader's machine, the same every time (a new one per run)
     * @param progress receives a line per run (may be a no-op)
     */
    public RawComparison(Supplier<UefiMachine> machines, Options options, Consumer<String> progress) {
        this.machines = machines;
        this.options = options;
        this.progress = progress;
    }

    /** Runs the record run and the rounds. */
    public Report measure() throws InterruptedException, ExecutionException {
        // 1. record run
        List<GuestStretch> all;
        long instructions;
        long cpu;
        long wall;
        String outcome;
        try (UefiMachine m = machines.get()) {
            StretchRecorder rec = new StretchRecorder(m.machine(), options.minInstructions(), Thread.currentThread(),
                    null);
            m.machine().gate().addListener(rec);
            long c0 = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
            long w0 = System.nanoTime();
            BootResult r = m.run();
            wall = System.nanoTime() - w0;
            cpu = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() - c0;
            instructions = r.stopReport().instructions();
            outcome = r.outcome().name();
            all = rec.stretches();
        }
        progress.accept(String.format("record run: %s, %,d instructions, %d stretches of >= %,d instructions",
                outcome, instructions, all.size(), options.minInstructions()));
        List<GuestStretch> excluded = switch (options.choice()) {
            case CLOCK_FREE -> all.stream().filter(s -> !s.clockFree()).toList();
            case TSC_READS -> all.stream().filter(s -> s.interrupts() != 0 || s.rdtscReads() == 0).toList();
            case ALL -> List.<GuestStretch>of();
        };
        List<GuestStretch> chosen = all.stream().filter(s -> !excluded.contains(s))
                .sorted(Comparator.comparingLong(GuestStretch::instructions).reversed()
                        .thenComparingLong(GuestStretch::startSequence))
                .limit(options.stretches()).sorted(Comparator.comparingLong(GuestStretch::startSequence)).toList();
        Map<Long, GuestStretch> bySequence = new LinkedHashMap<>();
        chosen.forEach(s -> bySequence.put(s.startSequence(), s));
        Map<Long, List<GuestStretch>> efiemu = new HashMap<>();
        Map<Long, Map<Variant, List<Timing>>> raw = new HashMap<>();
        Map<Long, List<String>> mismatches = new HashMap<>();
        Map<Long, Long> compared = new HashMap<>();
        for (GuestStretch s : chosen) {
            efiemu.put(s.startSequence(), new ArrayList<>());
            Map<Variant, List<Timing>> v = new LinkedHashMap<>();
            options.variants().forEach(x -> v.put(x, new ArrayList<>()));
            raw.put(s.startSequence(), v);
            mismatches.put(s.startSequence(), new ArrayList<>());
        }
        // 2. rounds
        ExecutorService helper = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "efiemu-raw-replay");
            t.setDaemon(true);
            return t;
        });
        try {
            for (int round = 0; round < options.rounds(); round++) {
                List<Variant> order = new ArrayList<>(options.variants());
                if (round % 2 == 1) java.util.Collections.reverse(order);
                Map<Variant, RawReplay> prepared = new LinkedHashMap<>();
                long[][] tscReads = {new long[64]};
                int[] tscCount = {0};
                int[][] inReads = {new int[64]};
                int[] inCount = {0};
                List<int[]> cpuids = new ArrayList<>();
                int roundNo = round + 1;
                StretchRecorder.Boundary boundary = new StretchRecorder.Boundary() {
                    @Override
                    public void atStart(long sequence, Machine machine) {
                        GuestStretch s = bySequence.get(sequence);
                        if (s == null) return;
                        for (Variant v : order) {
                            // would read the host's TSC and go another way (run anyway with Choice.ALL: a mismatch)
                            if (s.rdtscReads() > 0 && !v.tsc && options.choice() == Choice.TSC_READS) continue;
                            prepared.put(v, onHelper(helper, () -> RawReplay.of(machine, s.end(), v.fastStores, v.warm)));
                        }
                        if (s.rdtscReads() > 0) {
                            tscCount[0] = 0;
                            machine.rdtscReadListener((tsc, aux) -> {
                                if (2 * tscCount[0] + 2 > tscReads[0].length) {
                                    tscReads[0] = java.util.Arrays.copyOf(tscReads[0], 2 * tscReads[0].length);
                                }
                                tscReads[0][2 * tscCount[0]] = tsc;
                                tscReads[0][2 * tscCount[0] + 1] = aux;
                                tscCount[0]++;
                            });
                            inCount[0] = 0;
                            machine.ioInListener(value -> {
                                if (inCount[0] == inReads[0].length) {
                                    inReads[0] = java.util.Arrays.copyOf(inReads[0], 2 * inReads[0].length);
                                }
                                inReads[0][inCount[0]++] = value;
                            });
                            cpuids.clear();
                            machine.cpuidListener(cpuids::add);
                        }
                    }

                    @Override
                    public void atEnd(GuestStretch done, Machine machine) {
                        GuestStretch s = bySequence.get(done.startSequence());
                        if (s == null) return;
                        machine.rdtscReadListener(null);
                        machine.ioInListener(null);
                        machine.cpuidListener(null);
                        int[] cpuidValues = new int[4 * cpuids.size()];
                        for (int i = 0; i < cpuids.size(); i++) System.arraycopy(cpuids.get(i), 0, cpuidValues, 4 * i, 4);
                        long[] tscValues = java.util.Arrays.copyOf(tscReads[0], 2 * tscCount[0]);
                        int[] inValues = java.util.Arrays.copyOf(inReads[0], inCount[0]);
                        long[] tscSites = machine.rdtscSiteAddresses();
                        List<String> bad = mismatches.get(s.startSequence());
                        if (done.instructions() != s.instructions() || done.end() != s.end()) {
                            bad.add(String.format("round %d: efiemu's stretch differs from the record run's (%d "
                                    + "instructions to 0x%X, recorded %d to 0x%X)", roundNo, done.instructions(),
                                    done.end(), s.instructions(), s.end()));
                        } else {
                            efiemu.get(s.startSequence()).add(done);
                        }
                        EndState want = EndState.read(machine.engine(), machine.physical().mappedChunks());
                        compared.put(s.startSequence(), want.ramBytes());
                        for (Variant v : order) {
                            RawReplay replay = prepared.remove(v);
                            if (replay == null) continue;
                            onHelper(helper, () -> {
                                org.efiemu.core.clock.TscReplay tsc = null;
                                try (replay) {
                                    if (v.tsc && tscValues.length > 0) {
                                        tsc = org.efiemu.core.clock.TscReplay.install(replay.engine(), tscSites,
                                                tscValues, inValues, cpuidValues);
                                    }
                                    if (v.warm) {
                                        RawReplay.Result w = replay.warmUp(want.ranges(), options.rawTimeoutMicros());
                                        if (w.error() != UcError.OK) {
                                            bad.add(String.format("round %d, %s: the warm-up run ended with %s",
                                                    roundNo, v.title(), w.error().cName()));
                                            return null;
                                        }
                                    }
                                    RawReplay.Result r = replay.run(options.rawTimeoutMicros());
                                    EndState got = replay.endState(want.ranges());
                                    Optional<String> diff = r.error() != UcError.OK
                                            ? Optional.of("uc_emu_start " + r.error().cName())
                                            : want.firstDifference(got);
                                    if (diff.isPresent() && tsc != null) {
                                        diff = Optional.of(diff.get() + String.format("; TSC read %d times (+%d past "
                                                + "the recorded), efiemu %d; ports %d, efiemu %d; CPUID %d, efiemu %d",
                                                tsc.used(), tsc.overrun(), tscValues.length / 2, tsc.inReads(),
                                                inValues.length, tsc.cpuidReads(), cpuidValues.length / 4));
                                    }
                                    if (diff.isEmpty() && tsc != null
                                            && (tsc.used() != tscValues.length / 2 || tsc.overrun() != 0
                                                    || tsc.inReads() != inValues.length
                                                    || tsc.cpuidReads() != cpuidValues.length / 4)) {
                                        diff = Optional.of(String.format("the guest read the TSC %d times (+%d past "
                                                + "the recorded values), efiemu's %d; ports %d times, efiemu's %d",
                                                tsc.used(), tsc.overrun(), tscValues.length / 2, tsc.inReads(),
                                                inValues.length));
                                    }
                                    if (diff.isPresent()) {
                                        bad.add(String.format("round %d, %s: ended in another state than efiemu "
                                                + "(efiemu vs raw: %s)", roundNo, v.title(), diff.get()));
                                    } else {
                                        raw.get(s.startSequence()).get(v).add(new Timing(r.cpuNanos(), r.wallNanos()));
                                    }
                                } finally {
                                    if (tsc != null) tsc.close(); // after the engine (its hooks point at the values)
                                }
                                return null;
                            });
                        }
                    }
                };
                try (UefiMachine m = machines.get()) {
                    StretchRecorder rec = new StretchRecorder(m.machine(), options.minInstructions(),
                            Thread.currentThread(), boundary);
                    m.machine().gate().addListener(rec);
                    BootResult r = m.run();
                    if (r.stopReport().instructions() != instructions) {
                        throw new IllegalStateException(String.format("round %d ran %,d instructions, the record run "
                                + "%,d: the loader does not run deterministically here", roundNo,
                                r.stopReport().instructions(), instructions));
                    }
                } finally {
                    prepared.values().forEach(RawReplay::close);
                }
                progress.accept("round " + roundNo + " done");
            }
        } finally {
            helper.shutdownNow();
        }
        List<StretchResult> results = new ArrayList<>();
        for (GuestStretch s : chosen) {
            long seq = s.startSequence();
            results.add(new StretchResult(s, List.copyOf(efiemu.get(seq)), raw.get(seq), List.copyOf(mismatches.get(seq)),
                    compared.getOrDefault(seq, 0L)));
        }
        long inStretches = all.stream().mapToLong(GuestStretch::instructions).sum();
        return new Report(instructions, cpu, wall, outcome, all.size(), inStretches, results, excluded.size(),
                excluded.stream().mapToLong(GuestStretch::instructions).sum(), options.choice());
    }

    private static <T> T onHelper(ExecutorService helper, java.util.concurrent.Callable<T> work) {
        Future<T> f = helper.submit(work);
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the raw engine ran", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) throw re;
            if (e.getCause() instanceof Error er) throw er;
            throw new IllegalStateException(e.getCause());
        }
    }

    static long median(long[] v) {
        if (v.length == 0) return -1;
        long[] s = v.clone();
        java.util.Arrays.sort(s);
        return s[s.length / 2];
    }
}
