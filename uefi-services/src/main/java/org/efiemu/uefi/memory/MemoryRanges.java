package org.efiemu.uefi.memory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import org.efiemu.uefi.spec.MemoryAttribute;
import org.efiemu.uefi.spec.MemoryType;

/**
 * The memory-services descriptor list of the EDK2 DXE core ({@code gMemoryMap} in
 * {@code MdeModulePkg/Core/Dxe/Mem/Page.c}): disjoint RAM ranges, each with a raw memory type and the GCD
 * capabilities as attribute, kept sorted by address. Free RAM is {@code EfiConventionalMemory}.
 *
 * <p>Like {@code CoreAddRange}, every conversion merges the converted piece with an adjacent range of the same type
 * and attribute, so the number of ranges ({@link #size()}) is the entry count EDK2 uses to size GetMemoryMap. The
 * list is a {@link TreeMap} keyed by start, plus a second one holding only the free ranges so searches visit free
 * memory only: allocation and search cost O(log n) plus the ranges skipped, whatever the amount of RAM.
 */
final class MemoryRanges implements FreeSpace {

    /** One internal entry: [start, end) with its raw type and attribute (EDK2 {@code MEMORY_MAP}). */
    record Range(long start, long end, int type, long attribute) {
        long pages() {
            return (end - start) >>> PAGE_SHIFT;
        }

        boolean isFree() {
            return type == CONVENTIONAL;
        }

        boolean contains(long address) {
            return address >= start && address < end;
        }
    }

    static final int PAGE_SHIFT = 12;
    static final long PAGE_MASK = 0xFFF;
    private static final int CONVENTIONAL = MemoryType.EfiConventionalMemory.value();

    private final TreeMap<Long, Range> all = new TreeMap<>();
    private final TreeMap<Long, Range> free = new TreeMap<>();

    /** Adds a range that overlaps nothing already present (initial map), merging like {@code CoreAddRange}. */
    void add(long start, long end, int type, long attribute) {
        Range r = new Range(start, end, type, attribute);
        Map.Entry<Long, Range> prev = all.lowerEntry(start);
        if (prev != null && prev.getValue().end() > start || overlapsNext(r)) {
            throw new IllegalArgumentException(String.format(
                    "memory map: range 0x%X-0x%X overlaps an earlier descriptor (%s)", start, end - 1,
                    prev != null && prev.getValue().end() > start ? describe(prev.getValue()) : describe(all.ceilingEntry(start).getValue())));
        }
        insertMerged(r);
    }

    private boolean overlapsNext(Range r) {
        Map.Entry<Long, Range> next = all.ceilingEntry(r.start());
        return next != null && next.getKey() < r.end();
    }

    /** The range holding {@code address}, or null when no RAM is there. */
    Range find(long address) {
        Map.Entry<Long, Range> e = all.floorEntry(address);
        return e != null && e.getValue().contains(address) ? e.getValue() : null;
    }

    /**
     * Gives [start, end) the type {@code newType}. The span must lie inside the single range {@code within}; the
     * piece keeps that range's attribute and merges with same-typed neighbours ({@code CoreConvertPagesEx} +
     * {@code CoreAddRange}).
     */
    void convert(Range within, long start, long end, int newType) {
        remove(within);
        if (within.start() < start) {
            put(new Range(within.start(), start, within.type(), within.attribute()));
        }
        if (end < within.end()) {
            put(new Range(end, within.end(), within.type(), within.attribute()));
        }
        insertMerged(new Range(start, end, newType, within.attribute()));
    }

    private void insertMerged(Range r) {
        long start = r.start();
        long end = r.end();
        Map.Entry<Long, Range> prev = all.lowerEntry(start);
        if (prev != null && prev.getValue().end() == start && sameKind(prev.getValue(), r)) {
            start = prev.getValue().start();
            remove(prev.getValue());
        }
        Range next = all.get(end);
        if (next != null && sameKind(next, r)) {
            end = next.end();
            remove(next);
        }
        put(new Range(start, end, r.type(), r.attribute()));
    }

    private static boolean sameKind(Range a, Range b) {
        return a.type() == b.type() && a.attribute() == b.attribute();
    }

    private void put(Range r) {
        all.put(r.start(), r);
        if (r.isFree()) {
            free.put(r.start(), r);
        }
    }

