package org.efiemu.uefi.sanitizer;

import com.google.common.collect.Range;
import com.google.common.collect.RangeMap;
import com.google.common.collect.RangeSet;
import com.google.common.collect.TreeRangeMap;
import com.google.common.collect.TreeRangeSet;
import java.util.List;
import org.efiemu.uefi.firmware.FirmwareArena;
import org.efiemu.uefi.memory.MemoryMap;
import org.efiemu.uefi.memory.PageOwner;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.efiemu.uefi.spec.MemoryType;

/**
 * Who may write a page, from the memory model's page ownership.
 *
 * <p>Before ExitBootServices the application owns its image, its stack and the pages it allocated
 * ({@link PageOwner.Kind#APPLICATION}); a write to free memory is {@link FindingKind#UNALLOCATED_USE} and a write to
 * anything else (platform firmware, firmware allocations, the firmware's structures, no RAM) is
 * {@link FindingKind#FIRMWARE_CORRUPTION}. After ExitBootServices, EfiLoaderCode/Data, EfiBootServicesCode/Data and
 * EfiConventionalMemory belong to the OS (UEFI 2.10 §7.2, "Memory Type Usage after ExitBootServices()", tables 7-6
 * and 7-7) as do the application's own allocations; Runtime Services code/data, ACPI reclaim (the OS has not yet
 * enabled ACPI and read the tables), ACPI NVS, reserved, unusable, PAL code, persistent and unaccepted memory, MMIO
 * and holes remain firmware memory.
 */
final class WritePolicy {
    /** How a page is classified: {@code kind} null means the writer owns it. */
    record Verdict(FindingKind kind, String ownerType, String owner) {
        static final Verdict OWNED = new Verdict(null, "", "");

        boolean flagged() {
            return kind != null;
        }
    }

    private final MemoryMap map;
    private final RangeSet<Long> applicationStatic = TreeRangeSet.create();
    /** The arena's pieces as given; their range map is built on first use ({@link #structures()}): most runs name none. */
    private final List<FirmwareArena.Piece> arena;
    private RangeMap<Long, String> structures;
    /** The map's descriptors by address, built on first use after every change ({@link #invalidate}). */
    private org.efiemu.uefi.memory.DescriptorIndex types;
    private boolean afterExitBootServices;
    /** The page {@link #classify} answered last and its answer, while nothing changed ({@link #invalidate}); -1: none. */
    private long classifiedPage = -1;
    private Verdict classified;

    /**
     * @param map the machine's memory model
     * @param applicationRanges {@code [start, end)} pairs the application owns outside its allocations (image, stack)
     * @param arena the firmware's labelled structures (for owner names)
     */
    WritePolicy(MemoryMap map, List<long[]> applicationRanges, List<FirmwareArena.Piece> arena) {
        this.map = map;
        for (long[] r : applicationRanges) {
            applicationStatic.add(Range.closedOpen(r[0], r[1]));
        }
        this.arena = List.copyOf(arena);
    }

    private RangeMap<Long, String> structures() {
        if (structures == null) {
            RangeMap<Long, String> m = TreeRangeMap.create();
            for (FirmwareArena.Piece p : arena) {
                m.put(Range.closedOpen(p.base(), p.end()), p.label());
            }
            structures = m;
        }
        return structures;
    }

    /** Forgets cached memory types (call after every ownership change). */
    void invalidate() {
        types = null;
        classifiedPage = -1;
        classified = null;
    }

    void exitBootServices() {
        afterExitBootServices = true;
        invalidate();
    }

    boolean afterExitBootServices() {
        return afterExitBootServices;
    }

