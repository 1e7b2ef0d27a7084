package org.efiemu.earlyalloc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.efiemu.core.clock.BlockCounter;
import org.efiemu.core.clock.BlockCountingException;
import org.efiemu.core.clock.InstructionCounting;
import org.efiemu.core.machine.StopReason;
import org.efiemu.core.machine.StopReport;
import org.efiemu.earlyalloc.report.Verdict;
import org.efiemu.platform.ProfileRegistry;
import org.efiemu.uefi.BootResult;
import org.efiemu.uefi.UefiMachine;
import org.efiemu.uefi.UefiMachineBuilder;
import org.efiemu.uefi.sanitizer.MemorySanitizer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The block instruction counter ({@link InstructionCounting#BLOCKS}, the default) must give exactly what the
 * per-instruction counter gives: the same instruction count, virtual time in every trace event, sanitizer findings
 * (with their RIPs), stop report and budget stops, on real payloads. Each scenario runs under both and everything
 * observable is compared as text.
 */
class InstructionCountingDifferentialTest {
    private static final List<String> PLATFORMS = List.of("ovmf-q35-2g", "dell-poweredge-r820", "ibm-system-x3550-m2",
            "lowalloc-firmware");

    @BeforeAll
    static void blockCounterIsAvailable() {
        assertThat(BlockCounter.unavailableReason()).as("the block counter must be in use for this comparison").isNull();
    }

    static Stream<Arguments> scenarios() {
        List<Arguments> out = new ArrayList<>();
        for (String platform : PLATFORMS) {
            for (String strategy : StrategyCatalog.builtInNames()) {
                out.add(Arguments.of(strategy, platform));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("scenarios")
    void everyBuiltInStrategyIsExactByBlockAndObservesTheSameRunUnderBothCounters(String strategy, String platform) {
        // the sanitizer's RIPs (mem-lower's findings on three of these profiles) are placed by block too
        Strategy s = StrategyCatalog.builtIn(strategy);
        Observed blocks = observe(platform, s.payloadBytes(), s.payloadName(), 0, InstructionCounting.BLOCKS, true);
        Observed perInstruction = observe(platform, s.payloadBytes(), s.payloadName(), 0,
                InstructionCounting.PER_INSTRUCTION, true);
        assertThat(perInstruction.positionsExact()).isTrue();
        assertThat(blocks.positionsExact()).isTrue();
        assertThat(blocks.text()).isEqualTo(perInstruction.text());
        assertThat(blocks.text()).contains("instructions=");
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("scenarios")
    void theScenarioRunnerReportsExactlyWhatCountingPerInstructionReports(String strategy, String platform) {
        Scenario scenario = Scenario.of(ProfileRegistry.builtIn(platform), StrategyCatalog.builtIn(strategy));
        ScenarioResult fast = runner(InstructionCounting.BLOCKS).run(scenario);
        ScenarioResult exact = runner(InstructionCounting.PER_INSTRUCTION).run(scenario);
        assertThat(fast.report()).isEqualTo(exact.report());
        assertThat(fast.observation().toString()).isEqualTo(exact.observation().toString());
    }

    @Test
    void memLowerOnOvmfIsExactByBlockWithTheSanitizersRipsAndObservesWhatCountingPerInstructionObserves() {
        // its sanitizer findings carry the RIP of each flagged write (protection faults and watched-page write hooks)
        Strategy s = StrategyCatalog.builtIn("mem-lower");
        Observed blocks = observe("ovmf-q35-2g", s.payloadBytes(), s.payloadName(), 0, InstructionCounting.BLOCKS, true);
        Observed perInstruction = observe("ovmf-q35-2g", s.payloadBytes(), s.payloadName(), 0,
                InstructionCounting.PER_INSTRUCTION, true);
        assertThat(perInstruction.protectionFaults()).isPositive();
        assertThat(perInstruction.text()).contains("\"rip\"");
        assertThat(blocks.positionsExact()).as("every RIP read in a write hook was placed").isTrue();
        assertThat(blocks.text()).isEqualTo(perInstruction.text());
        Scenario scenario = Scenario.of(ProfileRegistry.builtIn("ovmf-q35-2g"), s);
        ScenarioResult fast = runner(InstructionCounting.BLOCKS).run(scenario);
        ScenarioResult exact = runner(InstructionCounting.PER_INSTRUCTION).run(scenario);
        assertThat(fast.report().violations()).as("mem-lower writes memory it does not own here").isNotEmpty();
        assertThat(fast.report()).isEqualTo(exact.report());
        assertThat(fast.observation().toString()).isEqualTo(exact.observation().toString());
    }

    @Test
    void aStrategyStoringIntoTheBlockItRunsIsReportedAsCountingPerInstructionReportsIt() {
        StrategyDescriptor d = StrategyDescriptor.parse("""
                name: smc-efi-pool
                payload: classpath:payloads/smc-efi-pool.efi
                source: early-alloc/src/test/c/smc-efi-pool/
                description: efi-pool after a store into a later instruction of the block being run
                seed: none
                image-cost: none
                load-address: firmware
                """, "test");
        Strategy s = new Strategy(d, "smc-efi-pool.efi", resource("/payloads/smc-efi-pool.efi"));
        assertThatThrownBy(() -> observe("ovmf-q35-2g", s.payloadBytes(), s.payloadName(), 0, InstructionCounting.BLOCKS,
                true)).as("counting by block alone cannot count this run").isInstanceOf(BlockCountingException.class);
        Scenario scenario = Scenario.of(ProfileRegistry.builtIn("ovmf-q35-2g"), s);
        ScenarioRunner runner = runner(InstructionCounting.BLOCKS);
        ScenarioResult fast = runner.run(scenario);
        ScenarioResult exact = runner(InstructionCounting.PER_INSTRUCTION).run(scenario);
        assertThat(exact.report().observed()).isEqualTo(Verdict.PASS);
        assertThat(fast.report()).isEqualTo(exact.report());
        assertThat(fast.observation().toString()).isEqualTo(exact.observation().toString());
        // the runner now goes per instruction at once for this scenario, with the same result
        ScenarioResult again = runner.run(scenario);
        assertThat(again.report()).isEqualTo(exact.report());
        assertThat(again.observation().toString()).isEqualTo(exact.observation().toString());
    }

    private static ScenarioRunner runner(InstructionCounting counting) {
        return new ScenarioRunner(ExpectedVerdicts.builtIn(), CostMeter.builtIn(),
                java.time.Duration.ofSeconds(60), true, counting);
    }

    @Test
    void theOvmfProbeObservesTheSameRunUnderBothCounters() {
        byte[] probe = resource("/payloads/ovmf-probe.efi");
        Observed blocks = observe("ovmf-q35-2g", probe, "BOOTX64.EFI", 0, InstructionCounting.BLOCKS, false);
        Observed perInstruction = observe("ovmf-q35-2g", probe, "BOOTX64.EFI", 0, InstructionCounting.PER_INSTRUCTION,
                false);
        assertThat(blocks.positionsExact()).isTrue();
        assertThat(blocks.text()).isEqualTo(perInstruction.text());
        assertThat(blocks.text()).contains("RESET");
    }

    @Test
    void budgetsEndingAnywhereStopAtTheSameInstructionUnderBothCounters() {
        Strategy s = StrategyCatalog.builtIn("efi-pool");
        String full = observe("ovmf-q35-2g", s.payloadBytes(), s.payloadName(), 0, InstructionCounting.PER_INSTRUCTION,
                true).text();
        long total = Long.parseLong(full.replaceAll("(?s).*instructions=(\\d+).*", "$1"));
        assertThat(total).isGreaterThan(1000);
        // budgets spread over the whole run: primes and neighbours land inside blocks, at their starts and ends
        List<Long> budgets = new ArrayList<>(List.of(1L, 2L, 3L, 5L, 7L, 11L, 13L, 97L, 101L, 1009L));
        for (int i = 1; i <= 24; i++) {
            long b = total * i / 25;
            budgets.addAll(List.of(b - 1, b, b + 1));
        }
        for (long budget : budgets) {
            Observed blocks = observe("ovmf-q35-2g", s.payloadBytes(), s.payloadName(), budget,
                    InstructionCounting.BLOCKS, true);
            Observed perInstruction = observe("ovmf-q35-2g", s.payloadBytes(), s.payloadName(), budget,
                    InstructionCounting.PER_INSTRUCTION, true);
            assertThat(blocks.positionsExact()).as("budget %d", budget).isTrue();
            assertThat(blocks.text()).as("budget %d", budget).isEqualTo(perInstruction.text());
            assertThat(blocks.text()).as("budget %d", budget).contains("reason=" + StopReason.BUDGET);
        }
    }

    private record Observed(String text, boolean positionsExact, long protectionFaults) {
    }

    /** Everything a scenario shows, as text. */
    private static Observed observe(String platform, byte[] payload, String name, long budget, InstructionCounting counting,
            boolean sanitize) {
        UefiMachineBuilder b = UefiMachine.builder(Platforms.describe(ProfileRegistry.builtIn(platform)).description())
                .payload(payload, name).instructionCounting(counting);
        if (budget > 0) {
            b.instructionBudget(budget);
        }
        try (UefiMachine m = b.build(); MemorySanitizer sanitizer = sanitize ? MemorySanitizer.attach(m) : null) {
            assertThat(m.machine().clock().counting()).isEqualTo(counting);
            BootResult r = m.run();
            StringBuilder sb = new StringBuilder();
            sb.append(r).append('\n');
            sb.append("virtualNanos=").append(r.virtualNanos()).append('\n');
            sb.append(stopReport(r.stopReport())).append('\n');
            sb.append("console:\n").append(r.consoleText()).append('\n');
            sb.append("trace:\n").append(m.trace().toJsonLines()).append('\n');
            if (sanitizer != null) {
                sb.append("sanitizer: ").append(sanitizer.report()).append('\n').append(sanitizer.report().toJsonLines())
                        .append('\n');
            }
            sb.append("clock: instructions=").append(m.machine().clock().instructions()).append(" cycles=")
                    .append(m.machine().clock().cycles()).append('\n');
            return new Observed(sb.toString(), m.machine().positionsExact(),
                    sanitizer == null ? -1 : sanitizer.report().protectionFaults());
        }
    }

    static String stopReport(StopReport s) {
        return String.format("stop reason=%s detail=%s rip=0x%X label=%s bytes=%s registers=%s recent=%s instructions=%d "
                        + "cycles=%d return=%s", s.reason(), s.detail(), s.rip(), s.ripLabel(),
                HexFormat.of().formatHex(s.bytesAtRip()), s.registers(), s.recentCalls(), s.instructions(), s.cycles(),
                s.returnValue());
    }

    private static byte[] resource(String path) {
        try (InputStream in = InstructionCountingDifferentialTest.class.getResourceAsStream(path)) {
            assertThat(in).as(path + " on the class path").isNotNull();
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
