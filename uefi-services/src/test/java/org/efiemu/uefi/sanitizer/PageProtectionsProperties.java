package org.efiemu.uefi.sanitizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.efiemu.uefi.memory.AllocationTag;
import org.efiemu.uefi.memory.MemoryMap;
import org.efiemu.uefi.spec.AllocateType;
import org.efiemu.uefi.spec.EfiException;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.efiemu.uefi.spec.MemoryType;

/**
 * {@link PageProtections} without an emulator, over random maps, allocations, frees, faults (past a small watch
 * limit too) and lazily mapped chunks: the refresh at ExitBootServices of only the pages whose answer can change
 * leaves the same protections, watched runs, hooks and counts as a refresh of every mapped page, and both keep the
 * invariant the incremental refresh rests on.
 */
class PageProtectionsProperties {
    private static final long PAGE = 0x1000;
    private static final int[] TYPES = {MemoryType.EfiConventionalMemory.value(), MemoryType.EfiBootServicesData.value(),
            MemoryType.EfiBootServicesCode.value(), MemoryType.EfiLoaderCode.value(), MemoryType.EfiLoaderData.value(),
            MemoryType.EfiRuntimeServicesCode.value(), MemoryType.EfiRuntimeServicesData.value(),
            MemoryType.EfiACPIReclaimMemory.value(), MemoryType.EfiACPIMemoryNVS.value(),
            MemoryType.EfiReservedMemoryType.value(), MemoryType.EfiMemoryMappedIO.value()};

    /** Effects as the engine would see them: protection per page and the hooked runs. */
    static class Engine implements PageProtections.Effects {
        final TreeSet<Long> protectedPages = new TreeSet<>();
        final TreeMap<Long, Long> hooks = new TreeMap<>();
        long calls;

        @Override
        public void protect(long start, long end, boolean on) {
            calls++;
            for (long p = start; p < end; p += PAGE) {
                if (on) {
                    protectedPages.add(p);
                } else {
                    protectedPages.remove(p);
                }
            }
        }

        @Override
        public void rehook(long start, long end) {
            closeHooks(start, end);
            hooks.put(start, end);
        }

        @Override
        public void closeHooks(long start, long end) {
            hooks.subMap(start, true, end, false).clear();
        }

        @Override
        public int hookRuns() {
            return hooks.size();
        }
    }

    /**
     * Effects of a sanitizer whose watched pages stay protected (stores taken in the fault): no hooks; the watch limit
     * counts the watched runs, as {@code MemorySanitizer} does.
     */
    static final class FaultEngine extends Engine {
        PageProtections protections;

        @Override
        public void rehook(long start, long end) {
        }

        @Override
        public void closeHooks(long start, long end) {
        }

        @Override
        public int hookRuns() {
            return protections.watchedRunCount();
        }
    }

    /** One sanitizer's bookkeeping over a shared memory model. */
    static final class Side {
        final WritePolicy policy;
        final Engine engine;
        final PageProtections protections;

        Side(MemoryMap model, List<long[]> owned, int maxWatchRuns) {
            this(model, owned, maxWatchRuns, false);
        }

        Side(MemoryMap model, List<long[]> owned, int maxWatchRuns, boolean watchedStayProtected) {
            policy = new WritePolicy(model, owned, List.of());
            engine = watchedStayProtected ? new FaultEngine() : new Engine();
            protections = new PageProtections(policy, engine, maxWatchRuns, watchedStayProtected);
            if (engine instanceof FaultEngine f) {
                f.protections = protections;
            }
        }

        /** The bookkeeping without the engine: protected (not watched) runs, watched runs, counts. */
        String bookkeeping() {
            StringBuilder b = new StringBuilder();
            b.append("protected ");
            protections.protectedRuns().forEach(r -> b.append(String.format("[%X,%X)", r[0], r[1])));
            b.append("\nwatched ");
            protections.watchedRuns().forEach(r -> b.append(String.format("[%X,%X)", r[0], r[1])));
            b.append("\ncounts ").append(protections.watchedPages()).append('/').append(protections.unwatchedPages());
            return b.toString();
        }

