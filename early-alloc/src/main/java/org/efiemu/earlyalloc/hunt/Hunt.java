package org.efiemu.earlyalloc.hunt;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.efiemu.earlyalloc.MatrixRunner;
import org.efiemu.earlyalloc.Scenario;
import org.efiemu.earlyalloc.ScenarioOptions;
import org.efiemu.earlyalloc.ScenarioResult;
import org.efiemu.earlyalloc.ScenarioRunner;
import org.efiemu.earlyalloc.WorkerEngines;
import org.efiemu.earlyalloc.Strategy;
import org.efiemu.earlyalloc.report.ReasonKind;
import org.efiemu.earlyalloc.report.Verdict;
import org.efiemu.platform.PlatformProfile;
import org.efiemu.platform.random.MachineGenerator;
import org.efiemu.platform.random.MachineShrinker;

/**
 * Looks for the machines that break a strategy: runs it on generated machines ({@link MachineGenerator}) until one
 * breaks it (verdict at least the threshold), then shrinks that machine ({@link MachineShrinker}) while the strategy still
 * breaks on it in the same way ({@link Breakage}).
 *
 * <p>Deterministic: scenario {@code i} runs on the machine generated from {@link #machineSeed(long, long)
 * machineSeed(seed, i)}; workers take indices in increasing order and finish every index they take, so the finding is
 * the breaking scenario with the lowest index whatever the number of workers or the host's speed, and the shrink is a
 * sequential search (parallel evaluations give its answer). A time budget only decides how many indices are taken. A
 * strategy that hangs (the instruction budget) or crashes (a fault) on a machine is a finding like any other; a scenario
 * efiemu itself cannot run is one too (kind {@code efiemu-error}), never an exception out of the hunt. Library code: it
 * prints nothing; {@link Listener} reports progress.
 */
public final class Hunt {

    /** Most scenarios a hunt may be given. */
    public static final long MAX_SCENARIOS = 1_000_000_000_000L;
    /** Longest time budget. */
    public static final Duration MAX_TIME = Duration.ofDays(30);

