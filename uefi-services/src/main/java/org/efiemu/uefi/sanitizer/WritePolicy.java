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
    private final RangeMap<Long, String> structures = TreeRangeMap.create();
    private RangeMap<Long, Integer> types;
    private boolean afterExitBootServices;

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
        for (FirmwareArena.Piece p : arena) {
            structures.put(Range.closedOpen(p.base(), p.end()), p.label());
        }
    }

    /** Forgets cached memory types (call after every ownership change). */
    void invalidate() {
        types = null;
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
        if (applicationStatic.contains(page)) {
            return Verdict.OWNED;
        }
        PageOwner owner = map.ownerOf(page);
        if (owner.kind() == PageOwner.Kind.APPLICATION) {
            return Verdict.OWNED;
        }
        if (owner.kind() == PageOwner.Kind.NOT_RAM) {
            return new Verdict(FindingKind.FIRMWARE_CORRUPTION, "no RAM", "no RAM");
        }
        int type = typeAt(page);
        String typeName = MemoryType.nameOf(type);
        if (afterExitBootServices) {
            return osOwnsAfterExit(type) ? Verdict.OWNED : new Verdict(FindingKind.FIRMWARE_CORRUPTION, typeName, name(owner, address));
        }
        if (owner.kind() == PageOwner.Kind.FREE) {
            return new Verdict(FindingKind.UNALLOCATED_USE, typeName, "free");
        }
        return new Verdict(FindingKind.FIRMWARE_CORRUPTION, typeName, name(owner, address));
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
        String label = structures.get(address);
        return label != null ? "firmware '" + label + "'" : "platform firmware";
    }

    private int typeAt(long page) {
        if (types == null) {
            RangeMap<Long, Integer> t = TreeRangeMap.create();
            for (MemoryDescriptor d : map.getMemoryMap().descriptors()) {
                t.put(Range.closedOpen(d.physicalStart(), d.end()), d.type());
            }
            types = t;
        }
        Integer t = types.get(page);
        return t != null ? t : MemoryType.EfiReservedMemoryType.value();
    }
}
