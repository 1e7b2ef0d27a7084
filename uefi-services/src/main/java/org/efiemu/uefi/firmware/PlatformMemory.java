package org.efiemu.uefi.firmware;

import java.util.Comparator;
import java.util.List;
import org.efiemu.core.memory.PhysicalLayout;
import org.efiemu.uefi.spec.MemoryAttribute;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.efiemu.uefi.spec.MemoryType;

/**
 * The physical memory of a platform, derived from its memory map: every descriptor that is RAM becomes RAM of the
 * emulated machine. MMIO and MMIO port space are not RAM; neither is EfiReservedMemoryType without the WB attribute
 * (e.g. the q35 PCIe MMCONFIG window), so guest accesses there fault and pointers into it are rejected.
 */
public final class PlatformMemory {
    private PlatformMemory() {}

    /** True when descriptor {@code d} describes RAM. */
    public static boolean isRam(MemoryDescriptor d) {
        if (d.type() == MemoryType.EfiMemoryMappedIO.value() || d.type() == MemoryType.EfiMemoryMappedIOPortSpace.value()) {
            return false;
        }
        return d.type() != MemoryType.EfiReservedMemoryType.value() || (d.attribute() & MemoryAttribute.WB) != 0;
    }

    /** The RAM ranges of {@code map}, adjacent ones merged. */
    public static PhysicalLayout layout(List<MemoryDescriptor> map) {
        List<MemoryDescriptor> ram = map.stream().filter(PlatformMemory::isRam)
                .sorted(Comparator.comparingLong(MemoryDescriptor::physicalStart)).toList();
        if (ram.isEmpty()) {
            throw new IllegalArgumentException("platform memory map has no RAM descriptor");
        }
        PhysicalLayout.Builder b = PhysicalLayout.builder();
        long start = ram.get(0).physicalStart();
        long end = ram.get(0).end();
        for (MemoryDescriptor d : ram.subList(1, ram.size())) {
            if (d.physicalStart() < end) {
                throw new IllegalArgumentException("platform memory map: descriptor " + d + " overlaps the RAM before it");
            }
            if (d.physicalStart() == end) {
                end = d.end();
            } else {
                b.ram(start, end - start);
                start = d.physicalStart();
                end = d.end();
            }
        }
        b.ram(start, end - start);
        return b.build();
    }
}