        String state() {
            StringBuilder b = new StringBuilder();
            b.append("protected ");
            protections.protectedRuns().forEach(r -> b.append(String.format("[%X,%X)", r[0], r[1])));
            b.append("\nwatched ");
            protections.watchedRuns().forEach(r -> b.append(String.format("[%X,%X)", r[0], r[1])));
            b.append("\nengine protected ").append(engine.protectedPages).append("\nhooks ").append(engine.hooks)
                    .append("\ncounts ").append(protections.watchedPages()).append('/').append(protections.unwatchedPages());
            return b.toString();
        }
    }

    @Property(tries = 400)
    void theRefreshAtExitBootServicesOfWhatCanChangeLeavesWhatAFullRefreshLeaves(@ForAll long seed,
            @ForAll @IntRange(min = 1, max = 6) int maxWatchRuns) {
        check(seed, maxWatchRuns, false);
    }

    /**
     * Watched pages kept write-protected (their stores taken in the protection fault, no write hook) give the same
     * protected runs, watched runs and counts as watched pages unprotected and hooked, after every allocation, free,
     * lazy mapping, fault and ExitBootServices, both refreshes; the engine then protects exactly the protected and the
     * watched pages.
     */
    @Property(tries = 300)
    void watchedPagesKeptProtectedGiveTheBookkeepingOfWatchedPagesUnprotectedAndHooked(@ForAll long seed,
            @ForAll @IntRange(min = 1, max = 6) int maxWatchRuns) {
        check(seed, maxWatchRuns, true);
    }

    private static void check(long seed, int maxWatchRuns, boolean faultSides) {
        Random random = new Random(seed);
        List<MemoryDescriptor> map = new ArrayList<>();
        long at = PAGE * random.nextInt(4);
        int n = 2 + random.nextInt(40);
        for (int i = 0; i < n; i++) {
            if (random.nextInt(4) == 0) {
                at += PAGE * (1 + random.nextInt(8)); // a hole
            }
            long pages = 1 + random.nextInt(random.nextBoolean() ? 4 : 64);
            int type = i % 3 == 0 ? TYPES[0] : TYPES[random.nextInt(TYPES.length)];
            map.add(new MemoryDescriptor(type, at, pages, 0xF));
            at += pages * PAGE;
        }
        long top = at + PAGE * random.nextInt(8);
        MemoryMap model = MemoryMap.builder(map).build();
        List<long[]> owned = new ArrayList<>();
        for (int i = random.nextInt(3); i > 0; i--) {
            long base = random.nextLong(at);
            owned.add(new long[] {base, base + 1 + random.nextLong(16 * PAGE)}); // not page aligned
        }
        Side incremental = new Side(model, owned, maxWatchRuns);
        Side full = new Side(model, owned, maxWatchRuns);
        Side inFault = new Side(model, owned, maxWatchRuns, true);
        Side inFaultFull = new Side(model, owned, maxWatchRuns, true);
        Side[] both = faultSides ? new Side[] {incremental, full, inFault, inFaultFull} : new Side[] {incremental, full};
        // mapped RAM: chunks of [0, top) with gaps, some mapped only later (lazily)
        List<long[]> later = new ArrayList<>();
        for (long c = 0; c < top; ) {
            long size = PAGE * (1 + random.nextInt(48));
            if (random.nextInt(5) != 0) {
                if (random.nextInt(4) == 0) {
                    later.add(new long[] {c, size});
                } else {
                    for (Side s : both) {
                        s.protections.addMapped(c, size);
                    }
                }
            }
            c += size + (random.nextInt(3) == 0 ? PAGE * random.nextInt(4) : 0);
        }
        for (Side s : both) {
            s.protections.refreshAll();
        }
        model.addListener(run -> {
            for (Side s : both) {
                s.policy.invalidate();
                s.protections.refresh(run.base(), run.end());
            }
        });
        for (int step = random.nextInt(40); step > 0; step--) {
            switch (random.nextInt(4)) {
                case 0 -> {
                    try {
                        long base = model.allocatePages(AllocateType.AllocateAnyPages, TYPES[1 + random.nextInt(4)],
                                1 + random.nextInt(6), 0, random.nextBoolean() ? AllocationTag.application(0x1234)
                                        : AllocationTag.firmware());
                        if (random.nextInt(3) == 0) {
                            model.freePages(base, 1);
                        }
                    } catch (EfiException noRoom) {
                        // nothing free of that size: another step
                    }
                }
                case 1 -> {
                    if (!later.isEmpty()) {
                        long[] chunk = later.remove(random.nextInt(later.size()));
                        for (Side s : both) {
                            s.protections.mapped(chunk[0], chunk[1]);
                        }
                    }
                }
                default -> fault(both, random, top);
            }
            assertThat(incremental.state()).isEqualTo(full.state());
            assertFaultSides(faultSides, incremental, inFault, inFaultFull);
        }
        incremental.protections.exitBootServices(true);
        full.protections.exitBootServices(false);
        if (faultSides) {
            inFault.protections.exitBootServices(true);
            inFaultFull.protections.exitBootServices(false);
        }
        assertThat(incremental.state()).as("after ExitBootServices").isEqualTo(full.state());
        assertFaultSides(faultSides, incremental, inFault, inFaultFull);
        assertInLine(incremental, top);
        for (int step = random.nextInt(20); step > 0; step--) {
            if (random.nextInt(4) == 0 && !later.isEmpty()) {
                long[] chunk = later.remove(0);
                for (Side s : both) {
                    s.protections.mapped(chunk[0], chunk[1]);
                }
            } else {
                fault(both, random, top);
            }
            assertThat(incremental.state()).as("after ExitBootServices, step %d", step).isEqualTo(full.state());
            assertFaultSides(faultSides, incremental, inFault, inFaultFull);
        }
        assertInLine(incremental, top);
    }

