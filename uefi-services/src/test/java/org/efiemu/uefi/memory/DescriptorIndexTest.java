package org.efiemu.uefi.memory;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.collect.Range;
import com.google.common.collect.RangeMap;
import com.google.common.collect.TreeRangeMap;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.junit.jupiter.api.Test;

class DescriptorIndexTest {
    private static final long PAGE = MemoryDescriptor.PAGE_SIZE;

    /** The range map the index replaced: every descriptor put in list order. */
    private static RangeMap<Long, MemoryDescriptor> rangeMap(List<MemoryDescriptor> map) {
        RangeMap<Long, MemoryDescriptor> m = TreeRangeMap.create();
        for (MemoryDescriptor d : map) {
            m.put(Range.closedOpen(d.physicalStart(), d.end()), d);
        }
        return m;
    }

    private static List<MemoryDescriptor> randomMap(Random rnd, boolean sorted, boolean[] shuffled) {
        List<MemoryDescriptor> out = new ArrayList<>();
        long at = rnd.nextInt(4) == 0 ? 0 : (rnd.nextInt(512) * PAGE);
        int n = rnd.nextInt(220);
        for (int i = 0; i < n; i++) {
            long pages = switch (rnd.nextInt(5)) {
                case 0 -> 0; // empty: puts nothing
                case 1 -> 1;
                default -> 1 + rnd.nextInt(rnd.nextBoolean() ? 16 : 1 << 20);
            };
            if (rnd.nextInt(3) == 0) {
                at += (1 + rnd.nextInt(64)) * PAGE; // a hole
            }
            out.add(new MemoryDescriptor(rnd.nextInt(16), at, pages, 0xF));
            at += pages * PAGE;
        }
        if (!sorted) {
            if (rnd.nextBoolean() && out.size() > 1) {
                Collections.shuffle(out, rnd); // the order some firmware returns: no overlaps
                shuffled[0] = true;
            } else if (!out.isEmpty()) { // overlaps: a descriptor inside or across others
                MemoryDescriptor d = out.get(rnd.nextInt(out.size()));
                out.add(rnd.nextInt(out.size() + 1), new MemoryDescriptor(rnd.nextInt(16),
                        d.physicalStart() + rnd.nextInt(4) * PAGE, 1 + rnd.nextInt(1 << 12), 0));
            }
        }
        return out;
    }

    private static List<long[]> visits(DescriptorIndex index, long start, long end, List<MemoryDescriptor> seen) {
        List<long[]> out = new ArrayList<>();
        index.forEach(start, end, (from, to, d) -> {
            out.add(new long[] {from, to});
            seen.add(d);
        });
        return out;
    }

    @Test
    void sortedShuffledAndOverlappingMapsAnswerAsTheRangeMapTheyReplaced() {
        Random rnd = new Random(15);
        for (int round = 0; round < 400; round++) {
            boolean[] shuffled = {false};
            List<MemoryDescriptor> map = randomMap(rnd, round % 3 != 0, shuffled);
            boolean shuffledOnly = shuffled[0];
            RangeMap<Long, MemoryDescriptor> expected = rangeMap(map);
            DescriptorIndex index = DescriptorIndex.of(map);
            if (round % 3 != 0 || shuffledOnly) {
                assertThat(index.sortedArrays()).as("round %d: no overlaps, the arrays answer", round).isTrue();
            }
            long top = map.stream().mapToLong(MemoryDescriptor::end).max().orElse(PAGE) + 8 * PAGE;
            List<Long> probes = new ArrayList<>();
            for (MemoryDescriptor d : map) { // every edge and its neighbours
                for (long e : new long[] {d.physicalStart(), d.end()}) {
                    probes.add(e - 1);
                    probes.add(e);
                    probes.add(e + 1);
                }
            }
            for (int i = 0; i < 300; i++) {
                probes.add(Math.floorMod(rnd.nextLong(), top));
            }
            for (long a : probes) {
                assertThat(index.at(a)).as("round %d address 0x%X", round, a).isSameAs(expected.get(a));
            }
            for (int i = 0; i < 200; i++) {
                long s = probes.get(rnd.nextInt(probes.size()));
                long e = rnd.nextInt(8) == 0 ? s : s + Math.floorMod(rnd.nextLong(), rnd.nextBoolean() ? 64 * PAGE : top);
                if (e < s) {
                    continue;
                }
                List<long[]> want = new ArrayList<>();
                List<MemoryDescriptor> wantValues = new ArrayList<>();
                expected.subRangeMap(Range.closedOpen(s, e)).asMapOfRanges().forEach((k, v) -> {
                    want.add(new long[] {k.lowerEndpoint(), k.upperEndpoint()});
                    wantValues.add(v);
                });
                List<MemoryDescriptor> gotValues = new ArrayList<>();
                List<long[]> got = visits(index, s, e, gotValues);
                assertThat(got).as("round %d [0x%X, 0x%X)", round, s, e).containsExactlyElementsOf(want);
                assertThat(gotValues).containsExactlyElementsOf(wantValues);
            }
        }
    }

    @Test
    void aMapWithNoDescriptorsHoldsNothing() {
        DescriptorIndex index = DescriptorIndex.of(List.of());
        assertThat(index.at(0)).isNull();
        assertThat(visits(index, 0, 1L << 40, new ArrayList<>())).isEmpty();
    }
}
