package org.efiemu.uefi.memory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.efiemu.uefi.spec.MemoryAttribute;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.efiemu.uefi.spec.MemoryType;

/**
 * The platform descriptors that are not RAM of the memory-services list: EDK2 reports them from the GCD map after
 * the RAM entries ({@code CoreGetMemoryMap}, Page.c: reserved, runtime MMIO, persistent, unaccepted). They are never
 * allocated or freed; their pages are owned by nobody ({@link PageOwner#NOT_RAM}).
 *
 * <p>Which captured descriptors are GCD entries: every {@code EfiMemoryMappedIO}, {@code EfiMemoryMappedIOPortSpace},
 * {@code EfiPersistentMemory} and {@code EfiUnacceptedMemoryType} descriptor, and {@code EfiReservedMemoryType} or
 * {@code EfiUnusableMemory} descriptors without the write-back attribute (GCD reserved space such as PCIe ECAM or
 * flash, attribute 0x1 on the OVMF and Dell maps). Reserved descriptors with {@code EFI_MEMORY_WB} are RAM the
 * firmware allocated (its Reserved bin) and stay in the RAM list.
 */
final class GcdEntries {
    private final List<MemoryDescriptor> entries;

    GcdEntries(List<MemoryDescriptor> nonRam) {
        List<MemoryDescriptor> sorted = new ArrayList<>(nonRam);
        sorted.sort(Comparator.comparingLong(MemoryDescriptor::physicalStart));
        this.entries = List.copyOf(sorted);
    }

    static boolean isGcd(MemoryDescriptor d) {
        MemoryType t = MemoryType.ofValue(d.type());
        if (t == null) {
            return false;
        }
        return switch (t) {
            case EfiMemoryMappedIO, EfiMemoryMappedIOPortSpace, EfiPersistentMemory, EfiUnacceptedMemoryType -> true;
            case EfiReservedMemoryType, EfiUnusableMemory -> (d.attribute() & MemoryAttribute.WB) == 0;
            default -> false;
        };
    }

    /** G of the GetMemoryMap size bound. */
    int count() {
        return entries.size();
    }

    /** Ascending, with adjacent entries of equal type and attribute merged. */
    List<MemoryDescriptor> merged() {
        List<MemoryDescriptor> out = new ArrayList<>();
        for (MemoryDescriptor d : entries) {
            MemoryReportMerger.append(out, d.type(), d.physicalStart(), d.numberOfPages(), d.attribute());
        }
        return out;
    }

    List<MemoryDescriptor> entries() {
        return entries;
    }
}