    /**
     * What to hunt with.
     *
     * @param seed           the hunt's seed
     * @param scenarios      most scenarios to try (1..{@value #MAX_SCENARIOS})
     * @param time           time budget (empty: only {@code scenarios} bounds the hunt)
     * @param jobs           scenarios run at the same time (1..1024)
     * @param threshold      WARN or FAIL: the verdict that counts as breaking
     * @param machines       what machines to generate
     * @param shrinkBudget   most property evaluations while shrinking (0: no shrinking)
     * @param scenario       options of every scenario (instruction budget, ...)
     * @param reason         only breakages of this reason kind count (empty: any)
     */
    public record Options(long seed, long scenarios, Optional<Duration> time, int jobs, Verdict threshold,
            MachineGenerator.Settings machines, int shrinkBudget, ScenarioOptions scenario, Optional<ReasonKind> reason) {
        public Options {
            if (scenarios < 1 || scenarios > MAX_SCENARIOS) {
                throw new IllegalArgumentException("scenarios " + scenarios + ": expected 1.." + MAX_SCENARIOS);
            }
            time = time == null ? Optional.empty() : time;
            time.ifPresent(t -> {
                if (t.isNegative() || t.isZero() || t.compareTo(MAX_TIME) > 0) {
                    throw new IllegalArgumentException("time " + t + ": expected more than 0 and at most 30 days");
                }
            });
            if (jobs < 1 || jobs > 1024) {
                throw new IllegalArgumentException("jobs " + jobs + ": expected 1..1024");
            }
            Objects.requireNonNull(threshold, "threshold");
            if (threshold == Verdict.PASS) {
                throw new IllegalArgumentException("verdict PASS: expected WARN or FAIL (the verdict that counts as broken)");
            }
            Objects.requireNonNull(machines, "machines");
            if (shrinkBudget < 0 || shrinkBudget > 10_000_000) {
                throw new IllegalArgumentException("shrink budget " + shrinkBudget + ": expected 0..10000000");
            }
            scenario = scenario == null ? ScenarioOptions.defaults() : scenario;
            reason = reason == null ? Optional.empty() : reason;
        }

        /** Seed 0, 1000 scenarios, one job, FAIL, default machines, 3000 shrink evaluations. */
        public static Options defaults() {
            return new Options(0, 1000, Optional.empty(), 1, Verdict.FAIL, MachineGenerator.Settings.defaults(), 3000,
                    ScenarioOptions.defaults(), Optional.empty());
        }

        public Options withSeed(long v) {
            return new Options(v, scenarios, time, jobs, threshold, machines, shrinkBudget, scenario, reason);
        }

        public Options withScenarios(long v) {
            return new Options(seed, v, time, jobs, threshold, machines, shrinkBudget, scenario, reason);
        }

        public Options withTime(Duration v) {
            return new Options(seed, MAX_SCENARIOS, Optional.of(v), jobs, threshold, machines, shrinkBudget, scenario, reason);
        }

        public Options withJobs(int v) {
            return new Options(seed, scenarios, time, v, threshold, machines, shrinkBudget, scenario, reason);
        }

        public Options withThreshold(Verdict v) {
            return new Options(seed, scenarios, time, jobs, v, machines, shrinkBudget, scenario, reason);
        }

        public Options withMachines(MachineGenerator.Settings v) {
            return new Options(seed, scenarios, time, jobs, threshold, v, shrinkBudget, scenario, reason);
        }

        public Options withReason(ReasonKind v) {
            return new Options(seed, scenarios, time, jobs, threshold, machines, shrinkBudget, scenario, Optional.ofNullable(v));
        }

        public Options withShrinkBudget(int v) {
            return new Options(seed, scenarios, time, jobs, threshold, machines, v, scenario, reason);
        }
    }

    /** Progress, called from worker threads (must be thread-safe and quick). */
    public interface Listener {
        /** A scenario of the search finished; {@code tried} scenarios so far. */
        default void tried(long tried, long elapsedNanos) {}

        /** The search found its breaking scenario and shrinking starts. */
        default void shrinking(Finding first) {}

        /** A shrink step was taken: the machine now has {@code descriptors} descriptors. */
        default void shrunk(int steps, int descriptors) {}
    }

    /** One generated machine and what the strategy did on it. */
    public record Finding(long index, MachineGenerator.Machine machine, ScenarioResult result, Breakage breakage) {}

    /**
     * The hunt's outcome.
     *
     * @param tried       scenarios of the search (those with index below the finding's, plus the finding; all taken when
     *                    nothing broke)
     * @param kinds       how many of the tried machines were of each kind ({@link MachineGenerator.Machine#kinds()})
     * @param found       the breaking scenario with the lowest index, as generated
     * @param minimal     the shrunk machine's scenario (present when something was found)
     * @param shrink      the shrink's statistics (present when something was found)
     * @param searchNanos wall-clock time of the search
     * @param shrinkNanos wall-clock time of the shrink
     */
    public record Outcome(Options options, long tried, Map<String, Long> kinds, Optional<Finding> found,
            Optional<ScenarioResult> minimal, Optional<MachineShrinker.Result> shrink, long searchNanos, long shrinkNanos) {
        /** Scenarios per second of the search. */
        public double rate() {
            return searchNanos == 0 ? 0 : tried * 1e9 / searchNanos;
        }
    }

    private final ScenarioRunner runner;
    private final Strategy strategy;
    private final Options options;
    private final MatrixRunner guard;
    private boolean reuseEngines = true;

    public Hunt(ScenarioRunner runner, Strategy strategy, Options options) {
        this.runner = Objects.requireNonNull(runner, "runner");
        this.strategy = Objects.requireNonNull(strategy, "strategy");
        this.options = Objects.requireNonNull(options, "options");
        this.guard = new MatrixRunner(runner, 1);
    }

