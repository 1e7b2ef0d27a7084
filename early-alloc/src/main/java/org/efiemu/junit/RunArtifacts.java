package org.efiemu.junit;

import com.google.common.io.MoreFiles;
import com.google.common.io.RecursiveDeleteOption;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.efiemu.earlyalloc.CostMeter;
import org.efiemu.earlyalloc.Judgement;
import org.efiemu.earlyalloc.MatrixRunner;
import org.efiemu.earlyalloc.Observation;
import org.efiemu.earlyalloc.Observations;
import org.efiemu.earlyalloc.Scenario;
import org.efiemu.earlyalloc.ScenarioResult;
import org.efiemu.earlyalloc.ScenarioRunner;
import org.efiemu.earlyalloc.Strategy;
import org.efiemu.earlyalloc.StrategyCatalog;
import org.efiemu.earlyalloc.StrategyDescriptor;
import org.efiemu.earlyalloc.VerdictEngine;
import org.efiemu.earlyalloc.report.MapRegion;
import org.efiemu.earlyalloc.report.ScenarioReport;
import org.efiemu.earlyalloc.report.TraceLine;
import org.efiemu.earlyalloc.report.ScenarioPageHtml;
import org.efiemu.earlyalloc.report.Report;
import org.efiemu.platform.MapPicture;
import org.efiemu.uefi.BootResult;
import org.efiemu.uefi.UefiMachine;
import org.efiemu.uefi.protocol.Screenshot;
import org.efiemu.uefi.sanitizer.SanitizerReport;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.efiemu.uefi.trace.ServiceCallEvent;
import org.efiemu.uefi.trace.ServiceTrace;

/**
 * The files kept for a run: {@code trace.jsonl} (one service call a line, {@link ServiceTrace#toJson}),
 * {@code memory-map.txt} (the map the OS received, or the map at the stop when ExitBootServices did not succeed, as
 * a table and pictures), {@code run.txt} (how the run ended, the sanitizer's summary and the console text),
 * {@code sanitizer.jsonl} (the memory-ownership sanitizer's findings, one JSON object a line, when it watched the run)
 * {@code framebuffer.png}, {@code console.txt} and {@code console.png} (the display at the run's end) and
 * {@code memory.html}: this run's report page (memory picture, allocations, sanitizer findings, verdict and
 * evidence), for any payload, judged from what the run observed.
 */
final class RunArtifacts {
    static final String TRACE = "trace.jsonl";
    static final String MAP = "memory-map.txt";
    static final String RUN = "run.txt";
    static final String PICTURE = "memory.html";
    static final String FINDINGS = "sanitizer.jsonl";
    static final String FRAMEBUFFER = "framebuffer.png";
    static final String CONSOLE_TEXT = "console.txt";
    static final String CONSOLE_PICTURE = "console.png";

    private RunArtifacts() {
    }

    /** Writes the run's files into its folder (emptied first); returns the folder. */
    static Path write(EfiemuRun run) {
        Path dir = run.artifactsDirectory();
        UefiMachine machine = run.builtMachine();
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
                    + "\n\n" + run.sanitizerReport().map(Object::toString).orElse("sanitizer off")
                    + "\n\nconsole:\n" + result.map(BootResult::consoleText).orElse(""), StandardCharsets.UTF_8);
            Optional<SanitizerReport> sanitizer = run.sanitizerReport();
            if (sanitizer.isPresent()) {
                Files.writeString(dir.resolve(FINDINGS), sanitizer.get().toJsonLines(), StandardCharsets.UTF_8);
            }
            runPage(run).ifPresent(html -> write(dir.resolve(PICTURE), html));
            screenshots(dir, machine, result);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the run's files to " + dir, e);
        }
        return dir;
    }

    /**
     * The display at the run's end: {@code framebuffer.png} (when the machine has a GOP), {@code console.txt} and
     * {@code console.png} (the text screen the ConOut output leaves, {@link Screenshot}).
     */
    private static void screenshots(Path dir, UefiMachine machine, Optional<BootResult> result) throws IOException {
        var console = machine.platform().console();
        String conOut = result.map(r -> r.console().text(org.efiemu.uefi.protocol.ConsoleListener.Source.CON_OUT))
                .orElse("");
        List<String> screen = Screenshot.textScreen(conOut, console.columns(), console.rows());
        Files.writeString(dir.resolve(CONSOLE_TEXT), String.join("\n", screen) + "\n", StandardCharsets.UTF_8);
        Files.write(dir.resolve(CONSOLE_PICTURE), Screenshot.textPng(screen, console.columns()));
        if (machine.graphics().isPresent()) {
            Files.write(dir.resolve(FRAMEBUFFER), Screenshot.framebufferPng(machine.graphics().get()));
        }
    }

    /**
     * The report page of this very run (memory picture with the payload's allocations, trampoline, map buffer and the
     * sanitizer's findings, verdict and evidence), judged by the {@link VerdictEngine} from what the run observed; for
     * any payload: one that is not a built-in strategy is described as an ad-hoc strategy named after its file.
     */
    private static Optional<String> runPage(EfiemuRun run) {
        Optional<BootResult> result = run.result();
        if (result.isEmpty()) {
            return Optional.empty();
        }
        String file = run.settings().payloadName();
        String name = file.replaceFirst("\\.efi$", "").toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-")
                .replaceFirst("^[^a-z0-9]+", "");
        Strategy strategy = StrategyCatalog.builtInNames().contains(name) ? StrategyCatalog.builtIn(name)
                : new Strategy(new StrategyDescriptor(name.isEmpty() ? "payload" : name, file, "payload of an @EfiemuTest",
                        "", "", "", OptionalLong.empty(), "@EfiemuTest"), file, run.settings().payload());
        UefiMachine machine = run.builtMachine();
        BootResult r = result.get();
        List<MemoryDescriptor> now = r.finalMap().isPresent() ? List.of() : machine.memoryMap().getMemoryMap().descriptors();
        Observation o = Observations.of(run.description(), r, now,
                run.sanitizerReport().map(Observations::findings).orElse(null));
        Judgement j = new VerdictEngine(CostMeter.builtIn()).judge(o, strategy);
        Scenario scenario = Scenario.of(run.profile(), strategy);
        ScenarioReport sr = new ScenarioReport(run.profile().name(), strategy.name(), Map.of(), j.verdict(),
                ScenarioRunner.standard().expected(scenario), j.reasons(), j.allocations(), j.trampoline(), j.mapBuffer(),
                j.violations(), o.finalMap().stream().map(d -> MapRegion.of(d.typeName(), d.physicalStart(),
                        d.numberOfPages(), d.attribute())).toList(),
                o.calls().stream().map(c -> new TraceLine(c.virtualNanos(), c.summary() + "  [" + c.caller()
                        + (c.afterExitBootServices() ? ", after ExitBootServices" : "") + "]")).toList(),
                o.console(), j.costs());
        Report report = new MatrixRunner.MatrixResult(List.of(run.profile()), List.of(strategy),
                List.of(new ScenarioResult(scenario, sr, o, 0)), 0).toReport("efiemu: " + file + " on "
                + run.platformName(), "test", "@EfiemuTest", Map.of("payload", file), CostMeter.builtIn());
        return Optional.of(ScenarioPageHtml.standalone(report, report.scenarios().get(0)));
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
