package org.efiemu.junit;

import com.google.common.io.MoreFiles;
import com.google.common.io.RecursiveDeleteOption;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.efiemu.earlyalloc.CostMeter;
import org.efiemu.earlyalloc.MatrixRunner;
import org.efiemu.earlyalloc.Scenario;
import org.efiemu.earlyalloc.ScenarioResult;
import org.efiemu.earlyalloc.ScenarioRunner;
import org.efiemu.earlyalloc.Strategy;
import org.efiemu.earlyalloc.StrategyCatalog;
import org.efiemu.earlyalloc.report.HtmlReport;
import org.efiemu.earlyalloc.report.Report;
import org.efiemu.platform.MapPicture;
import org.efiemu.uefi.BootResult;
import org.efiemu.uefi.UefiMachine;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.efiemu.uefi.trace.ServiceCallEvent;
import org.efiemu.uefi.trace.ServiceTrace;

/**
 * The files kept for a run: {@code trace.jsonl} (one service call a line, {@link ServiceTrace#toJson}),
 * {@code memory-map.txt} (the map the OS received, or the map at the stop when ExitBootServices did not succeed, as
 * a table and pictures), {@code run.txt} (how the run ended and the console text) and, when the payload is one of
 * the seed's strategies, {@code memory.html}: the report page of that strategy on that platform (memory picture,
 * allocations, verdict and evidence), produced by the scenario runner re-running it deterministically.
 */
final class RunArtifacts {
    static final String TRACE = "trace.jsonl";
    static final String MAP = "memory-map.txt";
    static final String RUN = "run.txt";
    static final String PICTURE = "memory.html";

    private RunArtifacts() {
    }

    /** Writes the run's files into its folder (emptied first); returns the folder. */
    static Path write(EfiemuRun run) {
        Path dir = run.artifactsDirectory();
        UefiMachine machine = run.machine();
        Optional<BootResult> result = run.result();
        List<ServiceCallEvent> trace = result.map(BootResult::trace).orElseGet(() -> machine.trace().events());
        List<MemoryDescriptor> map = result.flatMap(BootResult::finalMap).map(s -> s.descriptors())
                .orElseGet(() -> machine.memoryMap().getMemoryMap().descriptors());
        boolean finalMap = result.flatMap(BootResult::finalMap).isPresent() || machine.state().finalMap().isPresent();
        try {
            delete(dir);
            Files.createDirectories(dir);
            StringBuilder jsonl = new StringBuilder();
            trace.forEach(e -> jsonl.append(ServiceTrace.toJson(e)).append('\n'));
            Files.writeString(dir.resolve(TRACE), jsonl, StandardCharsets.UTF_8);
            Files.writeString(dir.resolve(MAP), (finalMap ? "memory map handed to the OS at ExitBootServices"
                    : "memory map when the run stopped (ExitBootServices did not succeed)") + " on " + run.platformName()
                    + ", " + map.size() + " descriptors\n\n" + MapPicture.table(map) + "\n" + MapPicture.pictures(map),
                    StandardCharsets.UTF_8);
            Files.writeString(dir.resolve(RUN), "payload " + run.settings().payloadName() + " on " + run.platformName()
                    + "\n" + result.map(BootResult::toString).orElse("the test built the machine; no BootResult recorded")
                    + "\n\nconsole:\n" + result.map(BootResult::consoleText).orElse(""), StandardCharsets.UTF_8);
            strategyPage(run).ifPresent(html -> write(dir.resolve(PICTURE), html));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the run's files to " + dir, e);
        }
        return dir;
    }

    /** The strategy's report page, when the payload is one of the built-in strategies ({@code efi-pool.efi}). */
    private static Optional<String> strategyPage(EfiemuRun run) {
        String name = run.settings().payloadName().replaceFirst("\\.efi$", "");
        if (!StrategyCatalog.builtInNames().contains(name)) {
            return Optional.empty();
        }
        Strategy strategy = StrategyCatalog.builtIn(name);
        ScenarioResult r = ScenarioRunner.standard().run(Scenario.of(run.profile(), strategy));
        Report report = new MatrixRunner.MatrixResult(List.of(run.profile()), List.of(strategy), List.of(r),
                r.durationMicros()).toReport("efiemu: " + name + " on " + run.platformName(), "test",
                "@EfiemuTest", Map.of("payload", run.settings().payloadName()), CostMeter.builtIn());
        return Optional.of(HtmlReport.render(report));
    }

    private static void write(Path file, String text) {
        try {
            Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** Removes a run's folder and what is in it, if it exists. */
    static void delete(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try {
            MoreFiles.deleteRecursively(dir, RecursiveDeleteOption.ALLOW_INSECURE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + dir, e);
        }
    }
}
