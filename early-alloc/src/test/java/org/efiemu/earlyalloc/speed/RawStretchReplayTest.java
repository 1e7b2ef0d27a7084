package org.efiemu.earlyalloc.speed;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.efiemu.core.engine.UcError;
import org.efiemu.core.engine.X86Reg;
import org.efiemu.core.machine.Machine;
import org.efiemu.platform.ProfileRegistry;
import org.efiemu.uefi.BootOutcome;
import org.efiemu.uefi.BootResult;
import org.efiemu.uefi.UefiMachine;
import org.efiemu.uefi.UefiMachineBuilder;
import org.junit.jupiter.api.Test;

/**
 * The raw-Unicorn side of {@code efiemu bench raw} replays exactly the guest code efiemu ran: the {@code raw-stretch}
 * payload's long stretch between AllocatePages and its first ConOut call, copied into a new raw engine at its start,
 * ends on the raw engine at the same RIP, with the same registers and the same RAM as on efiemu, after exactly the
 * instructions efiemu counted. Functional only: the timings are not checked (they are the bench's output).
 */
class RawStretchReplayTest {
    private static byte[] payload() throws IOException {
        try (InputStream in = RawStretchReplayTest.class.getResourceAsStream("/payloads/raw-stretch.efi")) {
            assertThat(in).as("payloads/raw-stretch.efi (built from src/test/c/raw-stretch)").isNotNull();
            return in.readAllBytes();
        }
    }

    private static UefiMachineBuilder machine(String loadOptions) throws IOException {
        UefiMachineBuilder b = UefiMachine.builder(ProfileRegistry.builtIn("ovmf-q35-2g").toDescription())
                .payload(payload(), "raw-stretch.efi").instructionBudget(2_000_000_000L);
        return loadOptions == null ? b : b.loadOptions(loadOptions);
    }

    private static RawComparison.Options options(boolean clockFreeOnly) {
        return new RawComparison.Options(1, 1, 1_000_000, List.of(RawComparison.Variant.RAW,
                RawComparison.Variant.RAW_FAST_STORES, RawComparison.Variant.RAW_FAST_STORES_WARM), 300_000_000L,
                clockFreeOnly);
    }

    @Test
    void theLongestStretchEndsInTheSameStateOnEfiemuAndOnRawUnicornWithAndWithoutTheStoreFastPath() throws Exception {
        // the warm variant runs the stretch twice on one engine: the second run, timed, starts from the start state put
        // back and must end in efiemu's state too
        UefiMachineBuilder b = machine(null);
        RawComparison.Report r = new RawComparison(b::build, options(true), line -> { }).measure();

        assertThat(r.outcome()).isEqualTo(BootOutcome.RETURNED.name());
        assertThat(r.stretches()).hasSize(1);
        RawComparison.StretchResult s = r.stretches().get(0);
        assertThat(s.stretch().after()).contains("AllocatePages");
        assertThat(s.stretch().before()).contains("OutputString");
        assertThat(s.stretch().instructions()).isGreaterThan(10_000_000L);
        assertThat(s.stretch().rdtscReads()).isZero();
        assertThat(s.mismatches()).isEmpty();
        assertThat(s.efiemu()).hasSize(1);
        assertThat(s.efiemu().get(0).instructions()).isEqualTo(s.stretch().instructions());
        assertThat(s.raw().get(RawComparison.Variant.RAW)).hasSize(1);
        assertThat(s.raw().get(RawComparison.Variant.RAW_FAST_STORES)).hasSize(1);
        assertThat(s.raw().get(RawComparison.Variant.RAW_FAST_STORES_WARM)).hasSize(1);
        assertThat(s.ramBytesCompared()).isGreaterThanOrEqualTo(1536L << 10); // the 1.5 MiB the stretch wrote
    }

