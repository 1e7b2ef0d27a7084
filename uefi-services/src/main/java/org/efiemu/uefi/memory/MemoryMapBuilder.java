package org.efiemu.uefi.memory;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.efiemu.uefi.spec.MemoryAttribute;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.efiemu.uefi.spec.MemoryType;
import org.efiemu.uefi.spec.PlacementSpec;

/**
 * Builds a {@link MemoryMap} from a platform's memory map at application entry.
 *
 * <p>Descriptors may come in any order (firmware lists MMIO after high RAM); they must be 4 KiB aligned, non-empty,
 * end below 2^63 and not overlap. RAM descriptors form the memory-services list (EDK2's internal descriptors;
 * adjacent ones of equal type and attribute merge), the rest are GCD entries (see {@link GcdEntries}). The RUNTIME
 * attribute bit of runtime-typed RAM descriptors is dropped internally and added back when reported, as EDK2 does,
 * so freed runtime pages merge with their free neighbours.
 */
public final class MemoryMapBuilder {
    private final List<MemoryDescriptor> platformMap;
    /** Null until {@link #placement} sets one: the default is parsed at {@link #build} only when no rule was given. */
    private PlacementRule rule;
    private int descriptorSize = 48;
    private int descriptorVersion = 1;
    private long initialMapKey;
    private boolean refuseAddressZero;

    MemoryMapBuilder(List<MemoryDescriptor> platformMap) {
        this.platformMap = List.copyOf(Objects.requireNonNull(platformMap, "platformMap"));
    }

    /** The placement rule by spec (default {@code edk2-topdown} without bins). */
    public MemoryMapBuilder placement(PlacementSpec spec) {
        this.rule = PlacementRules.create(spec);
        return this;
    }

    public MemoryMapBuilder placement(PlacementRule r) {
        this.rule = Objects.requireNonNull(r, "rule");
        return this;
    }

    /** DescriptorSize reported by GetMemoryMap: at least 40 and a multiple of 8 (default 48, as EDK2). */
    public MemoryMapBuilder descriptorSize(int size) {
        if (size < MemoryDescriptor.SPEC_SIZE || size % 8 != 0) {
            throw new IllegalArgumentException("memory map: descriptorSize " + size + " must be a multiple of 8 and at least 40");
        }
        this.descriptorSize = size;
        return this;
    }

    public MemoryMapBuilder descriptorVersion(int version) {
        this.descriptorVersion = version;
        return this;
    }

    /** MapKey at application entry (EDK2's counter is about 0x800–0x900 by then on OVMF; default 0). */
    public MemoryMapBuilder initialMapKey(long key) {
        this.initialMapKey = key;
        return this;
    }

    /** AllocateAddress of page 0 → EFI_NOT_FOUND, as edk2-stable202508 and later ("Don't Allocate Page 0"). Default off. */
    public MemoryMapBuilder refuseAllocateAddressZero(boolean refuse) {
        this.refuseAddressZero = refuse;
        return this;
    }

    /** Validates the map and the rule's bins against it; {@link IllegalArgumentException} names the descriptor. */
    public MemoryMap build() {
        PlacementRule rule = this.rule != null ? this.rule : PlacementRules.create(PlacementSpec.EDK2_TOPDOWN);
        MemoryRanges ram = new MemoryRanges();
        List<MemoryDescriptor> nonRam = new ArrayList<>();
        for (int i = 0; i < platformMap.size(); i++) {
            MemoryDescriptor d = platformMap.get(i);
            if ((d.physicalStart() & 0xFFF) != 0 || d.physicalStart() < 0) {
                throw new IllegalArgumentException(where(i, d) + ": PhysicalStart must be 4 KiB aligned and below 2^63");
            }
            if (d.numberOfPages() <= 0 || d.numberOfPages() > (Long.MAX_VALUE - d.physicalStart()) >>> 12) {
                throw new IllegalArgumentException(where(i, d) + ": NumberOfPages must be more than 0 and the range must end below 2^63");
            }
            if (GcdEntries.isGcd(d)) {
                nonRam.add(d);
                continue;
            }
            MemoryType t = MemoryType.ofValue(d.type());
            long attribute = t != null && t.isRuntime() ? d.attribute() & ~MemoryAttribute.RUNTIME : d.attribute();
            try {
                ram.add(d.physicalStart(), d.end(), d.type(), attribute);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where(i, d) + ": " + e.getMessage(), e);
            }
        }
        checkGcdOverlaps(ram, nonRam);
        for (MemoryTypeBin bin : rule.bins()) {
            checkBinInRam(ram, bin);
        }
        return new MemoryMap(ram, new GcdEntries(nonRam), rule, descriptorSize, descriptorVersion, initialMapKey, refuseAddressZero);
    }

    /** Names descriptor {@code i} in an error message (built only on failure: toString is not free). */
    private static String where(int i, MemoryDescriptor d) {
        return "memory map descriptor #" + i + " (" + d + ")";
    }

    private static void checkGcdOverlaps(MemoryRanges ram, List<MemoryDescriptor> nonRam) {
        List<MemoryDescriptor> sorted = new ArrayList<>(nonRam);
        sorted.sort(java.util.Comparator.comparingLong(MemoryDescriptor::physicalStart));
        for (int i = 0; i < sorted.size(); i++) {
            MemoryDescriptor d = sorted.get(i);
            if (i > 0 && sorted.get(i - 1).end() > d.physicalStart()) {
                throw new IllegalArgumentException("memory map: descriptors overlap: " + sorted.get(i - 1) + " and " + d);
            }
            List<MemoryRanges.Range> hit = ram.overlapping(d.physicalStart(), d.end());
            if (!hit.isEmpty()) {
                throw new IllegalArgumentException("memory map: descriptor " + d + " overlaps RAM " + MemoryRanges.describe(hit.get(0)));
            }
        }
    }

    private static void checkBinInRam(MemoryRanges ram, MemoryTypeBin bin) {
        long cur = bin.base();
        long end = bin.maximumAddress() + 1;
        for (MemoryRanges.Range r : ram.overlapping(bin.base(), end)) {
            if (r.start() > cur) {
                break;
            }
            cur = r.end();
        }
        if (cur < end) {
            throw new IllegalArgumentException(String.format("placement bins: %s is not wholly RAM of the memory map (no RAM at 0x%X)", bin, cur));
        }
    }
}