    /** The classification of the page holding {@code address}, with the owner named at {@code address}. */
    Verdict classify(long address) {
        long page = address & -MemoryDescriptor.PAGE_SIZE;
        if (page == classifiedPage) { // a store loop classifies the same page over and over
            return classified;
        }
        if (applicationStatic.contains(page)) {
            return remember(page, Verdict.OWNED);
        }
        PageOwner owner = map.ownerOf(page);
        if (owner.kind() == PageOwner.Kind.APPLICATION) {
            return remember(page, Verdict.OWNED);
        }
        if (owner.kind() == PageOwner.Kind.NOT_RAM) {
            return remember(page, new Verdict(FindingKind.FIRMWARE_CORRUPTION, "no RAM", "no RAM"));
        }
        int type = typeAt(page);
        String typeName = MemoryType.nameOf(type);
        Verdict v;
        if (afterExitBootServices) {
            v = osOwnsAfterExit(type) ? Verdict.OWNED : new Verdict(FindingKind.FIRMWARE_CORRUPTION, typeName, name(owner, address));
        } else if (owner.kind() == PageOwner.Kind.FREE) {
            v = new Verdict(FindingKind.UNALLOCATED_USE, typeName, "free");
        } else {
            v = new Verdict(FindingKind.FIRMWARE_CORRUPTION, typeName, name(owner, address));
        }
        // a firmware page outside any allocation is named by the structure at the address: the same for the whole
        // page only when no structure touches it
        boolean sameForThePage = !v.flagged() || owner.allocation() != null || owner.kind() == PageOwner.Kind.FREE
                || structures().subRangeMap(Range.closedOpen(page, page + MemoryDescriptor.PAGE_SIZE)).asMapOfRanges().isEmpty();
        return sameForThePage ? remember(page, v) : v;
    }

    private Verdict remember(long page, Verdict v) {
        classifiedPage = page;
        classified = v;
        return v;
    }

    /**
     * Whether a write to the page holding {@code address} is flagged: the same answer as
     * {@code classify(address).flagged()} without naming the owner (no Allocation.toString per page while the
     * sanitizer brings protections in line with the policy).
     */
    boolean flagged(long address) {
        long page = address & -MemoryDescriptor.PAGE_SIZE;
        if (applicationStatic.contains(page)) {
            return false;
        }
        PageOwner owner = map.ownerOf(page);
        if (owner.kind() == PageOwner.Kind.APPLICATION) {
            return false;
        }
        if (owner.kind() == PageOwner.Kind.NOT_RAM || !afterExitBootServices) {
            return true;
        }
        return !osOwnsAfterExit(typeAt(page));
    }

    /** Receives runs of pages with one {@link #flagged} answer. */
    interface RunSink {
        void run(long start, long end, boolean flagged);
    }

    /**
     * The pages of {@code [start, end)} (page aligned) as maximal runs with one {@link #flagged} answer, in address
     * order: the same answer as asking {@link #flagged} page by page, worked out from the runs it depends on (the
     * application's static ranges, the memory model's owner runs and, after ExitBootServices, the map's descriptors).
     */
    void flaggedRuns(long start, long end, RunSink sink) {
        Runs runs = new Runs(sink);
        long at = start;
        for (Range<Long> app : applicationStatic.subRangeSet(Range.closedOpen(start, end)).asRanges()) {
            long from = pageUp(app.lowerEndpoint()); // flagged() asks whether the page's first byte is inside
            long to = Math.min(end, pageUp(app.upperEndpoint()));
            if (from >= to) {
                continue;
            }
            if (at < from) {
                ownerRuns(at, from, runs);
            }
            runs.add(from, to, false);
            at = to;
        }
        if (at < end) {
            ownerRuns(at, end, runs);
        }
        runs.flush();
    }

    private void ownerRuns(long start, long end, Runs runs) {
        for (org.efiemu.uefi.memory.OwnerRun r : map.owners(start, end - start)) {
            long from = Math.max(r.base(), start);
            long to = Math.min(r.end(), end);
            PageOwner.Kind kind = r.owner().kind();
            if (kind == PageOwner.Kind.APPLICATION) {
                runs.add(from, to, false);
            } else if (kind == PageOwner.Kind.NOT_RAM || !afterExitBootServices) {
                runs.add(from, to, true);
            } else {
                typeRuns(from, to, runs);
            }
        }
    }

