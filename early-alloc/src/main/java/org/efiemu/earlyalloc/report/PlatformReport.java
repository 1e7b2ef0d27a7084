package org.efiemu.earlyalloc.report;

import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * A machine (a matrix column): its name, description, where its data came from, and the memory map the application
 * sees at entry, sorted by address. Regions must not overlap; gaps between them are holes (no RAM reported).
 */
public record PlatformReport(String name, String description, String source, List<MapRegion> memoryMap) {
    public PlatformReport {
        Objects.requireNonNull(name, "PlatformReport.name");
        Objects.requireNonNull(description, "PlatformReport.description");
        Objects.requireNonNull(source, "PlatformReport.source");
        memoryMap = sortedDisjoint("platform '" + name + "' memoryMap", memoryMap);
    }

    /**
     * Copies a map sorted by {@code PhysicalStart} (unsigned) and checks that no two descriptors overlap.
     *
     * @throws IllegalArgumentException naming {@code what} and both descriptors on overlap
     */
    static List<MapRegion> sortedDisjoint(String what, List<MapRegion> regions) {
        List<MapRegion> sorted = regions.stream()
                .sorted(Comparator.comparing(MapRegion::start, Long::compareUnsigned))
                .toList();
        for (int i = 1; i < sorted.size(); i++) {
            MapRegion prev = sorted.get(i - 1);
            MapRegion cur = sorted.get(i);
            if (Long.compareUnsigned(cur.start(), prev.end()) < 0) {
                throw new IllegalArgumentException(what + ": descriptor " + cur + " overlaps " + prev);
            }
        }
        return sorted;
    }
}