    @Test
    void theRawEngineExecutesExactlyTheInstructionsEfiemuCountedInTheStretch() throws Exception {
        GuestStretch longest;
        try (UefiMachine m = machine(null).build()) {
            StretchRecorder probe = new StretchRecorder(m.machine(), 1_000_000, Thread.currentThread(), null);
            m.machine().gate().addListener(probe);
            m.run();
            longest = probe.stretches().stream().max(java.util.Comparator.comparingLong(GuestStretch::instructions))
                    .orElseThrow();
        }
        // two raw copies of the stretch's start: Unicorn's own instruction limit N - 1 must stop short of the end, N
        // exactly at it (N: efiemu's count by block)
        List<RawReplay> replays = new ArrayList<>();
        try {
            try (UefiMachine m = machine(null).build()) {
                m.machine().gate().addListener(new StretchRecorder(m.machine(), 1_000_000, Thread.currentThread(),
                        new StretchRecorder.Boundary() {
                            @Override
                            public void atStart(long sequence, Machine machine) {
                                if (sequence != longest.startSequence()) return;
                                replays.add(RawReplay.of(machine, longest.end(), false));
                                replays.add(RawReplay.of(machine, longest.end(), false));
                            }
                        }));
                assertThat(m.run().outcome()).isEqualTo(BootOutcome.RETURNED);
            }
            assertThat(replays).hasSize(2);
            long n = longest.instructions();
            RawReplay shortOfIt = replays.get(0);
            assertThat(shortOfIt.begin()).isEqualTo(longest.begin());
            assertThat(shortOfIt.engine().emuStart(shortOfIt.begin(), longest.end(), 0, n - 1)).isEqualTo(UcError.OK);
            assertThat(shortOfIt.engine().reg(X86Reg.RIP)).isNotEqualTo(longest.end());
            RawReplay exactly = replays.get(1);
            assertThat(exactly.engine().emuStart(exactly.begin(), longest.end(), 0, n)).isEqualTo(UcError.OK);
            assertThat(exactly.engine().reg(X86Reg.RIP)).isEqualTo(longest.end());
        } finally {
            replays.forEach(RawReplay::close);
        }
    }

    @Test
    void aStretchThatReadsTheTimeStampCounterEndsInAnotherStateOnRawUnicornAndIsReportedNotTimed() throws Exception {
        // with "rdtsc" the stretch folds RDTSC values into its checksum: efiemu's virtual clock, the host's TSC raw
        RawComparison.Report r = new RawComparison(machine("rdtsc")::build, options(false), line -> { }).measure();

        RawComparison.StretchResult s = r.stretches().get(0);
        assertThat(s.stretch().rdtscReads()).isEqualTo(2);
        assertThat(s.mismatches()).hasSize(3).allSatisfy(m -> assertThat(m).contains("ended in another state"));
        assertThat(s.raw().get(RawComparison.Variant.RAW)).isEmpty();
        assertThat(s.rawMedianCpu(RawComparison.Variant.RAW)).isEqualTo(-1);

        // and the default choice leaves such stretches out
        RawComparison.Report clockFree = new RawComparison(machine("rdtsc")::build, options(true), line -> { })
                .measure();
        assertThat(clockFree.stretches()).allSatisfy(x -> assertThat(x.stretch().rdtscReads()).isZero());
        assertThat(clockFree.excludedForClock()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void aStretchThatReadsTheTimeStampCounterEndsInEfiemusStateOnRawUnicornGivenTheValuesEfiemusGuestRead()
            throws Exception {
        // the checksum folds the two RDTSC values in: the raw engine ends in efiemu's state only with the same values
        RawComparison.Options o = new RawComparison.Options(1, 2, 1_000_000, List.of(
                RawComparison.Variant.RAW_FAST_STORES, RawComparison.Variant.RAW_FAST_STORES_TSC), 300_000_000L,
                RawComparison.Choice.TSC_READS);
        RawComparison.Report r = new RawComparison(machine("rdtsc")::build, o, line -> { }).measure();

        assertThat(r.stretches()).hasSize(1);
        RawComparison.StretchResult s = r.stretches().get(0);
        assertThat(s.stretch().rdtscReads()).isEqualTo(2);
        assertThat(s.stretch().interrupts()).isZero();
        assertThat(s.mismatches()).isEmpty();
        assertThat(s.raw().get(RawComparison.Variant.RAW_FAST_STORES_TSC)).hasSize(2);
        assertThat(s.raw().get(RawComparison.Variant.RAW_FAST_STORES)).as("not run: it would read the host's TSC")
                .isEmpty();
        assertThat(r.stretches()).allSatisfy(x -> assertThat(x.stretch().rdtscReads()).isPositive());
    }
}
