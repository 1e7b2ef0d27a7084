package org.efiemu.earlyalloc.cli;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.efiemu.earlyalloc.CostMeter;
import org.efiemu.earlyalloc.MatrixRunner;
import org.efiemu.earlyalloc.ScenarioResult;
import org.efiemu.earlyalloc.ScenarioRunner;
import org.efiemu.earlyalloc.Strategy;
import org.efiemu.earlyalloc.StrategyCatalog;
import org.efiemu.earlyalloc.hunt.Hunt;
import org.efiemu.earlyalloc.report.ReasonKind;
import org.efiemu.earlyalloc.report.Report;
import org.efiemu.earlyalloc.report.ReportFiles;
import org.efiemu.earlyalloc.report.Verdict;
import org.efiemu.platform.PlatformProfile;
import org.efiemu.platform.ProfileWriter;
import org.efiemu.platform.random.MachineGenerator;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code efiemu hunt}: runs a strategy on generated machines until one breaks it, shrinks that machine, and writes
 * {@code minimal.profile}, {@code found.profile}, the report (index.html, report.json, report.md) and {@code hunt.txt}
 * (seed and options that reproduce it). Progress and the rate on stderr, the finding on stdout. Exit status 1 when a
 * machine broke the strategy, 0 when none did, 2 for bad input.
 */
