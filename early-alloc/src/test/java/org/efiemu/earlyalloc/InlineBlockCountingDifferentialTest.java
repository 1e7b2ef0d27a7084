package org.efiemu.earlyalloc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.efiemu.core.clock.BlockCounter;
import org.efiemu.core.clock.InlineBlockCounting;
import org.efiemu.core.clock.InstructionCounting;
import org.efiemu.core.machine.StopReason;
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
 * Blocks counted inline ({@link InlineBlockCounting}, the default with Debian's libunicorn2) against the counter's
 * hook called at every block, on real payloads: the same instruction count, blocks, virtual time in every trace event,
 * sanitizer findings with their RIPs, console, stop report and budget stops, compared as text.
 */
class InlineBlockCountingDifferentialTest {
    private static final List<String> PLATFORMS = List.of("ovmf-q35-2g", "dell-poweredge-r820");

    @BeforeAll
    static void inlineCountingIsAvailable() {
        assertThat(BlockCounter.unavailableReason()).isNull();
        assertThat(InlineBlockCounting.status().active()).as("%s", InlineBlockCounting.status()).isTrue();
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
    void everyBuiltInStrategyObservesTheSameRunInlineAndByTheHookCall(String strategy, String platform) {
        Strategy s = StrategyCatalog.builtIn(strategy);
        String inline = observe(platform, s.payloadBytes(), s.payloadName(), 0, true);
        String called = observe(platform, s.payloadBytes(), s.payloadName(), 0, false);
        assertThat(called).isEqualTo(inline).contains("instructions=");
    }

    @Test
    void budgetsEndingAnywhereStopAtTheSameInstructionInlineAndByTheHookCall() {
        Strategy s = StrategyCatalog.builtIn("efi-pool");
        String full = observe("ovmf-q35-2g", s.payloadBytes(), s.payloadName(), 0, false);
        long total = Long.parseLong(full.replaceAll("(?s).*clock: instructions=(\\d+).*", "$1"));
        assertThat(total).isGreaterThan(1000);
        List<Long> budgets = new ArrayList<>(List.of(1L, 2L, 3L, 5L, 7L, 11L, 13L, 97L, 101L, 1009L));
        for (int i = 1; i <= 24; i++) {
            long b = total * i / 25;
            budgets.addAll(List.of(b - 1, b, b + 1));
        }
        for (long budget : budgets) {
            String inline = observe("ovmf-q35-2g", s.payloadBytes(), s.payloadName(), budget, true);
            String called = observe("ovmf-q35-2g", s.payloadBytes(), s.payloadName(), budget, false);
            assertThat(inline).as("budget %d", budget).isEqualTo(called).contains("reason=" + StopReason.BUDGET);
        }
    }

    @Test
    void theOvmfProbeObservesTheSameRunInlineAndByTheHookCall() throws Exception {
        byte[] probe;
        try (var in = InlineBlockCountingDifferentialTest.class.getResourceAsStream("/payloads/ovmf-probe.efi")) {
            assertThat(in).isNotNull();
            probe = in.readAllBytes();
        }
        String inline = observe("ovmf-q35-2g", probe, "BOOTX64.EFI", 0, true);
        assertThat(observe("ovmf-q35-2g", probe, "BOOTX64.EFI", 0, false)).isEqualTo(inline).contains("RESET");
    }

    /** Everything a run shows, as text. */
    private static String observe(String platform, byte[] payload, String name, long budget, boolean inline) {
        UefiMachineBuilder b = UefiMachine.builder(Platforms.describe(ProfileRegistry.builtIn(platform)).description())
                .payload(payload, name).instructionCounting(InstructionCounting.BLOCKS).inlineBlockCounting(inline);
        if (budget > 0) {
            b.instructionBudget(budget);
        }
        try (UefiMachine m = b.build(); MemorySanitizer sanitizer = MemorySanitizer.attach(m)) {
            BlockCounter counter = m.machine().clock().blockCounter();
            assertThat(counter.inline()).as("the builder's inlineBlockCounting(%s)", inline).isEqualTo(inline);
            BootResult r = m.run();
            if (inline) assertThat(counter.inlineTranslations()).isPositive();
            else assertThat(counter.inlineTranslations()).isZero();
            return r + "\n" + "virtualNanos=" + r.virtualNanos() + "\n"
                    + InstructionCountingDifferentialTest.stopReport(r.stopReport()) + "\nconsole:\n" + r.consoleText()
                    + "\ntrace:\n" + m.trace().toJsonLines() + "\nsanitizer: " + sanitizer.report() + "\n"
                    + sanitizer.report().toJsonLines() + "\nclock: instructions=" + m.machine().clock().instructions()
                    + " cycles=" + m.machine().clock().cycles() + " blocks=" + m.machine().clock().countedBlocks()
                    + " positionsExact=" + m.machine().positionsExact() + "\n";
        }
    }
}
