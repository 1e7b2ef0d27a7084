package org.efiemu.uefi.sanitizer;

import com.google.common.collect.Range;
import com.google.common.collect.RangeMap;
import com.google.common.collect.TreeRangeMap;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link FindingLog} as it was before it kept its ranges in {@code TreeMap}s (test scope: the reference
 * {@code FindingLogTest} compares the new one with). Aggregates flagged writes into {@link SanitizerFinding}s: per (kind, owner type, owner, RIP, before/after
 * ExitBootServices), the written bytes as coalesced ranges (a Guava {@link RangeMap} whose values count the stores
 * and remember when the range started). Overlapping and adjacent writes join; the result is deterministic for a
 * deterministic run (findings ordered by their first write, then address).
 */
final class GuavaFindingLog {
    private record Piece(long order, long afterCall, long writes) {}

    private final Map<FindingLog.Key, RangeMap<Long, Piece>> byKey = new LinkedHashMap<>();
    private long order;

    /**
     * Adds the write {@code [start, end)}.
     *
     * @return true when it opened a new finding (not touching an earlier range of the same key)
     */
    boolean add(FindingLog.Key key, long start, long end, long afterCall) {
        if (end <= start) {
            throw new IllegalArgumentException(String.format("sanitizer write [0x%X, 0x%X) is empty", start, end));
        }
        RangeMap<Long, Piece> ranges = byKey.computeIfAbsent(key, k -> TreeRangeMap.create());
        long from = start;
        long to = end;
        long writes = 1;
        Piece first = null;
        // the ranges this write touches (overlapping or adjacent) join it
        List<Map.Entry<Range<Long>, Piece>> joined =
                new ArrayList<>(ranges.subRangeMap(Range.closed(start - 1, end)).asMapOfRanges().entrySet());
        for (Map.Entry<Range<Long>, Piece> e : joined) {
            Range<Long> whole = wholeRange(ranges, e.getKey().lowerEndpoint());
            from = Math.min(from, whole.lowerEndpoint());
            to = Math.max(to, whole.upperEndpoint());
            Piece p = ranges.get(whole.lowerEndpoint());
            writes += p.writes();
            if (first == null || p.order() < first.order()) {
                first = p;
            }
        }
        boolean opened = first == null;
        Piece merged = opened ? new Piece(order++, afterCall, writes) : new Piece(first.order(), first.afterCall(), writes);
        ranges.remove(Range.closedOpen(from, to));
        ranges.put(Range.closedOpen(from, to), merged);
        return opened;
    }

    private static Range<Long> wholeRange(RangeMap<Long, Piece> ranges, long at) {
        return ranges.getEntry(at).getKey();
    }

    /** The aggregated findings, ordered by first write, then address. */
    List<SanitizerFinding> findings() {
        record Ordered(long order, SanitizerFinding finding) {}
        List<Ordered> out = new ArrayList<>();
        byKey.forEach((k, ranges) -> ranges.asMapOfRanges().forEach((r, p) -> out.add(new Ordered(p.order(),
                new SanitizerFinding(k.kind(), k.rip(), r.lowerEndpoint(), r.upperEndpoint() - r.lowerEndpoint(),
                        k.ownerType(), k.owner(), k.afterExitBootServices(), p.afterCall(), p.writes())))));
        out.sort(Comparator.comparingLong(Ordered::order).thenComparingLong(o -> o.finding().address()));
        return out.stream().map(Ordered::finding).toList();
    }

    boolean isEmpty() {
        return byKey.isEmpty();
    }
}