    private static void assertFaultSides(boolean faultSides, Side hooked, Side inFault, Side inFaultFull) {
        if (!faultSides) {
            return;
        }
        assertThat(inFault.bookkeeping()).isEqualTo(hooked.bookkeeping());
        assertThat(inFaultFull.bookkeeping()).isEqualTo(hooked.bookkeeping());
        for (Side s : new Side[] {inFault, inFaultFull}) {
            TreeSet<Long> expected = pages(s);
            s.protections.watchedRuns().forEach(r -> {
                for (long p = r[0]; p < r[1]; p += PAGE) {
                    expected.add(p);
                }
            });
            assertThat(s.engine.protectedPages).as("the engine protects the protected and the watched pages")
                    .isEqualTo(expected);
            assertThat(s.engine.hooks).as("no write hook").isEmpty();
        }
    }

    /** A guest write to a random page: a protected one faults (on both sides alike). */
    private static void fault(Side[] both, Random random, long top) {
        for (int i = 0; i < 8; i++) {
            long page = random.nextLong(top) & -PAGE;
            if (both[0].protections.isProtected(page)) {
                for (Side s : both) {
                    s.protections.faulted(page);
                }
                return;
            }
        }
    }

    /** Every mapped page: flagged is protected, watched or lifted by a fault past the limit; unflagged is neither. */
    private static void assertInLine(Side s, long top) {
        TreeSet<Long> watched = new TreeSet<>();
        s.protections.watchedRuns().forEach(r -> {
            for (long p = r[0]; p < r[1]; p += PAGE) {
                watched.add(p);
            }
        });
        List<long[]> mappedRuns = new ArrayList<>();
        s.policy.flaggedRuns(0, top, (from, to, flagged) -> mappedRuns.add(new long[] {from, to, flagged ? 1 : 0}));
        for (long[] r : mappedRuns) {
            if (r[2] == 0) {
                for (long p = r[0]; p < r[1]; p += PAGE) {
                    assertThat(s.protections.isProtected(p) || watched.contains(p)).as("unflagged page 0x%X", p).isFalse();
                }
            }
        }
        assertThat(s.engine.protectedPages).as("the engine's protections are the bookkeeping's").isEqualTo(pages(s));
    }

    private static TreeSet<Long> pages(Side s) {
        TreeSet<Long> out = new TreeSet<>();
        s.protections.protectedRuns().forEach(r -> {
            for (long p = r[0]; p < r[1]; p += PAGE) {
                out.add(p);
            }
        });
        return out;
    }
}
