package org.efiemu.earlyalloc;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.efiemu.platform.PlatformProfile;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.efiemu.uefi.spec.MemoryType;

/**
 * Makes a machine's memory map longer, as fragmented firmware does (the seed: "Dell PowerEdge R820 ... more than 200
 * entries"): the top pages of the largest {@code EfiConventionalMemory} descriptor below 4 GiB become single pages
 * that alternate {@code EfiBootServicesData} / {@code EfiConventionalMemory}, each a descriptor of its own (adjacent
 * descriptors of different types never merge, EDK2 {@code CoreAddRange}). Adds exactly {@code n} descriptors and takes
 * {@code ceil(n / 2)} pages away from free memory. Pure.
 */
public final class MapGrowth {
    private static final long FOUR_GIB = 1L << 32;

    private MapGrowth() {
    }

    /**
     * @throws IllegalArgumentException naming the platform when no free descriptor below 4 GiB has {@code n + 1} pages
     */
    public static PlatformProfile grow(PlatformProfile p, int n) {
        if (n == 0) {
            return p;
        }
        List<MemoryDescriptor> map = p.memoryMap();
        int conv = MemoryType.EfiConventionalMemory.value();
        MemoryDescriptor victim = map.stream()
                .filter(d -> d.type() == conv && d.end() <= FOUR_GIB && d.numberOfPages() > n)
                .max(Comparator.comparingLong(MemoryDescriptor::numberOfPages).thenComparing(MemoryDescriptor::physicalStart))
                .orElseThrow(() -> new IllegalArgumentException("platform " + p.name() + ": cannot add " + n
                        + " map entries, no EfiConventionalMemory descriptor below 4 GiB has more than " + n + " pages"));
        List<MemoryDescriptor> out = new ArrayList<>();
        for (MemoryDescriptor d : map) {
            if (d != victim) {
                out.add(d);
                continue;
            }
            long keep = d.numberOfPages() - n;
            out.add(new MemoryDescriptor(conv, d.physicalStart(), keep, d.attribute()));
            for (int i = 0; i < n; i++) {
                int type = i % 2 == 0 ? MemoryType.EfiBootServicesData.value() : conv;
                out.add(new MemoryDescriptor(type, d.physicalStart() + (keep + i) * MemoryDescriptor.PAGE_SIZE, 1, d.attribute()));
            }
        }
        return p.toBuilder().memoryMap(out).source("efiemu: " + n + " extra map entries carved from the top of "
                + victim).build();
    }
}