    private void remove(Range r) {
        all.remove(r.start());
        free.remove(r.start());
    }

    /** Number of internal entries (EDK2's R in the GetMemoryMap size bound). */
    int size() {
        return all.size();
    }

    Collection<Range> ranges() {
        return Collections.unmodifiableCollection(all.values());
    }

    /** The ranges overlapping [start, end), in address order. */
    List<Range> overlapping(long start, long end) {
        List<Range> out = new ArrayList<>();
        Map.Entry<Long, Range> first = all.floorEntry(start);
        Long from = first != null && first.getValue().end() > start ? first.getKey() : Long.valueOf(start);
        for (Range r : all.subMap(from, true, end, false).values()) {
            out.add(r);
        }
        return out;
    }

    long freeBytes() {
        long sum = 0;
        for (Range r : free.values()) {
            sum += r.end() - r.start();
        }
        return sum;
    }

    long totalBytes() {
        long sum = 0;
        for (Range r : all.values()) {
            sum += r.end() - r.start();
        }
        return sum;
    }

    /**
     * {@code CoreFindFreePagesI} (Page.c): among free ranges without {@code EFI_MEMORY_SP}, the one whose end clipped
     * to {@code maxAddress} (inclusive, rounded by {@link #roundMaxAddress}) is highest and still holds the request at or
     * above {@code minAddress}; the result is the top of that range. 0 means nothing was found, so address 0 is never
     * returned.
     */
    @Override
    public long findTopDown(long maxAddress, long minAddress, long pages) {
        if (maxAddress < PAGE_MASK || pages <= 0 || pages > (Long.MAX_VALUE >>> PAGE_SHIFT)) {
            return 0;
        }
        maxAddress = roundMaxAddress(maxAddress);
        long bytes = pages << PAGE_SHIFT;
        NavigableMap<Long, Range> candidates = free.headMap(maxAddress, false).descendingMap();
        for (Range r : candidates.values()) {
            if ((r.attribute() & MemoryAttribute.SP) != 0) {
                continue;
            }
            long descEnd = Math.min(r.end() - 1, maxAddress);
            if (descEnd < minAddress) {
                return 0; // every remaining range ends lower still
            }
            if (descEnd - r.start() + 1 >= bytes && descEnd - bytes + 1 >= minAddress) {
                long target = descEnd - bytes + 1;
                return (target & PAGE_MASK) == 0 ? target : 0;
            }
        }
        return 0;
    }

    /** Lowest free range (no {@code EFI_MEMORY_SP}) that holds the request inside [max(minAddress, 4 KiB), maxAddress]. */
    @Override
    public long findBottomUp(long maxAddress, long minAddress, long pages) {
        if (maxAddress < PAGE_MASK || pages <= 0 || pages > (Long.MAX_VALUE >>> PAGE_SHIFT)) {
            return 0;
        }
        maxAddress = roundMaxAddress(maxAddress);
        long bytes = pages << PAGE_SHIFT;
        long low = Math.max(minAddress, 1L << PAGE_SHIFT);
        Map.Entry<Long, Range> first = free.floorEntry(low);
        Long from = first != null ? first.getKey() : Long.valueOf(low);
        for (Range r : free.subMap(from, true, maxAddress, true).values()) {
            if ((r.attribute() & MemoryAttribute.SP) != 0) {
                continue;
            }
            long base = Math.max(r.start(), low);
            long last = Math.min(r.end() - 1, maxAddress);
            if (last >= base && last - base + 1 >= bytes) {
                return base;
            }
        }
        return 0;
    }

    /**
     * {@code CoreFindFreePagesI}: a limit that does not end in 0xFFF becomes the last byte of the <em>previous</em>
     * page (0x100000 and 0x100800 become 0xFFFFF; 0x100FFF stays).
     */
    static long roundMaxAddress(long maxAddress) {
        return (maxAddress & PAGE_MASK) == PAGE_MASK ? maxAddress : ((maxAddress - (1L << PAGE_SHIFT)) & ~PAGE_MASK) | PAGE_MASK;
    }

    static String describe(Range r) {
        return String.format("%s 0x%X-0x%X", MemoryType.nameOf(r.type()), r.start(), r.end() - 1);
    }
}
