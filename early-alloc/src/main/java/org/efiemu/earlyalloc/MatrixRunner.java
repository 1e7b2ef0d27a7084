package org.efiemu.earlyalloc;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import org.efiemu.earlyalloc.report.Costs;
import org.efiemu.earlyalloc.report.Evidence;
import org.efiemu.earlyalloc.report.ExpectedVerdict;
import org.efiemu.earlyalloc.report.GenerationInputs;
import org.efiemu.earlyalloc.report.PlatformReport;
import org.efiemu.earlyalloc.report.Reason;
import org.efiemu.earlyalloc.report.ReasonKind;
import org.efiemu.earlyalloc.report.Report;
import org.efiemu.earlyalloc.report.ScenarioReport;
import org.efiemu.earlyalloc.report.ScenarioTiming;
import org.efiemu.earlyalloc.report.StrategyReport;
import org.efiemu.earlyalloc.report.Timings;
import org.efiemu.earlyalloc.report.Verdict;
import org.efiemu.platform.PlatformProfile;

/**
 * Runs every strategy on every platform in parallel, one {@link org.efiemu.uefi.UefiMachine} per scenario (no shared
 * state between them), and assembles the {@link Report}. A scenario efiemu itself cannot run (e.g. a platform the
 * firmware model rejects) becomes a FAIL whose reason says so ("efiemu could not run this scenario"), so one broken
 * cell never hides the rest of the matrix.
 */
public final class MatrixRunner {
    private final ScenarioRunner runner;
    private final int jobs;

    /** @param jobs scenarios run at the same time (threads), >= 1 */
    private boolean reuseEngines = true;

    public MatrixRunner(ScenarioRunner runner, int jobs) {
        this.runner = Objects.requireNonNull(runner, "runner");
        if (jobs < 1) {
            throw new IllegalArgumentException("jobs must be >= 1, got " + jobs);
        }
        this.jobs = jobs;
    }

    /** The results of one matrix run, in scenario input order, and its wall-clock time. */
    public record MatrixResult(List<PlatformProfile> platforms, List<Strategy> strategies, List<ScenarioResult> results,
            long totalMicros) {
        public MatrixResult {
            platforms = List.copyOf(platforms);
            strategies = List.copyOf(strategies);
            results = List.copyOf(results);
        }

        /** Scenarios whose observed verdict is not the expected one. */
        public List<ScenarioResult> mismatches() {
            return results.stream().filter(r -> !r.report().matchesExpected()).toList();
        }

        /** The report the writers render. */
        public Report toReport(String title, String efiemuVersion, String command, Map<String, String> settings,
                CostMeter costs) {
            List<PlatformReport> ps = platforms.stream().map(p -> new PlatformReport(p.name(), p.description(),
                    String.join("; ", p.sources()), ScenarioRunner.regions(p.memoryMap()))).toList();
            List<StrategyReport> ss = strategies.stream().map(s -> new StrategyReport(s.name(), s.descriptor().description(),
                    costs.imageBytes(s))).toList();
            Timings t = new Timings(totalMicros, results.stream()
                    .map(r -> new ScenarioTiming(r.report().id(), r.durationMicros())).toList());
            return new Report(title, efiemuVersion, new GenerationInputs(command, settings), ps, ss,
                    results.stream().map(ScenarioResult::report).toList(), t);
        }
    }

    /** Every strategy on every platform with default options, platforms-major order within each strategy. */
    public static List<Scenario> cross(List<PlatformProfile> platforms, List<Strategy> strategies, ScenarioOptions options) {
        List<Scenario> out = new ArrayList<>();
        for (Strategy s : strategies) {
            for (PlatformProfile p : platforms) {
                out.add(new Scenario(p, s, options));
            }
        }
        return out;
    }

    /**
     * Runs the scenarios.
     *
     * @param onDone called once per finished scenario, from the worker thread that ran it (may be called
     *               concurrently; must be thread-safe)
     */
    public MatrixResult run(List<PlatformProfile> platforms, List<Strategy> strategies, List<Scenario> scenarios,
            Consumer<ScenarioResult> onDone) {
        long t0 = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(jobs, Math.max(1, scenarios.size())), r -> {
            Thread t = new Thread(r, "efiemu-scenario");
            t.setDaemon(true);
            return t;
        });
        WorkerEngines engines = new WorkerEngines(reuseEngines);
        try {
            List<Future<ScenarioResult>> futures = new ArrayList<>();
            for (Scenario s : scenarios) {
                futures.add(pool.submit(() -> {
                    ScenarioResult r = runOne(s, engines.forCurrentThread());
                    onDone.accept(r);
                    return r;
                }));
            }
            List<ScenarioResult> results = new ArrayList<>();
            for (Future<ScenarioResult> f : futures) {
                results.add(f.get());
            }
            return new MatrixResult(platforms, strategies, results, (System.nanoTime() - t0) / 1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("matrix run interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("matrix run failed: " + e.getCause().getMessage(), e.getCause());
        } finally {
            pool.shutdownNow();
            engines.closeAfter(pool);
        }
    }

    /**
     * Builds every machine of {@link #run} on one kept engine per worker thread ({@code true}, the default) or on a new
     * engine each ({@code false}: the reference the differential test compares with); the results are the same.
     */
    public MatrixRunner reuseEngines(boolean reuse) {
        this.reuseEngines = reuse;
        return this;
    }


    /** Runs one scenario; a scenario efiemu itself cannot run becomes a FAIL saying so (never an exception). */
    public ScenarioResult runOne(Scenario s) {
        return runOne(s, null);
    }

    /** {@link #runOne(Scenario)} on an engine lent by {@code engine} (null: a new engine). */
    public ScenarioResult runOne(Scenario s, org.efiemu.core.engine.ReusableEngine engine) {
        long t0 = System.nanoTime();
        try {
            return runner.run(s, engine);
        } catch (RuntimeException e) {
            ExpectedVerdict exp = runner.expected(s);
            String msg = "efiemu could not run this scenario: " + e.getMessage();
            ScenarioReport report = new ScenarioReport(s.platform().name(), s.strategy().name(),
                    s.options().asReportOptions(), Verdict.FAIL, exp, List.of(new Reason(ReasonKind.OTHER, msg,
                            Evidence.none())), List.of(), null, null, List.of(), List.of(), List.of(), "",
                    new Costs(0, 0, 0));
            Observation o = new Observation(new RunEnd(RunEnd.Kind.LOAD_FAILED, msg, 0), List.of(), "",
                    s.platform().memoryMap(), List.of(), List.of(), false, 0, 0, List.of(), "");
            return new ScenarioResult(s, report, o, (System.nanoTime() - t0) / 1000);
        }
    }
}
