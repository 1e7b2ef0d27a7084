package org.efiemu.uefi.debug;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.efiemu.uefi.image.ImageRegistry;
import org.efiemu.uefi.memory.Allocation;
import org.efiemu.uefi.memory.AllocationTag;
import org.efiemu.uefi.memory.PoolAllocation;
import org.efiemu.uefi.memory.Requester;
import org.efiemu.uefi.memory.MemoryMapText;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.efiemu.uefi.spec.MemoryType;

/**
 * Text views of the memory model for the debugger: the map as GetMemoryMap would return it (UEFI 2.10 §7.2) with
 * who owns each allocated range, what changed between two stops, and the live allocations with their call sites.
 */
public final class MemoryMapView {
    private MemoryMapView() {}

    /** One descriptor in the map's one text form ({@link MemoryMapText#line}). */
    public static String line(MemoryDescriptor d) {
        return MemoryMapText.line(d);
    }

    /**
     * The map in its one text form ({@link MemoryMapText}: header, then a row per descriptor), each row followed by the
     * owners of its allocated pages ({@code image.efi+0x1A2B}).
     */
    public static List<String> withOwners(List<MemoryDescriptor> map, List<Allocation> live, ImageRegistry images) {
        List<String> out = new ArrayList<>();
        out.add(MemoryMapText.HEADER);
        for (int i = 0; i < map.size(); i++) {
            MemoryDescriptor d = map.get(i);
            long end = d.physicalStart() + (d.numberOfPages() << 12);
            Set<String> owners = new LinkedHashSet<>();
            for (Allocation a : live) {
                if (a.base() < end && d.physicalStart() < a.end()) owners.add(owner(a, images));
            }
            out.add(MemoryMapText.row(i, d) + (owners.isEmpty() ? "" : "  <- " + String.join("; ", owners)));
        }
        return out;
    }

    /** Descriptors that disappeared ({@code -}) and appeared ({@code +}) from {@code before} to {@code after}. */
    public static List<String> changes(List<MemoryDescriptor> before, List<MemoryDescriptor> after) {
        List<String> out = new ArrayList<>();
        Set<MemoryDescriptor> b = new LinkedHashSet<>(before);
        Set<MemoryDescriptor> a = new LinkedHashSet<>(after);
        before.stream().filter(d -> !a.contains(d)).forEach(d -> out.add("- " + line(d)));
        after.stream().filter(d -> !b.contains(d)).forEach(d -> out.add("+ " + line(d)));
        return out;
    }

    /** Live allocations made by the application, with their call sites; firmware ones with {@code all}. */
    public static List<String> allocations(List<Allocation> live, ImageRegistry images, boolean all) {
        List<String> out = new ArrayList<>();
        for (Allocation a : live) {
            if (!all && a.requester() != Requester.APPLICATION) continue;
            String what = a.service().name() + (a.size() > 0 ? " " + a.size() + " bytes" : "");
            out.add(String.format("#%d %s %s 0x%X-0x%X %d page%s from %s", a.id(), what, MemoryType.nameOf(a.memoryType()),
                    a.base(), a.end() - 1, a.pages(), a.pages() == 1 ? "" : "s", owner(a, images)));
        }
        return out;
    }

    /**
     * Live pool blocks (AllocatePool, UEFI 2.10 §7.2; EDK2 {@code Pool.c}) made by the application, with their call
     * sites; firmware ones with {@code all}: {@code pool EfiLoaderData 0x7E8F018 40 bytes (block 128) from x.efi+0x1A2B}.
     */
    public static List<String> poolBlocks(List<PoolAllocation> live, ImageRegistry images, boolean all) {
        List<String> out = new ArrayList<>();
        for (PoolAllocation p : live) {
            if (!all && p.tag().requester() != Requester.APPLICATION) continue;
            out.add(String.format("pool %s 0x%X %d bytes (block %d) from %s", MemoryType.nameOf(p.poolType()),
                    p.buffer(), p.size(), p.blockSize(), owner(p.tag(), images)));
        }
        return out;
    }

    private static String owner(Allocation a, ImageRegistry images) {
        return owner(a.tag(), images);
    }

    private static String owner(AllocationTag tag, ImageRegistry images) {
        if (tag.callerRip() != 0) return images.describe(tag.callerRip());
        return tag.requester().name().toLowerCase(java.util.Locale.ROOT) + (tag.label() == null ? "" : " '" + tag.label() + "'");
    }
}
