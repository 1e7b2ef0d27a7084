package org.efiemu.uefi.parallel;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.efiemu.uefi.BootResult;
import org.efiemu.uefi.TestPlatforms;
import org.efiemu.uefi.UefiMachine;
import org.efiemu.uefi.sanitizer.MemorySanitizer;
import org.efiemu.uefi.sanitizer.SanitizerReport;
import org.junit.jupiter.api.Test;

/**
 * Machines running at the same time in one JVM must not disturb each other: every run of a scenario on many threads
 * gives exactly what the same scenario gives alone (outcome, stop reason, status, console, the whole trace as JSON
 * lines and the sanitizer's findings). Bounded for CI by default (4 threads x 50 runs);
 * {@code -Defiemu.stress.threads=8 -Defiemu.stress.runs=2000} for a long run.
 */
class ParallelMachinesStressTest {
    private static final int THREADS = Integer.getInteger("efiemu.stress.threads", 4);
    private static final int RUNS = Integer.getInteger("efiemu.stress.runs", 50);

    /** One scenario: a payload of this module with its LoadOptions, booted with a MemorySanitizer attached. */
    record Scenario(String payload, String options) {}

    private static final List<Scenario> SCENARIOS = List.of(
            new Scenario("services", "return"),
            new Scenario("services", "ebs"),
            new Scenario("sanitize-bs-data", ""),
            new Scenario("sanitize-free", ""),
            new Scenario("sanitize-loop", ""),
            new Scenario("svc-events", ""));

    /** Everything a run produces that must not depend on other machines. */
    static String fingerprint(Scenario s) {
        Path payload = TestPlatforms.payload(s.payload());
        try (UefiMachine m = UefiMachine.builder(TestPlatforms.ovmfQ35()).payload(payload).loadOptions(s.options())
                .build(); MemorySanitizer sanitizer = MemorySanitizer.attach(m)) {
            BootResult r = m.run();
            SanitizerReport report = sanitizer.report();
            return r.outcome() + " " + r.stopReport().reason() + " " + r.statusName().orElse("-") + "\n"
                    + r.stopReport().detail() + "\n" + r.stopReport() + "\n" + r.consoleText() + "\n" + m.trace().toJsonLines() + "\n"
                    + report.toJsonLines();
        }
    }

    @Test
    void machinesOnManyThreadsGiveExactlyTheSingleThreadedResults() throws Exception {
        List<String> reference = new ArrayList<>();
        for (Scenario s : SCENARIOS) reference.add(fingerprint(s));
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<String>> runs = new ArrayList<>();
            for (int i = 0; i < RUNS; i++) {
                Scenario s = SCENARIOS.get(i % SCENARIOS.size());
                runs.add(pool.submit(() -> fingerprint(s)));
            }
            List<String> differences = new ArrayList<>();
            for (int i = 0; i < RUNS; i++) {
                String got = runs.get(i).get();
                String want = reference.get(i % SCENARIOS.size());
                if (!got.equals(want)) {
                    differences.add("run " + i + " " + SCENARIOS.get(i % SCENARIOS.size()) + ": "
                            + got.substring(0, Math.min(2000, got.length())));
                }
            }
            assertThat(differences).as("%d machines on %d threads", RUNS, THREADS).isEmpty();
        } finally {
            pool.shutdownNow();
        }
    }
}
