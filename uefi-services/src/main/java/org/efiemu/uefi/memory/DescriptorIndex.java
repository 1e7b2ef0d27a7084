package org.efiemu.uefi.memory;

import com.google.common.collect.Range;
import com.google.common.collect.RangeMap;
import com.google.common.collect.TreeRangeMap;
import java.util.List;
import java.util.Map;
import org.efiemu.uefi.spec.MemoryDescriptor;

/**
 * A memory map by address: which descriptor holds an address, and the descriptors inside a range, each clipped to it.
 *
 * <p>The answers are those of a Guava {@code TreeRangeMap} into which every descriptor's
 * {@code [PhysicalStart, PhysicalStart + NumberOfPages * 4 KiB)} was put in list order (a later descriptor overrides
 * an earlier one where they overlap; an empty one adds nothing). A map as GetMemoryMap returns it (UEFI 2.10 §7.2:
 * descriptors never overlapping; in address order or, as some firmware returns it, not) is kept as arrays sorted by
 * address and answered by binary search, which is what the sanitizer and the verdict need for a 200-descriptor map
 * built per machine; a list with overlapping descriptors falls back to the range map itself. Immutable, so it can be shared between threads.
 */
public final class DescriptorIndex {
    /** Receives the descriptors inside a range, each clipped to it ({@code [from, to)}), in address order. */
    @FunctionalInterface
    public interface Visitor {
        void visit(long from, long to, MemoryDescriptor descriptor);
    }

    private final long[] starts;
    private final long[] ends;
    private final MemoryDescriptor[] descriptors;
    /** Null for a sorted, non-overlapping map (the arrays answer); else the range map that answers. */
    private final RangeMap<Long, MemoryDescriptor> fallback;

    private DescriptorIndex(long[] starts, long[] ends, MemoryDescriptor[] descriptors, RangeMap<Long, MemoryDescriptor> fallback) {
        this.starts = starts;
        this.ends = ends;
        this.descriptors = descriptors;
        this.fallback = fallback;
    }

    /**
     * The index of {@code map}.
     *
     * @throws IllegalArgumentException for a descriptor whose end lies below its start (as the range map would)
     */
    public static DescriptorIndex of(List<MemoryDescriptor> map) {
        int n = map.size();
        MemoryDescriptor[] descriptors = new MemoryDescriptor[n];
        int count = 0;
        boolean sorted = true;
        for (MemoryDescriptor d : map) {
            long s = d.physicalStart();
            long e = d.end();
            if (s == e) {
                continue; // an empty range puts nothing
            }
            if (s > e) {
                return new DescriptorIndex(null, null, null, rangeMap(map));
            }
            if (count > 0 && s < descriptors[count - 1].physicalStart()) {
                sorted = false;
            }
            descriptors[count++] = d;
        }
        descriptors = java.util.Arrays.copyOf(descriptors, count);
        if (!sorted) { // an unsorted map without overlaps puts the same ranges in any order
            java.util.Arrays.sort(descriptors, java.util.Comparator.comparingLong(MemoryDescriptor::physicalStart));
        }
        long[] starts = new long[count];
        long[] ends = new long[count];
        for (int i = 0; i < count; i++) {
            starts[i] = descriptors[i].physicalStart();
            ends[i] = descriptors[i].end();
            if (i > 0 && starts[i] < ends[i - 1]) {
                return new DescriptorIndex(null, null, null, rangeMap(map)); // overlaps: the later put wins
            }
        }
        return new DescriptorIndex(starts, ends, descriptors, null);
    }

    private static RangeMap<Long, MemoryDescriptor> rangeMap(List<MemoryDescriptor> map) {
        RangeMap<Long, MemoryDescriptor> m = TreeRangeMap.create();
        for (MemoryDescriptor d : map) {
            m.put(Range.closedOpen(d.physicalStart(), d.end()), d);
        }
        return m;
    }

    /** True when the sorted arrays answer (no overlapping descriptors), false when the range map does. */
    boolean sortedArrays() {
        return fallback == null;
    }

    /** The descriptor holding {@code address}, or null in a hole. */
    public MemoryDescriptor at(long address) {
        if (fallback != null) {
            return fallback.get(address);
        }
        int i = lastStartAtOrBelow(address);
        return i >= 0 && address < ends[i] ? descriptors[i] : null;
    }

    /**
     * Visits the descriptors inside {@code [start, end)}, each clipped to it, in address order (as the range map's
     * {@code subRangeMap(Range.closedOpen(start, end))} entries).
     */
    public void forEach(long start, long end, Visitor visitor) {
        if (fallback != null) {
            for (Map.Entry<Range<Long>, MemoryDescriptor> e : fallback.subRangeMap(Range.closedOpen(start, end))
                    .asMapOfRanges().entrySet()) {
                visitor.visit(e.getKey().lowerEndpoint(), e.getKey().upperEndpoint(), e.getValue());
            }
            return;
        }
        if (start > end) {
            throw new IllegalArgumentException("Invalid range: [" + start + ".." + end + ")");
        }
        int i = Math.max(0, lastStartAtOrBelow(start));
        for (; i < starts.length && starts[i] < end; i++) {
            long from = Math.max(starts[i], start);
            long to = Math.min(ends[i], end);
            if (from < to) {
                visitor.visit(from, to, descriptors[i]);
            }
        }
    }

    /** The last descriptor whose start is at or below {@code address}, or -1. */
    private int lastStartAtOrBelow(long address) {
        int lo = 0;
        int hi = starts.length - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (starts[mid] <= address) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }
}
