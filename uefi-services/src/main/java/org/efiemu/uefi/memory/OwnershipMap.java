package org.efiemu.uefi.memory;

import com.google.common.collect.Range;
import com.google.common.collect.RangeMap;
import com.google.common.collect.TreeRangeMap;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which allocation holds which pages: a Guava {@link TreeRangeMap} of [start, end) runs, so ownership costs one
 * entry per live allocation piece however many pages it spans. Pages of RAM not in this map are free or belong to
 * the platform's firmware; the {@link MemoryMap} decides which from the descriptor list.
 */
final class OwnershipMap {
    private final RangeMap<Long, Allocation> runs = TreeRangeMap.create();

    void record(Allocation a) {
        runs.put(Range.closedOpen(a.base(), a.end()), a);
    }

    void release(long start, long end) {
        runs.remove(Range.closedOpen(start, end));
    }

    Allocation at(long address) {
        return runs.get(address);
    }

    /** The allocation pieces inside [start, end), in address order. */
    Map<Range<Long>, Allocation> within(long start, long end) {
        return runs.subRangeMap(Range.closedOpen(start, end)).asMapOfRanges();
    }

    /** Allocations that still hold at least one page, by id. */
    List<Allocation> live() {
        Set<Allocation> seen = new LinkedHashSet<>(runs.asMapOfRanges().values());
        List<Allocation> out = new ArrayList<>(seen);
        out.sort(Comparator.comparingLong(Allocation::id));
        return out;
    }
}
