package org.efiemu.uefi.sanitizer;

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
    /**
     * Watched pages stay write-protected in the engine (their stores are taken in the protection fault, no write
     * hook): a fault that watches a page leaves the engine's protection on, and a page that stops being watched is
     * unprotected. {@link #protectedRuns} still lists only the protected pages that are not watched.
     */
    private final boolean watchedStayProtected;
    private final PageRuns mapped = new PageRuns();
    private final PageRuns protectedPages = new PageRuns();
    private final PageRuns watched = new PageRuns();
    /** {@link #apply}'s sinks, made once (no lambda per run). */
    private final PageRuns.Sink protectGap = this::protectUnwatched;
    private final PageRuns.Sink protectPiece = this::protectPiece;
    private final PageRuns.Sink unprotectPiece = this::unprotectPiece;
    private final WritePolicy.RunSink applySink = this::apply;
    private final PageRuns.Sink refreshPiece = this::refreshPiece;
    /** Pages a fault unprotected without watching them; entries may be stale (refreshing a page in line is a no-op). */
    private final TreeSet<Long> lifted = new TreeSet<>();
    private long watchedPages;
    private long unwatchedPages;

    PageProtections(WritePolicy policy, Effects effects, int maxWatchRuns) {
        this(policy, effects, maxWatchRuns, false);
    }

    /** With {@code watchedStayProtected}: see the field; else watched pages are unprotected and hooked. */
    PageProtections(WritePolicy policy, Effects effects, int maxWatchRuns, boolean watchedStayProtected) {
        this.policy = policy;
        this.effects = effects;
        this.maxWatchRuns = maxWatchRuns;
        this.watchedStayProtected = watchedStayProtected;
    }

    /** {@code [base, base+size)} is mapped RAM (at attach or mapped lazily later): its pages get their protection. */
    void mapped(long base, long size) {
        mapped.add(base, base + size);
        refresh(base, base + size);
    }

    /** Adds a mapped range without refreshing it (at attach, before {@link #refreshAll}). */
    void addMapped(long base, long size) {
        mapped.add(base, base + size);
    }

    /** Refreshes every mapped page. */
    void refreshAll() {
        List<long[]> all = new ArrayList<>(mapped.runCount());
        mapped.forEach((start, end) -> all.add(new long[] {start, end}));
        for (long[] r : all) {
            refresh(r[0], r[1]);
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
        // runs of pages with one answer, as asking the policy page by page would find them (the policy neither maps
        // nor unmaps: the mapped runs do not change while they are walked)
        mapped.forEachIn(start, end, refreshPiece);
    }

    private void apply(long start, long end, boolean flagged) {
        if (flagged) {
            if (protectedPages.encloses(start, end)) {
                return; // already protected (most refreshes): nothing to add
            }
            // the pages neither protected nor watched, in address order: protected and added
            List<long[]> todo = new ArrayList<>(2);
            protectedPages.gapsIn(start, end, (s, e) -> todo.add(new long[] {s, e}));
            for (long[] g : todo) {
                protectUnwatched(g[0], g[1]);
            }
        } else {
            if (protectedPages.intersects(start, end)) {
                protectedPages.forEachIn(start, end, unprotectPiece);
                protectedPages.remove(start, end);
            }
            if (watched.intersects(start, end)) {
                unwatch(start, end);
            }
        }
    }

    private void refreshPiece(long start, long end) {
        policy.flaggedRuns(start, end, applySink);
    }

    private void protectPiece(long start, long end) {
        effects.protect(start, end, true);
        protectedPages.add(start, end);
    }

    private void unprotectPiece(long start, long end) {
        effects.protect(start, end, false);
    }

    private void protectUnwatched(long start, long end) {
        watched.gapsIn(start, end, protectPiece);
    }

    /** Whether the page at {@code page} is watched. */
    boolean isWatched(long page) {
        return watched.contains(page);
    }

    /** Contiguous watched runs now. */
    int watchedRunCount() {
        return watched.runCount();
    }

    /** Whether the page at {@code page} is write-protected by this bookkeeping (and not watched). */
    boolean isProtected(long page) {
        return protectedPages.contains(page);
    }

    /**
     * A write faulted on the protected page {@code page}: its protection is lifted and the page watched, unless the
     * watch limit is reached (then only lifted).
     */
    void faulted(long page) {
        protectedPages.remove(page, page + PAGE);
        boolean adjacent = watched.intersectsClosed(page, page + PAGE);
        if (!adjacent && effects.hookRuns() >= maxWatchRuns) {
            effects.protect(page, page + PAGE, false);
            unwatchedPages++;
            lifted.add(page);
            return;
        }
        if (!watchedStayProtected) {
            effects.protect(page, page + PAGE, false);
        }
        watchedPages++;
        watched.add(page, page + PAGE);
        long[] run = watched.runContaining(page);
        effects.rehook(run[0], run[1]);
    }

    private void unwatch(long start, long end) {
        List<long[]> affected = new ArrayList<>();
        watched.forEachIn(start, end, (s, e) -> {
            long[] run = watched.runContaining(s);
            if (affected.isEmpty() || affected.get(affected.size() - 1)[0] != run[0]) {
                affected.add(run);
            }
        });
        if (watchedStayProtected) {
            List<long[]> pieces = new ArrayList<>();
            watched.forEachIn(start, end, (s, e) -> pieces.add(new long[] {s, e}));
            for (long[] p : pieces) {
                effects.protect(p[0], p[1], false);
            }
        }
        watched.remove(start, end);
        for (long[] a : affected) {
            effects.closeHooks(a[0], a[1]);
            watched.forEachIn(a[0], a[1], effects::rehook);
        }
    }

    /** The protected runs, {start, end} each, in address order. */
    List<long[]> protectedRuns() {
        List<long[]> out = new ArrayList<>();
        protectedPages.forEach((start, end) -> out.add(new long[] {start, end}));
        return out;
    }

    /** The watched runs, {start, end} each, in address order. */
    List<long[]> watchedRuns() {
        List<long[]> out = new ArrayList<>();
        watched.forEach((start, end) -> out.add(new long[] {start, end}));
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
