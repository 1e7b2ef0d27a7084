package org.efiemu.uefi.sanitizer;

import com.google.common.collect.Range;
import com.google.common.collect.RangeSet;
import com.google.common.collect.TreeRangeSet;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * The sanitizer's page bookkeeping, without an emulator: which mapped pages are write-protected, which are watched
 * (a bounded write hook per contiguous run), and which had their protection lifted by a fault without being watched
 * (past the watch limit). {@link #refresh} brings a range in line with the {@link WritePolicy}; the engine is reached
 * only through {@link Effects}.
 *
 * <p>Invariant after every refresh of a page: a flagged page is protected or watched, or it is {@link #lifted}
 * (faulted past the watch limit); an unflagged page is neither protected nor watched. So refreshing a page whose answer
 * did not change does nothing but re-protect a lifted page, and at ExitBootServices (UEFI 2.10 §7.2, tables 7-6/7-7),
 * where only pages of EfiLoaderCode/Data, EfiBootServicesCode/Data and EfiConventionalMemory descriptors can turn from
 * flagged to unflagged ({@link WritePolicy#osOwnedRuns}), refreshing those and the lifted pages gives the state a
 * refresh of every mapped page gives ({@link #exitBootServices(boolean)}).
 */
final class PageProtections {
    private static final long PAGE = 0x1000;

    /** What the bookkeeping asks of the engine. */
    interface Effects {
        /** Write-protects ({@code on}) or unprotects {@code [start, end)}. */
        void protect(long start, long end, boolean on);

        /** Replaces the write hooks inside {@code [start, end)} with one bounded hook over it. */
        void rehook(long start, long end);

        /** Closes the write hooks inside {@code [start, end)}. */
        void closeHooks(long start, long end);

        /** Contiguous watched runs hooked now. */
        int hookRuns();
    }

    private final WritePolicy policy;
    private final Effects effects;
    private final int maxWatchRuns;
    private final RangeSet<Long> mapped = TreeRangeSet.create();
    private final RangeSet<Long> protectedPages = TreeRangeSet.create();
    private final RangeSet<Long> watched = TreeRangeSet.create();
    /** Pages a fault unprotected without watching them; entries may be stale (refreshing a page in line is a no-op). */
    private final TreeSet<Long> lifted = new TreeSet<>();
    private long watchedPages;
    private long unwatchedPages;

    PageProtections(WritePolicy policy, Effects effects, int maxWatchRuns) {
        this.policy = policy;
        this.effects = effects;
        this.maxWatchRuns = maxWatchRuns;
    }

    /** {@code [base, base+size)} is mapped RAM (at attach or mapped lazily later): its pages get their protection. */
    void mapped(long base, long size) {
        mapped.add(Range.closedOpen(base, base + size));
        refresh(base, base + size);
    }

    /** Adds a mapped range without refreshing it (at attach, before {@link #refreshAll}). */
    void addMapped(long base, long size) {
        mapped.add(Range.closedOpen(base, base + size));
    }

    /** Refreshes every mapped page. */
    void refreshAll() {
        for (Range<Long> r : List.copyOf(mapped.asRanges())) {
            refresh(r.lowerEndpoint(), r.upperEndpoint());
        }
    }

    /**
     * ExitBootServices succeeded: the policy moves on and protections follow. {@code incremental}: only the pages whose
     * answer can change (OS-owned descriptors' pages) and the lifted pages are refreshed; else every mapped page
     * (the reference the tests compare with).
     */
    void exitBootServices(boolean incremental) {
        policy.exitBootServices();
        if (!incremental) {
            refreshAll();
            return;
        }
        List<long[]> ranges = new ArrayList<>();
        policy.osOwnedRuns((start, end) -> ranges.add(new long[] {start, end}));
        for (long p : lifted) {
            ranges.add(new long[] {p, p + PAGE});
        }
        ranges.sort((a, b) -> Long.compareUnsigned(a[0], b[0]));
        long start = 0;
        long end = 0;
        boolean open = false;
        for (long[] r : ranges) {
            if (open && Long.compareUnsigned(r[0], end) <= 0) {
                if (Long.compareUnsigned(r[1], end) > 0) {
                    end = r[1];
                }
                continue;
            }
            if (open) {
                refresh(start, end);
            }
            start = r[0];
            end = r[1];
            open = true;
        }
        if (open) {
            refresh(start, end);
        }
    }

    /** Brings the protection of the mapped pages in {@code [start, end)} in line with the policy. */
    void refresh(long start, long end) {
        if (Long.compareUnsigned(start, end) >= 0) {
            return;
        }
        for (Range<Long> m : mapped.subRangeSet(Range.closedOpen(start, end)).asRanges()) {
            // runs of pages with one answer, as asking the policy page by page would find them
            policy.flaggedRuns(m.lowerEndpoint(), m.upperEndpoint(), this::apply);
        }
    }

    private void apply(long start, long end, boolean flagged) {
        Range<Long> r = Range.closedOpen(start, end);
        if (flagged) {
            if (protectedPages.encloses(r)) {
                return; // already protected (most refreshes): nothing to add
            }
            RangeSet<Long> todo = TreeRangeSet.create(List.of(r));
            todo.removeAll(protectedPages);
            todo.removeAll(watched);
            for (Range<Long> t : todo.asRanges()) {
                effects.protect(t.lowerEndpoint(), t.upperEndpoint(), true);
            }
            protectedPages.addAll(todo);
        } else {
            if (protectedPages.intersects(r)) {
                for (Range<Long> t : protectedPages.subRangeSet(r).asRanges()) {
                    effects.protect(t.lowerEndpoint(), t.upperEndpoint(), false);
                }
                protectedPages.remove(r);
            }
            if (watched.intersects(r)) {
                unwatch(r);
            }
        }
    }

    /** Whether the page at {@code page} is write-protected by this bookkeeping. */
    boolean isProtected(long page) {
        return protectedPages.contains(page);
    }

    /**
     * A write faulted on the protected page {@code page}: its protection is lifted and the page watched, unless the
     * watch limit is reached (then only lifted).
     */
    void faulted(long page) {
        effects.protect(page, page + PAGE, false);
        protectedPages.remove(Range.closedOpen(page, page + PAGE));
        Range<Long> p = Range.closedOpen(page, page + PAGE);
        boolean adjacent = watched.intersects(Range.closed(page, page + PAGE));
        if (!adjacent && effects.hookRuns() >= maxWatchRuns) {
            unwatchedPages++;
            lifted.add(page);
            return;
        }
        watchedPages++;
        watched.add(p);
        Range<Long> run = watched.rangeContaining(page);
        effects.rehook(run.lowerEndpoint(), run.upperEndpoint());
    }

    private void unwatch(Range<Long> r) {
        RangeSet<Long> affected = TreeRangeSet.create();
        watched.subRangeSet(r).asRanges().forEach(x -> affected.add(watched.rangeContaining(x.lowerEndpoint())));
        watched.remove(r);
        for (Range<Long> a : affected.asRanges()) {
            effects.closeHooks(a.lowerEndpoint(), a.upperEndpoint());
            for (Range<Long> rest : watched.subRangeSet(a).asRanges()) {
                effects.rehook(rest.lowerEndpoint(), rest.upperEndpoint());
            }
        }
    }

    /** The protected runs, {start, end} each, in address order. */
    List<long[]> protectedRuns() {
        List<long[]> out = new ArrayList<>();
        for (Range<Long> r : protectedPages.asRanges()) {
            out.add(new long[] {r.lowerEndpoint(), r.upperEndpoint()});
        }
        return out;
    }

    /** The watched runs, {start, end} each, in address order. */
    List<long[]> watchedRuns() {
        List<long[]> out = new ArrayList<>();
        for (Range<Long> r : watched.asRanges()) {
            out.add(new long[] {r.lowerEndpoint(), r.upperEndpoint()});
        }
        return out;
    }

    /** Forgets the protected pages (their protections were lifted or the engine is gone). */
    void clearProtected() {
        protectedPages.clear();
    }

    long watchedPages() {
        return watchedPages;
    }

    long unwatchedPages() {
        return unwatchedPages;
    }
}