@Command(name = "hunt", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Find the smallest generated machine that breaks a strategy; write it as DIR/minimal.profile with its report.")
public final class HuntCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--strategy", required = true, paramLabel = "NAME|FILE", description = "built-in strategy name or .strategy file")
    String strategy;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0", description = "the hunt's seed, decimal or 0x-hex (default: ${DEFAULT-VALUE})")
    String seed;

    /**
     * The budget when neither {@code --scenarios} nor {@code --time} is given: a scenario count, so that the default
     * hunt's result depends on its seed alone (a time budget reaches further on a faster host). Twenty thousand
     * machines take about 20 s on 2 cores; a hunt that finds stops at its first breaking machine whatever the budget.
     * A smaller default would be mostly the JVM's start and its JIT's warm-up (about 0.8 s, docs/performance.md).
     */
    static final long DEFAULT_SCENARIOS = 20_000;

    @Option(names = "--scenarios", paramLabel = "N", description = "machines to try at most (default: "
            + DEFAULT_SCENARIOS + " unless --time is given)")
    Long scenarios;

    @Option(names = "--time", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "time budget for the search, e.g. 30s, 5m, 1h, 500ms (instead of --scenarios)")
    Duration time;

    @Option(names = "--jobs", paramLabel = "N", description = "scenarios in parallel (default: available cores); the result does not depend on it")
    Integer jobs;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "efiemu-hunt", description = "output folder (default: ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--verdict", paramLabel = "FAIL|WARN", defaultValue = "FAIL", description = "the verdict that counts as breaking (default: ${DEFAULT-VALUE})")
    Verdict verdict;

    @Option(names = "--reason", paramLabel = "KIND", description = "only breakages whose first reason is of this kind count: "
            + "${COMPLETION-CANDIDATES} (default: any)")
    ReasonKind reason;

    @Option(names = "--min-descriptors", paramLabel = "N", defaultValue = "4", description = "fewest descriptors of a generated map (default: ${DEFAULT-VALUE})")
    int minDescriptors;

    @Option(names = "--max-descriptors", paramLabel = "N", defaultValue = "2000", description = "most descriptors of a generated map (default: ${DEFAULT-VALUE})")
    int maxDescriptors;

    @Option(names = "--fresh-engines", description = "open a new Unicorn engine for every machine instead of one kept engine per job (slower; the result is the same)")
    boolean freshEngines;

    @Option(names = "--shrink-budget", paramLabel = "N", defaultValue = "3000", description = "most scenarios run while shrinking (default: ${DEFAULT-VALUE})")
    int shrinkBudget;

    @Override
    public Integer call() throws Exception {
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter stderr = spec.commandLine().getErr();
        if (scenarios != null && time != null) {
            throw new IllegalArgumentException("--scenarios and --time: give one budget, not both");
        }
        long seedValue = parseSeed(seed);
        Strategy s = StrategyCatalog.resolve(strategy);
        int n = jobs != null ? jobs : Runtime.getRuntime().availableProcessors();
        MachineGenerator.Settings machines;
        try {
            machines = MachineGenerator.Settings.defaults().withDescriptors(minDescriptors, maxDescriptors);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--min-descriptors/--max-descriptors " + e.getMessage(), e);
        }
        Hunt.Options options;
        try {
            options = Hunt.Options.defaults().withSeed(seedValue).withJobs(n).withThreshold(verdict).withMachines(machines)
                    .withShrinkBudget(shrinkBudget).withReason(reason);
            options = time != null ? options.withTime(time) : options.withScenarios(scenarios != null ? scenarios : DEFAULT_SCENARIOS);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("hunt budget: " + e.getMessage(), e);
        }
        ScenarioRunner runner = ScenarioRunner.standard();
        Hunt hunt = new Hunt(runner, s, options).reuseEngines(!freshEngines);
        Progress progress = new Progress(stderr, System.console() != null);
        Hunt.Outcome o = hunt.run(progress);
        progress.end();
        Files.createDirectories(out);
        String kinds = o.kinds().entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", "));
        String rate = "searched " + o.tried() + " scenarios in " + fixed(o.searchNanos() / 1e9, 2) + " s: "
                + fixed(o.rate(), 0) + " scenarios/s (" + n + " jobs)";
        Map<String, String> facts = new LinkedHashMap<>();
        facts.put("command", command(s, seedValue, options, o));
        facts.put("seed", Long.toString(seedValue));
        facts.put("strategy", s.name() + " (" + s.payloadName() + ", " + s.fileSize() + " bytes)");
        facts.put("machines", machines.toString());
        facts.put("verdict", verdict.name());
        if (reason != null) {
            facts.put("reason", reason.name());
        }
        facts.put("tried", Long.toString(o.tried()));
        facts.put("kinds", kinds);
        if (o.found().isEmpty()) {
            writeFacts(facts);
            stdout.println("efiemu hunt: nothing broke " + s.name() + " in " + o.tried() + " machines (seed " + seedValue
                    + ", " + machines + "): " + kinds);
            stdout.println(rate);
            stdout.flush();
            return 0;
        }
        Hunt.Finding f = o.found().get();
        ScenarioResult minimal = o.minimal().orElseThrow();
        var shrink = o.shrink().orElseThrow();
        PlatformProfile found = f.machine().profile();
        PlatformProfile small = minimal.scenario().platform();
        facts.put("scenario", Long.toString(f.index()));
        facts.put("machine-seed", String.format(Locale.ROOT, "0x%016X", f.machine().seed()));
        facts.put("machine-kinds", String.join(" ", f.machine().kinds()));
        facts.put("breakage", f.breakage().toString());
        facts.put("found", "found.profile (" + found.memoryMap().size() + " descriptors)");
        facts.put("minimal", "minimal.profile (" + small.memoryMap().size() + " descriptors; " + shrink.steps()
                + " shrink steps, " + shrink.evaluations() + " evaluations" + (shrink.exhausted() ? ", budget spent" : "") + ")");
        facts.put("check", "efiemu matrix --platform " + out.resolve("minimal.profile") + " --strategy " + strategy);
        ProfileWriter.write(small, out.resolve("minimal.profile"));
        ProfileWriter.write(found, out.resolve("found.profile"));
        writeFacts(facts);
        List<PlatformProfile> platforms = small.name().equals(found.name()) ? List.of(small) : List.of(small, found);
        List<ScenarioResult> results = platforms.size() == 1 ? List.of(minimal) : List.of(minimal, f.result());
        Map<String, String> settings = new LinkedHashMap<>(facts);
        settings.remove("kinds");
        Report report = new MatrixRunner.MatrixResult(platforms, List.of(s), results, o.searchNanos() / 1000)
                .toReport("efiemu hunt: " + s.name() + " breaks on " + small.name(), VersionProvider.efiemuVersion(),
                        facts.get("command"), settings, CostMeter.builtIn());
        ReportFiles.write(report, out);

        stdout.printf("efiemu hunt: %s breaks on scenario %d of seed %d (%s, %s): %s%n", s.name(), f.index(), seedValue,
                found.name(), String.join(" ", f.machine().kinds()), f.breakage());
        stdout.printf("shrunk from %d to %d descriptors in %d steps (%d scenarios, %.2f s): %s%n", found.memoryMap().size(),
                small.memoryMap().size(), shrink.steps(), shrink.evaluations(), o.shrinkNanos() / 1e9,
                out.resolve("minimal.profile"));
        small.memoryMap().forEach(d -> stdout.println("    " + ProfileWriter.descriptorLine(d)));
        if (!small.placement().params().isEmpty() || !small.quirks().isEmpty()) {
            stdout.println("    placement: " + small.placement() + (small.quirks().isEmpty() ? "" : "; quirks: " + small.quirks()));
        }
        minimal.report().reasons().forEach(r -> stdout.println("  " + r));
        stdout.printf("report: %s (index.html, report.json, report.md); reproduce: %s%n", out.toAbsolutePath().normalize(),
                out.resolve("hunt.txt"));
        stdout.println(rate);
        stdout.flush();
        return 1;
    }

    private void writeFacts(Map<String, String> facts) throws java.io.IOException {
        StringBuilder sb = new StringBuilder("# efiemu hunt: what was found and how to reproduce it\n");
        facts.forEach((k, v) -> sb.append(k).append(": ").append(v).append('\n'));
        Files.writeString(out.resolve("hunt.txt"), sb.toString(), StandardCharsets.UTF_8);
    }

    /** The command that reproduces the outcome: a time budget becomes the scenario count it reached. */
    private String command(Strategy s, long seedValue, Hunt.Options o, Hunt.Outcome outcome) {
        List<String> args = new ArrayList<>(List.of("efiemu", "hunt", "--strategy", strategy, "--seed", Long.toString(seedValue),
                "--scenarios", Long.toString(o.time().isPresent() ? outcome.tried() : o.scenarios()), "--verdict",
                o.threshold().name(), "--min-descriptors", Integer.toString(minDescriptors), "--max-descriptors",
                Integer.toString(maxDescriptors), "--shrink-budget", Integer.toString(shrinkBudget)));
        if (reason != null) {
            args.addAll(List.of("--reason", reason.name()));
        }
        return String.join(" ", args);
    }

    /**
     * {@code v} with {@code decimals} digits after the point, as {@code String.format(Locale.ROOT, "%.<decimals>f", v)}
     * prints it (the shortest decimal form of {@code v}, rounded half up), for a non-negative finite {@code v}; other
     * values go to the Formatter. The hunt's progress and rate lines use it instead of the Formatter, whose first use
     * in a process reads the locale's number symbols (≈ 30 ms of CPU; the progress line prints it inside the listener
     * both workers call: docs/performance.md, "A short hunt's first second").
     */
    static String fixed(double v, int decimals) {
        if (!(v >= 0) || Double.isInfinite(v) || Double.doubleToRawLongBits(v) < 0) {
            return String.format(Locale.ROOT, "%." + decimals + "f", v);
        }
        return java.math.BigDecimal.valueOf(v).setScale(decimals, java.math.RoundingMode.HALF_UP).toPlainString();
    }

    static long parseSeed(String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        try {
            return t.startsWith("0x") ? Long.parseUnsignedLong(t.substring(2), 16) : Long.parseLong(t);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--seed '" + text + "': expected a 64-bit number, decimal or 0x-hex", e);
        }
    }

    /** {@code 30s}, {@code 5m}, {@code 1h}, {@code 500ms}, {@code 1h30m}, or ISO-8601 {@code PT30S}. */
    public static final class DurationConverter implements ITypeConverter<Duration> {
        private static final Pattern PART = Pattern.compile("(\\d+)(ms|s|m|h|d)");

        @Override
        public Duration convert(String value) {
            String v = value.strip().toLowerCase(Locale.ROOT);
            if (v.startsWith("p")) {
                try {
                    return Duration.parse(value.strip());
                } catch (java.time.format.DateTimeParseException e) {
                    throw new TypeConversionException("--time '" + value + "': " + e.getMessage());
                }
            }
            Matcher m = PART.matcher(v);
            Duration d = Duration.ZERO;
            int at = 0;
            while (m.find() && m.start() == at) {
                long n;
                try {
                    n = Long.parseLong(m.group(1));
                } catch (NumberFormatException e) {
                    throw new TypeConversionException("--time '" + value + "': number too large");
                }
                d = d.plus(switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    default -> Duration.ofDays(n);
                });
                at = m.end();
            }
            if (at != v.length() || v.isEmpty()) {
                throw new TypeConversionException("--time '" + value + "': expected a duration such as 30s, 5m, 1h, 500ms or PT30S");
            }
            return d;
        }
    }

    /** Progress on stderr: at most one line per second (redrawn on a terminal), then the shrink steps. */
    private static final class Progress implements Hunt.Listener {
        private final PrintWriter err;
        private final boolean terminal;
        private long lastPrint;

        Progress(PrintWriter err, boolean terminal) {
            this.err = err;
            this.terminal = terminal;
        }

        @Override
        public synchronized void tried(long tried, long elapsedNanos) {
            if (elapsedNanos - lastPrint < 1_000_000_000L) {
                return;
            }
            lastPrint = elapsedNanos;
            err.print((terminal ? "\r" : "") + "hunt: " + tried + " scenarios, " + fixed(tried * 1e9 / elapsedNanos, 0)
                    + " scenarios/s" + (terminal ? "" : "\n"));
            err.flush();
        }

        @Override
        public synchronized void shrinking(Hunt.Finding first) {
            err.printf(Locale.ROOT, "%shunt: scenario %d breaks it (%s, %d descriptors): shrinking%n", terminal ? "\r" : "",
                    first.index(), first.breakage(), first.machine().profile().memoryMap().size());
            err.flush();
        }

        @Override
        public synchronized void shrunk(int steps, int descriptors) {
            if (terminal) {
                err.printf(Locale.ROOT, "\rshrink step %d: %d descriptors   ", steps, descriptors);
                err.flush();
            }
        }

        synchronized void end() {
            if (terminal) {
                err.print("\r" + " ".repeat(60) + "\r");
                err.flush();
            }
        }
    }
}