    /** The seed of scenario {@code index}'s machine: a 64-bit mix of the hunt's seed and the index (SplitMix64 finaliser). */
    public static long machineSeed(long seed, long index) {
        long z = seed + (index + 1) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** The machine of scenario {@code index}. */
    public MachineGenerator.Machine machine(long index) {
        return MachineGenerator.generate(machineSeed(options.seed(), index), options.machines());
    }

    /** Runs the strategy on one machine; efiemu's own failures become a FAIL (never an exception). */
    public ScenarioResult run(PlatformProfile machine) {
        return run(machine, null);
    }

    /** {@link #run(PlatformProfile)} on an engine lent by {@code engine} (null: a new engine); the same result. */
    public ScenarioResult run(PlatformProfile machine, org.efiemu.core.engine.ReusableEngine engine) {
        Scenario s = new Scenario(machine, strategy, options.scenario());
        return guard.runOne(s, engine);
    }

    /**
     * Runs the search's and the shrink's machines on one kept engine per worker thread ({@code true}, the default) or
     * on a new engine each ({@code false}); the outcome is the same (the differential test checks it).
     */
    public Hunt reuseEngines(boolean reuse) {
        this.reuseEngines = reuse;
        return this;
    }

    /** Searches, then shrinks what it found. */
    public Outcome run(Listener listener) {
        Objects.requireNonNull(listener, "listener");
        long t0 = System.nanoTime();
        long deadline = options.time().map(t -> t0 + t.toNanos()).orElse(Long.MAX_VALUE);
        AtomicLong next = new AtomicLong();
        AtomicLong lowest = new AtomicLong(Long.MAX_VALUE);
        ConcurrentSkipListMap<Long, Finding> broken = new ConcurrentSkipListMap<>();
        KindCounts kinds = new KindCounts();
        LongAdder done = new LongAdder();
        ExecutorService pool = Executors.newFixedThreadPool(options.jobs(), r -> {
            Thread t = new Thread(r, "efiemu-hunt");
            t.setDaemon(true);
            return t;
        });
        WorkerEngines engines = new WorkerEngines(reuseEngines);
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int w = 0; w < options.jobs(); w++) {
                workers.add(pool.submit(() -> {
                    while (true) {
                        if (System.nanoTime() >= deadline || next.get() > lowest.get()) {
                            return;
                        }
                        long i = next.getAndIncrement();
                        if (i >= options.scenarios() || i > lowest.get()) {
                            return;
                        }
                        MachineGenerator.Machine m = machine(i);
                        ScenarioResult r = run(m.profile(), engines.forCurrentThread());
                        Breakage b = Breakage.of(r, options.threshold());
                        if (b != null && options.reason().isPresent() && b.kind() != options.reason().get()) {
                            b = null;
                        }
                        if (b != null) {
                            broken.put(i, new Finding(i, m, r, b));
                            lowest.accumulateAndGet(i, Math::min);
                        }
                        kinds.completed(i, m.kinds(), b != null);
                        done.increment();
                        listener.tried(done.sum(), System.nanoTime() - t0);
                    }
                }));
            }
            for (Future<?> f : workers) {
                f.get();
            }
            long searchNanos = System.nanoTime() - t0;
            Optional<Finding> found = broken.isEmpty() ? Optional.empty() : Optional.of(broken.firstEntry().getValue());
            long tried = found.map(f -> f.index() + 1).orElse(done.sum());
            Map<String, Long> kindCounts = kinds.upTo(tried);
            if (found.isEmpty()) {
                return new Outcome(options, tried, kindCounts, found, Optional.empty(), Optional.empty(), searchNanos, 0);
            }
            listener.shrinking(found.get());
            long s0 = System.nanoTime();
            Shrinking shrinking = new Shrinking(found.get(), pool, listener, engines);
            MachineShrinker.Result shrink = MachineShrinker.shrink(found.get().machine().profile(), shrinking,
                    options.jobs(), options.shrinkBudget());
            PlatformProfile minimal = shrink.machine().toBuilder()
                    .name(found.get().machine().profile().name() + (shrink.steps() > 0 ? "-min" : ""))
                    .description("the smallest machine found on which " + strategy.name() + " breaks: "
                            + found.get().breakage() + " (shrunk from " + found.get().machine().profile().name() + ", "
                            + found.get().machine().profile().memoryMap().size() + " descriptors)")
                    .source(String.format(java.util.Locale.ROOT, "efiemu hunt --strategy %s --seed %d: scenario %d, machine "
                            + "seed 0x%016X, shrunk in %d steps (%d evaluations)", strategy.name(), options.seed(),
                            found.get().index(), found.get().machine().seed(), shrink.steps(), shrink.evaluations()))
                    .build();
            ScenarioResult minimalResult = run(minimal);
            return new Outcome(options, tried, kindCounts, found, Optional.of(minimalResult), Optional.of(shrink),
                    searchNanos, System.nanoTime() - s0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("hunt interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("hunt failed: " + e.getCause(), e.getCause());
        } finally {
            pool.shutdownNow();
            engines.closeAfter(pool);
        }
    }

    /**
     * Kind counts of exactly the scenarios below a bound known only at the end (workers may finish a few indices beyond
     * the finding): completed indices are folded into the counts in index order up to the first breaking one; the rest
     * wait in {@code pending}.
     */
    private static final class KindCounts {
        private final Map<String, Long> folded = new TreeMap<>();
        private final TreeMap<Long, List<String>> pending = new TreeMap<>();
        private final java.util.Set<Long> breaking = new java.util.HashSet<>();
        private long prefix;

        synchronized void completed(long index, List<String> kinds, boolean broke) {
            pending.put(index, kinds);
            if (broke) {
                breaking.add(index);
            }
            while (pending.containsKey(prefix) && !breaking.contains(prefix)) {
                pending.remove(prefix).forEach(k -> folded.merge(k, 1L, Long::sum));
                prefix++;
            }
        }

        synchronized Map<String, Long> upTo(long bound) {
            Map<String, Long> out = new TreeMap<>(folded);
            pending.headMap(bound).values().forEach(ks -> ks.forEach(k -> out.merge(k, 1L, Long::sum)));
            return out;
        }
    }

    /** The shrink's property: the strategy breaks on the candidate in the same way; candidates evaluated in parallel. */
    private final class Shrinking implements MachineShrinker.Tester {
        private final Breakage target;
        private final ExecutorService pool;
        private final Listener listener;
        private final WorkerEngines engines;
        private int steps;

        Shrinking(Finding found, ExecutorService pool, Listener listener, WorkerEngines engines) {
            this.engines = engines;
            this.target = found.breakage();
            this.pool = pool;
            this.listener = listener;
        }

        boolean holds(PlatformProfile p) {
            return target.equals(Breakage.of(run(p, engines.forCurrentThread()), options.threshold()));
        }

        @Override
        public int firstTrue(List<PlatformProfile> candidates) {
            List<Future<Boolean>> results = new ArrayList<>();
            for (PlatformProfile c : candidates) {
                results.add(pool.submit(() -> holds(c)));
            }
            for (int i = 0; i < results.size(); i++) {
                try {
                    if (results.get(i).get()) {
                        results.forEach(f -> f.cancel(false));
                        listener.shrunk(++steps, candidates.get(i).memoryMap().size());
                        return i;
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("hunt interrupted", e);
                } catch (ExecutionException e) {
                    throw new IllegalStateException("shrink failed: " + e.getCause(), e.getCause());
                }
            }
            return -1;
        }
    }
}
