package org.efiemu.uefi.memory;

import java.util.ArrayList;
import java.util.List;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.efiemu.uefi.spec.MemoryType;

/** Synthetic big maps: alternating free and firmware-owned runs covering {@code totalBytes}. */
final class LargeMaps {
    private LargeMaps() {}

    static List<MemoryDescriptor> fragmented(int descriptors, long totalBytes) {
        List<MemoryDescriptor> out = new ArrayList<>();
        long pagesEach = (totalBytes >>> 12) / descriptors;
        long at = 0x100000;
        for (int i = 0; i < descriptors; i++) {
            int type = i % 2 == 0 ? MemoryType.EfiConventionalMemory.value() : MemoryType.EfiBootServicesData.value();
            long pages = i == descriptors - 1 ? (totalBytes >>> 12) - pagesEach * (descriptors - 1) : pagesEach;
            out.add(new MemoryDescriptor(type, at, pages, 0xF));
            at += pages << 12;
        }
        return out;
    }
}
