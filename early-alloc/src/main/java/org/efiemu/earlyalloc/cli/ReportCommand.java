package org.efiemu.earlyalloc.cli;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.efiemu.earlyalloc.report.JsonReport;
import org.efiemu.earlyalloc.report.Report;
import org.efiemu.earlyalloc.report.ReportFiles;
import org.efiemu.earlyalloc.report.ReportMerge;
import org.efiemu.earlyalloc.report.ScenarioReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code efiemu report}: work with report folders; {@code merge} makes one report from matrix shards. */
@Command(name = "report", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Work with report folders.", subcommands = ReportCommand.Merge.class)
public final class ReportCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing command: merge (see efiemu report --help)");
    }

    /**
     * {@code efiemu report merge DIR... --out DIR}: reads each folder's report.json (the model), merges them and writes
     * report.json, report.md and index.html anew; prints the verdict table. Exit 1 when an observed verdict differs from
     * the expected one (as {@code matrix}), 2 for bad input.
     */
    @Command(name = "merge", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
            description = "Merge the report folders of matrix shards (efiemu matrix --shard I/N) into one report.")
    static final class Merge implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(arity = "1..*", paramLabel = "DIR", description = "report folders (each with report.json)")
        List<Path> folders;

        @Option(names = "--out", paramLabel = "DIR", defaultValue = "efiemu-report", description = "merged report folder (default: ${DEFAULT-VALUE})")
        Path out;

        @Override
        public Integer call() throws Exception {
            PrintWriter stdout = spec.commandLine().getOut();
            List<ReportMerge.Part> parts = new ArrayList<>();
            for (Path dir : folders) {
                Path json = dir.resolve(ReportFiles.JSON);
                String text;
                try {
                    text = Files.readString(json, StandardCharsets.UTF_8);
                } catch (NoSuchFileException e) {
                    throw new IllegalArgumentException(json + ": no report.json (expected a folder written by efiemu matrix)", e);
                }
                try {
                    parts.add(new ReportMerge.Part(dir.toString(), JsonReport.parse(text)));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(json + ": " + e.getMessage(), e);
                }
            }
            List<String> command = new ArrayList<>(List.of("efiemu", "report", "merge"));
            folders.forEach(f -> command.add(f.toString()));
            Report merged = ReportMerge.merge(parts, String.join(" ", command));
            ReportFiles.write(merged, out);
            stdout.print(VerdictTable.render(merged));
            for (ScenarioReport s : merged.mismatches()) {
                stdout.printf("MISMATCH %s: observed %s, expected %s (%s)%n", s.id(), s.observed(), s.expected().verdict(),
                        s.expected().reason());
            }
            stdout.printf("report: %s (index.html, report.json, report.md); %d scenarios from %d folders%n",
                    out.toAbsolutePath().normalize(), merged.scenarios().size(), folders.size());
            stdout.flush();
            return merged.mismatches().isEmpty() ? 0 : 1;
        }
    }
}
