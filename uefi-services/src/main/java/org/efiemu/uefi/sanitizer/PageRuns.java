package org.efiemu.uefi.sanitizer;

import java.util.Arrays;

/**
 * A set of addresses as sorted, disjoint, non-touching runs {@code [start, end)} kept in two arrays of longs (signed
 * order, as Guava's {@code TreeRangeSet<Long>} of {@code closedOpen} ranges that it replaces, with the same answers):
 * no object per run and no view objects, for the sanitizer's protected and watched pages.
 */
final class PageRuns {
    /** Receives runs or pieces {@code [start, end)}. */
    interface Sink {
        void run(long start, long end);
    }

    private long[] starts = new long[16];
    private long[] ends = new long[16];
    private int size;

    /** Index of the last run whose start is at most {@code a}, or -1. */
    private int floor(long a) {
        int lo = 0;
        int hi = size - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (starts[mid] <= a) {
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return hi;
    }

    boolean isEmpty() {
        return size == 0;
    }

    int runCount() {
        return size;
    }

    boolean contains(long a) {
        int i = floor(a);
        return i >= 0 && a < ends[i];
    }

    /** Whether one run holds all of {@code [start, end)} (non-empty). */
    boolean encloses(long start, long end) {
        int i = floor(start);
        return i >= 0 && ends[i] >= end;
    }

    /** Whether a run shares an address with {@code [start, end)}. */
    boolean intersects(long start, long end) {
        if (start >= end) {
            return false;
        }
        int i = floor(end - 1);
        return i >= 0 && ends[i] > start;
    }

    /** Whether a run shares an address with the closed range {@code [start, end]} (Guava's {@code intersects(closed)}). */
    boolean intersectsClosed(long start, long end) {
        int i = floor(end);
        return i >= 0 && ends[i] > start;
    }

    /** The run holding {@code a}: {start, end}, or null. */
    long[] runContaining(long a) {
        int i = floor(a);
        return i >= 0 && a < ends[i] ? new long[] {starts[i], ends[i]} : null;
    }

    void add(long start, long end) {
        if (start >= end) {
            return;
        }
        // runs touching [start, end] merge with it
        int first = floor(start);
        if (first < 0 || ends[first] < start) {
            first++;
        }
        int last = floor(end); // last run whose start <= end
        if (first <= last) {
            start = Math.min(start, starts[first]);
            end = Math.max(end, ends[last]);
        }
        replace(first, last, start, end);
    }

    /** Replaces runs {@code [first, last]} (none when first &gt; last) with the one run {@code [start, end)}. */
    private void replace(int first, int last, long start, long end) {
        int removed = last - first + 1; // may be 0
        int newSize = size - removed + 1;
        if (newSize > starts.length) {
            starts = Arrays.copyOf(starts, Math.max(newSize, starts.length * 2));
            ends = Arrays.copyOf(ends, starts.length);
        }
        int tail = size - (last + 1);
        System.arraycopy(starts, last + 1, starts, first + 1, tail);
        System.arraycopy(ends, last + 1, ends, first + 1, tail);
        starts[first] = start;
        ends[first] = end;
        size = newSize;
    }

    void remove(long start, long end) {
        if (start >= end) {
            return;
        }
        int first = floor(start);
        if (first < 0 || ends[first] <= start) {
            first++;
        }
        int last = floor(end - 1);
        if (first > last) {
            return;
        }
        long headStart = starts[first];
        long tailEnd = ends[last];
        int removed = last - first + 1;
        int keep = (headStart < start ? 1 : 0) + (tailEnd > end ? 1 : 0);
        int newSize = size - removed + keep;
        if (newSize > starts.length) {
            starts = Arrays.copyOf(starts, starts.length * 2);
            ends = Arrays.copyOf(ends, starts.length);
        }
        int tail = size - (last + 1);
        System.arraycopy(starts, last + 1, starts, first + keep, tail);
        System.arraycopy(ends, last + 1, ends, first + keep, tail);
        int at = first;
        if (headStart < start) {
            starts[at] = headStart;
            ends[at] = start;
            at++;
        }
        if (tailEnd > end) {
            starts[at] = end;
            ends[at] = tailEnd;
        }
        size = newSize;
    }

    /** The runs' pieces inside {@code [start, end)}, clipped to it, in address order. */
    void forEachIn(long start, long end, Sink sink) {
        if (start >= end) {
            return;
        }
        int i = floor(start);
        if (i < 0 || ends[i] <= start) {
            i++;
        }
        for (; i < size && starts[i] < end; i++) {
            sink.run(Math.max(start, starts[i]), Math.min(end, ends[i]));
        }
    }

    /** The pieces of {@code [start, end)} no run holds, in address order. */
    void gapsIn(long start, long end, Sink sink) {
        long at = start;
        int i = floor(start);
        if (i < 0 || ends[i] <= start) {
            i++;
        }
        for (; i < size && starts[i] < end; i++) {
            if (starts[i] > at) {
                sink.run(at, starts[i]);
            }
            at = Math.max(at, ends[i]);
        }
        if (at < end) {
            sink.run(at, end);
        }
    }

    /** Every run, in address order. */
    void forEach(Sink sink) {
        for (int i = 0; i < size; i++) {
            sink.run(starts[i], ends[i]);
        }
    }

    void clear() {
        size = 0;
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < size; i++) {
            b.append(i > 0 ? ", " : "").append('[').append(starts[i]).append("..").append(ends[i]).append(')');
        }
        return b.append(']').toString();
    }
}