    private void typeRuns(long start, long end, Runs runs) {
        typeAt(start); // builds the descriptor types
        long[] at = {start};
        types.forEach(start, end, (lower, upper, d) -> {
            long from = Math.max(at[0], pageUp(lower));
            long to = Math.min(end, pageUp(upper));
            if (from >= to) {
                return;
            }
            if (at[0] < from) {
                runs.add(at[0], from, true); // no descriptor: EfiReservedMemoryType
            }
            runs.add(from, to, !osOwnsAfterExit(d.type()));
            at[0] = to;
        });
        if (at[0] < end) {
            runs.add(at[0], end, true);
        }
    }

    /** Receives page-aligned ranges {@code [start, end)}. */
    interface RangeSink {
        void range(long start, long end);
    }

    /**
     * The pages whose type ({@link #typeAt}: the descriptor holding the page's first byte) the OS owns after
     * ExitBootServices ({@link #osOwnsAfterExit}), as the map's pieces widened to whole pages, in address order: the
     * only pages whose {@link #flagged} answer ExitBootServices can change (before it a page is flagged unless the
     * application owns it; after it, in addition, unless it has RAM and an OS-owned type), so a superset of those that
     * do. Reads the descriptor index the refresh that follows reads too (one {@code GetMemoryMap} snapshot).
     */
    void osOwnedRuns(RangeSink sink) {
        typeAt(0); // builds the descriptor index
        types.forEach(0, Long.MAX_VALUE, (from, to, d) -> {
            if (osOwnsAfterExit(d.type())) {
                long end = to > Long.MAX_VALUE - MemoryDescriptor.PAGE_SIZE ? Long.MAX_VALUE & -MemoryDescriptor.PAGE_SIZE
                        : pageUp(to);
                sink.range(from & -MemoryDescriptor.PAGE_SIZE, end);
            }
        });
    }

    private static long pageUp(long a) {
        return (a + MemoryDescriptor.PAGE_SIZE - 1) & -MemoryDescriptor.PAGE_SIZE;
    }

    /** Joins consecutive pieces with the same answer into maximal runs. */
    private static final class Runs {
        private final RunSink sink;
        private long start;
        private long end;
        private boolean flagged;
        private boolean open;

        Runs(RunSink sink) {
            this.sink = sink;
        }

        void add(long from, long to, boolean f) {
            if (open && from == end && f == flagged) {
                end = to;
                return;
            }
            flush();
            start = from;
            end = to;
            flagged = f;
            open = true;
        }

        void flush() {
            if (open) {
                sink.run(start, end, flagged);
                open = false;
            }
        }
    }

    /** UEFI 2.10 §7.2 tables 7-6/7-7: memory the OS may use freely once ExitBootServices succeeded. */
    static boolean osOwnsAfterExit(int type) {
        return type == MemoryType.EfiLoaderCode.value() || type == MemoryType.EfiLoaderData.value()
                || type == MemoryType.EfiBootServicesCode.value() || type == MemoryType.EfiBootServicesData.value()
                || type == MemoryType.EfiConventionalMemory.value();
    }

    private String name(PageOwner owner, long address) {
        if (owner.allocation() != null) {
            return owner.allocation().toString();
        }
        if (owner.kind() == PageOwner.Kind.FREE) {
            return "free";
        }
        String label = structures().get(address);
        return label != null ? "firmware '" + label + "'" : "platform firmware";
    }

    private int typeAt(long page) {
        if (types == null) {
            types = org.efiemu.uefi.memory.DescriptorIndex.of(map.getMemoryMap().descriptors());
        }
        MemoryDescriptor d = types.at(page);
        return d != null ? d.type() : MemoryType.EfiReservedMemoryType.value();
    }
}
