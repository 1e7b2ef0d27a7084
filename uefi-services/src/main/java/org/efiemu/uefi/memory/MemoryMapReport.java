package org.efiemu.uefi.memory;

import java.util.ArrayList;
import java.util.List;
import org.efiemu.uefi.spec.MemoryAttribute;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.efiemu.uefi.spec.MemoryType;

/**
 * Builds what GetMemoryMap reports (EDK2 {@code CoreGetMemoryMap}, {@code MdeModulePkg/Core/Dxe/Mem/Page.c},
 * edk2-stable202211 behaviour, which Debian 12's OVMF runs):
 * <ol>
 *   <li>the internal RAM entries in ascending order; a free entry lying wholly inside a special bin is reported with
 *       the bin's type; runtime types (RT code/data, PalCode) get {@code EFI_MEMORY_RUNTIME};</li>
 *   <li>then the GCD entries (reserved, MMIO) ascending;</li>
 *   <li>adjacent entries of equal type and attribute merged.</li>
 * </ol>
 * The required size is DescriptorSize × (internal entries + GCD entries), counted before merging.
 */
final class MemoryMapReport {
    private MemoryMapReport() {}

    static MemoryMapSnapshot build(MemoryRanges ram, GcdEntries gcd, PlacementRule rule, long mapKey, int descriptorSize,
            int descriptorVersion) {
        List<MemoryTypeBin> special = new ArrayList<>();
        for (MemoryTypeBin b : rule.bins()) {
            if (b.isSpecial()) {
                special.add(b);
            }
        }
        List<MemoryDescriptor> out = new ArrayList<>(ram.size() + gcd.count());
        for (MemoryRanges.Range r : ram.ranges()) {
            int type = r.type();
            if (r.isFree()) {
                for (MemoryTypeBin b : special) {
                    if (r.start() >= b.base() && r.end() - 1 <= b.maximumAddress()) {
                        type = b.type().value();
                        break;
                    }
                }
            }
            long attribute = r.attribute() | (isRuntime(type) ? MemoryAttribute.RUNTIME : 0);
            MemoryReportMerger.append(out, type, r.start(), r.pages(), attribute);
        }
        out.addAll(gcd.merged());
        long required = (long) descriptorSize * (ram.size() + gcd.count());
        return new MemoryMapSnapshot(out, mapKey, descriptorSize, descriptorVersion, required);
    }

    static boolean isRuntime(int type) {
        MemoryType t = MemoryType.ofValue(type);
        return t != null && t.isRuntime();
    }
}
