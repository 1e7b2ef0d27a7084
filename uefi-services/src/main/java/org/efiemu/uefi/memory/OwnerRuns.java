package org.efiemu.uefi.memory;

import com.google.common.collect.Range;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Computes the owner runs of an address range from the descriptor list and the allocation runs. */
final class OwnerRuns {
    private OwnerRuns() {}

    static List<OwnerRun> of(MemoryRanges ram, OwnershipMap owners, long start, long end) {
        List<OwnerRun> out = new ArrayList<>();
        long cur = start;
        for (MemoryRanges.Range r : ram.overlapping(start, end)) {
            long from = Math.max(r.start(), start);
            long to = Math.min(r.end(), end);
            if (cur < from) {
                add(out, cur, from, PageOwner.NOT_RAM);
            }
            if (r.isFree()) {
                add(out, from, to, PageOwner.FREE);
            } else {
                long at = from;
                for (Map.Entry<Range<Long>, Allocation> e : owners.within(from, to).entrySet()) {
                    long s = e.getKey().lowerEndpoint();
                    long t = e.getKey().upperEndpoint();
                    if (at < s) {
                        add(out, at, s, PageOwner.PLATFORM_FIRMWARE);
                    }
                    add(out, s, t, PageOwner.of(e.getValue()));
                    at = t;
                }
                if (at < to) {
                    add(out, at, to, PageOwner.PLATFORM_FIRMWARE);
                }
            }
            cur = to;
        }
        if (cur < end) {
            add(out, cur, end, PageOwner.NOT_RAM);
        }
        return out;
    }

    private static void add(List<OwnerRun> out, long from, long to, PageOwner owner) {
        if (!out.isEmpty()) {
            OwnerRun prev = out.get(out.size() - 1);
            if (prev.end() == from && prev.owner().equals(owner)) {
                out.set(out.size() - 1, new OwnerRun(prev.base(), prev.pages() + ((to - from) >>> 12), owner));
                return;
            }
        }
        out.add(new OwnerRun(from, (to - from) >>> 12, owner));
    }
}
