package org.efiemu.earlyalloc.cli;

import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.efiemu.earlyalloc.ScenarioRunner;
import org.efiemu.earlyalloc.Strategy;
import org.efiemu.earlyalloc.hunt.Hunt;
import org.efiemu.earlyalloc.report.ReasonKind;
import org.efiemu.platform.random.MachineGenerator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code efiemu bench hunt}: the hunt's search rate, warm, per strategy and number of jobs, with the process CPU time
 * per scenario beside the wall-clock rate (on a shared machine the CPU time is the steadier figure) and the system load
 * average (and the CPU time of the hunt's worker threads alone, without JIT compilation and GC, which a short run still
 * holds); then
 * the time a real hunt takes to its first failure and to the shrunk machine. Numbers go to
 * docs/performance.md with the command that produced them; pin cores from outside ({@code taskset -c 0} for one core).
 *
 * <p>The rate runs search without stopping: only breakages of a reason kind the seed's strategies never show
 * ({@code --reason}, default {@link ReasonKind#BOOT_SERVICE_AFTER_EXIT}) count, so every scenario is searched; should one
 * count anyway, the line says so.
 */
@Command(name = "hunt", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Hunt search rate (scenarios/s and CPU per scenario) per strategy and --jobs, warm; then time to the first failure and to the shrunk machine.")
public final class HuntBenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--strategy", paramLabel = "S", description = "strategy (repeatable; default efi-pool, mem-lower, place-string-mb2)")
    List<String> strategies = new ArrayList<>();

    @Option(names = "--jobs", paramLabel = "N", split = ",", description = "numbers of jobs to measure (default: 1,2)")
    List<Integer> jobs = new ArrayList<>(List.of(1, 2));

    @Option(names = "--engines", paramLabel = "E", split = ",", description = "engines to measure: fresh (a new Unicorn engine per machine), reused (one per worker) (default: fresh,reused)")
    List<String> engines = new ArrayList<>(List.of("fresh", "reused"));

    @Option(names = "--scenarios", paramLabel = "N", defaultValue = "600", description = "scenarios per measurement (default: ${DEFAULT-VALUE})")
    long scenarios;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "600", description = "scenarios run before measuring each strategy (default: ${DEFAULT-VALUE})")
    long warmup;

    @Option(names = "--max-descriptors", paramLabel = "N", defaultValue = "200", description = "most descriptors of a generated map (default: ${DEFAULT-VALUE})")
    int maxDescriptors;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "3", description = "the measured hunts' seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--reason", paramLabel = "KIND", defaultValue = "BOOT_SERVICE_AFTER_EXIT",
            description = "the only reason kind that would stop a measured search (default: ${DEFAULT-VALUE})")
    ReasonKind reason;

    @Option(names = "--find", paramLabel = "S", defaultValue = "mem-lower",
            description = "strategy of the timed real hunt (seed --find-seed, default options); 'none' skips it (default: ${DEFAULT-VALUE})")
    String find;

    @Option(names = "--find-seed", paramLabel = "N", defaultValue = "1", description = "seed of the timed real hunt (default: ${DEFAULT-VALUE})")
    long findSeed;

    @Option(names = "--find-jobs", paramLabel = "N", defaultValue = "2", description = "jobs of the timed real hunt (default: ${DEFAULT-VALUE})")
    int findJobs;

    @Override
    public Integer call() throws Exception {
        if (scenarios < 1 || warmup < 0 || jobs.stream().anyMatch(j -> j < 1 || j > 1024)) {
            throw new IllegalArgumentException("--scenarios must be >= 1, --warmup >= 0, --jobs in 1..1024");
        }
        for (String e : engines) {
            if (!e.equals("fresh") && !e.equals("reused")) {
                throw new IllegalArgumentException("--engines " + e + ": expected fresh or reused");
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        List<Strategy> ss = Selection.strategies(strategies.isEmpty()
                ? List.of("efi-pool", "mem-lower", "place-string-mb2") : strategies);
        ScenarioRunner runner = ScenarioRunner.standard();
        MachineGenerator.Settings machines = MachineGenerator.Settings.defaults().withDescriptors(4, maxDescriptors);
        out.printf(Locale.ROOT, "efiemu bench hunt: machines %s, seed %d, %d scenarios per line after %d warm-up scenarios; "
                + "%d host CPUs%n", machines, seed, scenarios, warmup, Runtime.getRuntime().availableProcessors());
        out.printf("%-18s %7s %5s %10s %9s %12s %11s %15s  %s%n", "strategy", "engines", "jobs", "scenarios", "wall s", "scenarios/s",
                "CPU ms/scn", "workers ms/scn", "load average");
        out.flush();
        for (Strategy s : ss) {
            if (warmup > 0) {
                Hunt.Options w = options(machines).withSeed(seed + 1).withScenarios(warmup)
                        .withJobs(jobs.stream().mapToInt(Integer::intValue).max().orElse(1));
                for (String e : engines) {
                    new Hunt(runner, s, w).reuseEngines(e.equals("reused")).run(new Hunt.Listener() { });
                }
            }
            for (int j : jobs) {
              for (String e : engines) {
                Hunt.Options o = options(machines).withSeed(seed).withScenarios(scenarios).withJobs(j);
                double load0 = load();
                long cpu0 = processCpuNanos();
                WorkerCpu workers = new WorkerCpu();
                Hunt.Outcome r = new Hunt(runner, s, o).reuseEngines(e.equals("reused")).run(workers);
                long cpu = processCpuNanos() - cpu0;
                double load1 = load();
                out.printf(Locale.ROOT, "%-18s %7s %5d %10d %9.2f %12.1f %11.2f %15.2f  %.1f -> %.1f%s%n", s.name(), e, j, r.tried(),
                        r.searchNanos() / 1e9, r.rate(), cpu / 1e6 / r.tried(), workers.total() / 1e6 / r.tried(), load0, load1,
                        r.found().isPresent() ? "  (stopped at a " + reason + " finding)" : "");
                out.flush();
              }
            }
        }
        if (!"none".equals(find)) {
            Strategy s = Selection.strategies(List.of(find)).get(0);
            Hunt.Options o = Hunt.Options.defaults().withSeed(findSeed).withJobs(findJobs);
            double load0 = load();
            Hunt.Outcome r = new Hunt(runner, s, o).run(new Hunt.Listener() { });
            if (r.found().isEmpty()) {
                out.printf(Locale.ROOT, "hunt --strategy %s --seed %d --jobs %d: nothing broke it in %d scenarios (%.2f s)%n",
                        s.name(), findSeed, findJobs, r.tried(), r.searchNanos() / 1e9);
            } else {
                Hunt.Finding f = r.found().get();
                out.printf(Locale.ROOT, "hunt --strategy %s --seed %d --jobs %d: first failure at scenario %d (%d descriptors, %s) "
                                + "after %.2f s; shrunk to %d descriptors in %d steps (%d scenarios) in %.2f s more; load %.1f -> %.1f%n",
                        s.name(), findSeed, findJobs, f.index(), f.machine().profile().memoryMap().size(), f.breakage(),
                        r.searchNanos() / 1e9, r.minimal().orElseThrow().scenario().platform().memoryMap().size(),
                        r.shrink().orElseThrow().steps(), r.shrink().orElseThrow().evaluations(), r.shrinkNanos() / 1e9,
                        load0, load());
            }
            out.flush();
        }
        return 0;
    }

    private Hunt.Options options(MachineGenerator.Settings machines) {
        return Hunt.Options.defaults().withMachines(machines).withReason(reason).withShrinkBudget(0);
    }

    /**
     * CPU time of the hunt's worker threads (the scenarios themselves, without JIT compilation, GC or other threads):
     * each worker's thread CPU time as of its last finished scenario; the workers are new threads for each hunt.
     */
    private static final class WorkerCpu implements Hunt.Listener {
        private final java.util.concurrent.ConcurrentHashMap<Long, Long> byThread = new java.util.concurrent.ConcurrentHashMap<>();

        @Override
        public void tried(long tried, long elapsedNanos) {
            byThread.put(Thread.currentThread().getId(), ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime());
        }

        long total() {
            return byThread.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    private static double load() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }
}
