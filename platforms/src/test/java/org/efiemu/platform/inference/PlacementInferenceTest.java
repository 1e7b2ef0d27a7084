package org.efiemu.platform.inference;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.efiemu.platform.inference.PlacementInference.Confidence;
import org.efiemu.platform.inference.PlacementInference.Result;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.junit.jupiter.api.Test;

/** How sure an inferred placement is follows from the evidence in the map: bin count, loader ranges, candidate runs. */
class PlacementInferenceTest {

    private static final long WB = 0xF;
    private static final long RT = 0x800000000000000FL;

    private static MemoryDescriptor d(int type, long start, long pages) {
        return new MemoryDescriptor(type, start, pages, type == 5 || type == 6 ? RT : WB);
    }

    /** Conventional 1 MiB-2 GiB less the stack, a stack of {@code types} at 0x7F000000 (16 pages each), 4 GiB above. */
    private static List<MemoryDescriptor> map(int[] types, MemoryDescriptor... extra) {
        List<MemoryDescriptor> m = new ArrayList<>();
        m.add(d(7, 0x100000, (0x7F000000L - 0x100000) >> 12));
        long at = 0x7F000000L;
        for (int t : types) {
            m.add(d(t, at, 16));
            at += 0x10000;
        }
        m.add(d(4, at, (0x80000000L - at) >> 12));
        m.add(d(7, 0x100000000L, 0x100000));
        m.addAll(List.of(extra));
        m.sort((a, b) -> Long.compareUnsigned(a.physicalStart(), b.physicalStart()));
        return m;
    }

    /** Carves a LoaderData range at {@code start} out of the big conventional descriptor of {@link #map}. */
    private static List<MemoryDescriptor> withLoader(List<MemoryDescriptor> m, long start, long pages) {
        List<MemoryDescriptor> out = new ArrayList<>();
        for (MemoryDescriptor x : m) {
            if (x.type() == 7 && x.physicalStart() <= start && start < x.end()) {
                if (start > x.physicalStart()) {
                    out.add(d(7, x.physicalStart(), (start - x.physicalStart()) >> 12));
                }
                out.add(d(2, start, pages));
                long after = start + (pages << 12);
                if (after < x.end()) {
                    out.add(d(7, after, (x.end() - after) >> 12));
                }
            } else {
                out.add(x);
            }
        }
        return out;
    }

    private static final int[] FIVE = {5, 6, 0, 10, 9};
    private static final int[] THREE = {5, 6, 10};

    @Test
    void fiveStackedBinsWithEveryLoaderRangeBelowThemAreHighConfidence() {
        List<MemoryDescriptor> m = withLoader(map(FIVE), 0x40000000L, 0x100);
        Result r = PlacementInference.infer(m, m, false);
        assertThat(r.confidence()).contains(Confidence.HIGH);
        assertThat(r.placement().param("default-max", null)).isEqualTo("0x7EFFFFFF");
        assertThat(r.note()).contains("run of 5 contiguous", "default-max 0x7EFFFFFF", "confidence high",
                "all 1 EfiLoaderCode/EfiLoaderData ranges lie below the bins");
        assertThat(r.sources()).anyMatch(s -> s.startsWith("inferred: default-max = lowest bin base - 1 = 0x7EFFFFFF"))
                .anyMatch(s -> s.startsWith("inferred: confidence high: "));
    }

    @Test
    void fiveBinsWithoutLoaderRangesToCheckAreMediumConfidence() {
        Result r = PlacementInference.infer(map(FIVE), map(FIVE), false);
        assertThat(r.confidence()).contains(Confidence.MEDIUM);
        assertThat(r.note()).contains("no EfiLoaderCode/EfiLoaderData to check default-max against");
    }

    @Test
    void threeBinsAloneAreLowAndWithSupportingLoaderRangesMedium() {
        assertThat(PlacementInference.infer(map(THREE), map(THREE), false).confidence()).contains(Confidence.LOW);
        List<MemoryDescriptor> m = withLoader(map(THREE), 0x40000000L, 0x100);
        assertThat(PlacementInference.infer(m, m, false).confidence()).contains(Confidence.MEDIUM);
    }

    @Test
    void loaderRangeAboveTheBinsContradictsDefaultMaxAndGivesLowConfidence() {
        List<MemoryDescriptor> m = withLoader(map(FIVE), 0x100000000L, 0x100);
        Result r = PlacementInference.infer(m, m, false);
        assertThat(r.confidence()).contains(Confidence.LOW);
        assertThat(r.note()).contains("lie above the bins at 0x7F000000 (0x100000000-0x1000FFFFF)",
                "did not keep allocations below its bins");
    }

    @Test
    void asecondCandidateRunBelowTheStackLowersTheConfidenceOneStep() {
        List<MemoryDescriptor> m = new ArrayList<>(map(FIVE));
        // a second run of three special descriptors at 0x10000000, inside the big conventional range
        List<MemoryDescriptor> out = new ArrayList<>();
        for (MemoryDescriptor x : m) {
            if (x.physicalStart() == 0x100000) {
                out.add(d(7, 0x100000, (0x10000000L - 0x100000) >> 12));
                out.add(d(9, 0x10000000L, 1));
                out.add(d(10, 0x10001000L, 1));
                out.add(d(0, 0x10002000L, 1));
                out.add(d(7, 0x10003000L, (0x7F000000L - 0x10003000L) >> 12));
            } else {
                out.add(x);
            }
        }
        Result r = PlacementInference.infer(out, out, false);
        assertThat(r.confidence()).contains(Confidence.LOW); // medium (5 bins, no loader ranges) lowered
        assertThat(r.bins().get(0).physicalStart()).isEqualTo(0x7F000000L);
        assertThat(r.note()).contains("2 candidate runs below 4 GiB, the highest taken");
    }

    @Test
    void typesReadFromE820AreNeverMoreThanLowConfidence() {
        List<MemoryDescriptor> m = withLoader(map(FIVE), 0x40000000L, 0x100);
        Result r = PlacementInference.infer(m, m, true);
        assertThat(r.confidence()).contains(Confidence.LOW);
        assertThat(r.note()).contains("E820 kinds");
    }

    @Test
    void mapWithoutAStackIsNotInferredAndTheNoteSaysWhatToGive() {
        List<MemoryDescriptor> m = List.of(d(7, 0x100000, 0x7FF00), d(7, 0x100000000L, 0x100000));
        Result r = PlacementInference.infer(m, m, false);
        assertThat(r.inferred()).isFalse();
        assertThat(r.confidence()).isEmpty();
        assertThat(r.placement().params()).isEmpty();
        assertThat(r.note()).startsWith("placement not inferred: no run of 3 or more").contains("--placement");
    }
}
