package org.efiemu.earlyalloc.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.efiemu.earlyalloc.CostMeter;
import org.efiemu.earlyalloc.ExpectedVerdicts;
import org.efiemu.earlyalloc.MatrixRunner;
import org.efiemu.earlyalloc.Scenario;
import org.efiemu.earlyalloc.ScenarioOptions;
import org.efiemu.earlyalloc.ScenarioResult;
import org.efiemu.earlyalloc.ScenarioRunner;
import org.efiemu.earlyalloc.Strategy;
import org.efiemu.earlyalloc.report.Report;
import org.efiemu.earlyalloc.report.ReportFiles;
import org.efiemu.earlyalloc.report.ScenarioReport;
import org.efiemu.platform.PlatformProfile;
import org.efiemu.platform.ProfileRegistry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code efiemu matrix}: every selected strategy on every selected platform, in parallel; a progress bar on stderr, the
 * verdict table on stdout, index.html / report.json / report.md in the output folder. Exit status 1 when an observed
 * verdict differs from the expected one (the built-in expectations, with a user's {@code --expected FILE} over them).
 */
@Command(name = "matrix", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Run strategies x platforms, print the verdict table, write index.html, report.json and report.md.",
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {
                "0:every scenario's verdict is the expected one",
                "1:some verdict differs from the expected one (MISMATCH lines name them), or efiemu failed",
                "2:bad input: an unknown option, platform or strategy, an unreadable or malformed file"})
public final class MatrixCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--platform", paramLabel = "P", description = "platform name or profile file (repeatable; default: all built-in)")
    List<String> platforms = new ArrayList<>();

    @Option(names = "--strategy", paramLabel = "S", description = "strategy name or .strategy file (repeatable; default: all built-in)")
    List<String> strategies = new ArrayList<>();

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "efiemu-report", description = "report folder (default: ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--fresh-engines", description = "open a new Unicorn engine for every scenario instead of one kept engine per job (slower; the same report)")
    boolean freshEngines;

    @Option(names = "--jobs", paramLabel = "N", description = "scenarios in parallel (default: available cores)")
    Integer jobs;

    @Option(names = "--extra-map-entries", paramLabel = "N", defaultValue = "0",
            description = "grow every platform's memory map by N descriptors (default: ${DEFAULT-VALUE})")
    int extraMapEntries;

    @Option(names = "--expected", paramLabel = "FILE",
            description = "expected verdicts, one '<strategy> <platform> <PASS|WARN|FAIL> <reason>' line each, '#' comments; "
                    + "they take precedence over the built-in ones; a scenario expected nowhere is expected to PASS")
    Path expectedFile;

    @Option(names = "--shard", paramLabel = "I/N", description = "run only shard I of N (a stable split of the scenarios; "
            + "merge the N report folders with 'efiemu report merge')")
    String shard;

    @Option(names = "--disk", paramLabel = "IMAGE", description = "a raw disk image every scenario's machine serves "
            + "(BlockIo, DiskIo, partitions, FAT; never written); repeatable")
    List<java.nio.file.Path> disks = new java.util.ArrayList<>();

    @Option(names = "--profile-dir", paramLabel = "DIR", description = "user profile folder (default: $EFIEMU_HOME/profiles, else ~/.config/efiemu/profiles)")
    Path profileDir;

    @Override
    public Integer call() throws Exception {
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter stderr = spec.commandLine().getErr();
        ProfileRegistry registry = profileDir != null ? new ProfileRegistry(profileDir) : ProfileRegistry.standard();
        List<PlatformProfile> ps = Selection.platforms(platforms, registry);
        List<Strategy> ss = Selection.strategies(strategies);
        int n = jobs != null ? jobs : Runtime.getRuntime().availableProcessors();
        if (n < 1) {
            throw new IllegalArgumentException("--jobs must be at least 1, got " + n);
        }
        ExpectedVerdicts expected = ExpectedVerdicts.builtIn();
        if (expectedFile != null) {
            expected = expected.overriddenBy(ExpectedVerdicts.read(expectedFile));
        }
        ScenarioOptions options = ScenarioOptions.defaults().withExtraMapEntries(extraMapEntries);
        List<Scenario> scenarios = MatrixRunner.cross(ps, ss, options);
        org.efiemu.earlyalloc.Shard part = shard == null ? null : org.efiemu.earlyalloc.Shard.parse(shard);
        if (part != null) {
            scenarios = part.select(scenarios);
        }
        ProgressBar progress = new ProgressBar(stderr, scenarios.size(), System.console() != null);
        CostMeter costs = CostMeter.builtIn();
        MatrixRunner.MatrixResult result = new MatrixRunner(ScenarioRunner.standard(expected).disks(checkedDisks()), n)
                .reuseEngines(!freshEngines).run(ps, ss, scenarios, progress::finished);
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("platforms", String.join(",", ps.stream().map(PlatformProfile::name).toList()));
        settings.put("strategies", String.join(",", ss.stream().map(Strategy::name).toList()));
        List<String> notes = ps.stream().map(p -> org.efiemu.earlyalloc.Platforms.describe(p).note())
                .flatMap(java.util.Optional::stream).toList();
        if (!notes.isEmpty()) {
            settings.put("platform-adjustments", String.join("; ", notes));
        }
        if (expectedFile != null) {
            settings.put("expected", expectedFile.toString());
        }
        if (extraMapEntries > 0) {
            settings.put("extra-map-entries", Integer.toString(extraMapEntries));
        }
        if (part != null) {
            settings.put("shard", part.toString());
        }
        Report report = result.toReport("efiemu early-allocator matrix", VersionProvider.efiemuVersion(),
                part == null ? "efiemu matrix" : "efiemu matrix --shard " + part, settings, costs);
        ReportFiles.write(report, out);
        stdout.print(VerdictTable.render(report));
        for (ScenarioResult r : result.mismatches()) {
            ScenarioReport s = r.report();
            stdout.printf("MISMATCH %s: observed %s, expected %s (%s)%n", s.id(), s.observed(), s.expected().verdict(),
                    s.expected().reason());
            s.reasons().forEach(x -> stdout.println("    " + x));
        }
        stdout.printf("report: %s (index.html, report.json, report.md); %d scenarios in %.2f s with %d jobs%n",
                out.toAbsolutePath().normalize(), scenarios.size(), result.totalMicros() / 1e6, n);
        stdout.flush();
        return result.mismatches().isEmpty() ? 0 : 1;
    }

    private List<java.nio.file.Path> checkedDisks() {
        for (java.nio.file.Path d : disks) {
            if (!java.nio.file.Files.isRegularFile(d)) {
                throw new IllegalArgumentException("--disk " + d + (java.nio.file.Files.exists(d) ? " is not a regular file"
                        : " does not exist"));
            }
        }
        return disks;
    }
}
