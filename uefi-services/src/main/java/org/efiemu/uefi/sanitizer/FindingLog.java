package org.efiemu.uefi.sanitizer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Aggregates flagged writes into {@link SanitizerFinding}s: per (kind, owner type, owner, RIP, before/after
 * ExitBootServices), the written bytes as coalesced ranges (per key a {@link TreeMap} from a range's start to the range,
 * which counts the stores and remembers when it started). Overlapping and adjacent writes join, so the ranges of one
 * key are disjoint with at least one byte between them; the result is deterministic for a deterministic run (findings
 * ordered by their first write, then address).
 *
 * <p>A write inside the range the previous write of the same key left (a loop storing into one buffer) only counts the
 * store: it can touch no other range, since ranges are never adjacent; one that continues that range upwards (a copy
 * loop) extends it in place when the key's next range starts beyond the write.
 */
final class FindingLog {
    /** What findings are aggregated by. */
    record Key(FindingKind kind, String ownerType, String owner, long rip, boolean afterExitBootServices) {
        // equals and hashCode written out: a record's generated ones go through ObjectMethods' method handles, which
        // the launcher's first-tier JIT (C1) does not inline; the sanitizer compares keys at every watched write
        @Override
        public boolean equals(Object o) {
            if (this == o) {
                return true;
            }
            return o instanceof Key k && rip == k.rip && kind == k.kind && afterExitBootServices == k.afterExitBootServices
                    && java.util.Objects.equals(owner, k.owner) && java.util.Objects.equals(ownerType, k.ownerType);
        }

        @Override
        public int hashCode() {
            int h = java.util.Objects.hashCode(kind);
            h = 31 * h + java.util.Objects.hashCode(ownerType);
            h = 31 * h + java.util.Objects.hashCode(owner);
            h = 31 * h + Long.hashCode(rip);
            return 31 * h + Boolean.hashCode(afterExitBootServices);
        }
    }

    /** One coalesced range {@code [start, end)} of a key. */
    private static final class Piece {
        final long start;
        long end;
        final long order;
        final long afterCall;
        long writes;

        Piece(long start, long end, long order, long afterCall, long writes) {
            this.start = start;
            this.end = end;
            this.order = order;
            this.afterCall = afterCall;
            this.writes = writes;
        }
    }

    private final Map<Key, TreeMap<Long, Piece>> byKey = new LinkedHashMap<>();
    private long order;
    /** The key, range and the key's ranges of the last add (the fast paths' guess), or null. */
    private Key lastKey;
    private Piece lastPiece;
    private TreeMap<Long, Piece> lastRanges;

    /**
     * Adds the write {@code [start, end)}. A write inside the last write's range, or continuing it upwards with no other
     * range of its key in the way, is counted without a map lookup.
     *
     * @return true when it opened a new finding (not touching an earlier range of the same key)
     */
    boolean add(Key key, long start, long end, long afterCall) {
        if (end <= start) {
            throw new IllegalArgumentException(String.format("sanitizer write [0x%X, 0x%X) is empty", start, end));
        }
        Piece last = lastPiece;
        if (last != null && start >= last.start && start <= last.end && key.equals(lastKey)) {
            if (end <= last.end) {
                last.writes++;
                return false;
            }
            // a store continuing the last range upwards (a copy loop): it joins that range alone when the key's next
            // range starts beyond the store, as the general case below would find
            Map.Entry<Long, Piece> above = lastRanges.higherEntry(last.start);
            if (above == null || above.getKey() > end) {
                last.end = end;
                last.writes++;
                return false;
            }
        }
        TreeMap<Long, Piece> ranges = byKey.computeIfAbsent(key, k -> new TreeMap<>());
        long from = start;
        long to = end;
        long writes = 1;
        Piece first = null;
        // the ranges this write touches (overlapping or adjacent: a range [s, e) with s <= end and e >= start) join it
        Map.Entry<Long, Piece> below = ranges.floorEntry(start);
        Long next = start;
        if (below != null && below.getValue().end >= start) {
            next = below.getKey();
        } else {
            next = ranges.higherKey(start);
        }
        while (next != null && next <= end) {
            Piece p = ranges.remove(next);
            from = Math.min(from, p.start);
            to = Math.max(to, p.end);
            writes += p.writes;
            if (first == null || p.order < first.order) {
                first = p;
            }
            next = ranges.higherKey(next);
        }
        boolean opened = first == null;
        Piece merged = opened ? new Piece(from, to, order++, afterCall, writes)
                : new Piece(from, to, first.order, first.afterCall, writes);
        ranges.put(from, merged);
        lastKey = key;
        lastPiece = merged;
        lastRanges = ranges;
        return opened;
    }

    /** The aggregated findings, ordered by first write, then address. */
    List<SanitizerFinding> findings() {
        record Ordered(long order, SanitizerFinding finding) {}
        List<Ordered> out = new ArrayList<>();
        byKey.forEach((k, ranges) -> ranges.values().forEach(p -> out.add(new Ordered(p.order,
                new SanitizerFinding(k.kind(), k.rip(), p.start, p.end - p.start, k.ownerType(), k.owner(),
                        k.afterExitBootServices(), p.afterCall, p.writes)))));
        out.sort(Comparator.comparingLong(Ordered::order).thenComparingLong(o -> o.finding().address()));
        return out.stream().map(Ordered::finding).toList();
    }

    boolean isEmpty() {
        return byKey.isEmpty();
    }
}
