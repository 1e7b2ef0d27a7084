package org.efiemu.uefi.memory;

import java.util.List;
import org.efiemu.uefi.spec.MemoryDescriptor;

/** EDK2 {@code MergeMemoryMapDescriptor}: a descriptor joins the previous one when adjacent with equal type and attribute. */
final class MemoryReportMerger {
    private MemoryReportMerger() {}

    static void append(List<MemoryDescriptor> out, int type, long start, long pages, long attribute) {
        if (!out.isEmpty()) {
            MemoryDescriptor prev = out.get(out.size() - 1);
            if (prev.type() == type && prev.attribute() == attribute && prev.end() == start) {
                out.set(out.size() - 1, new MemoryDescriptor(type, prev.physicalStart(), 0, prev.numberOfPages() + pages, attribute));
                return;
            }
        }
        out.add(new MemoryDescriptor(type, start, 0, pages, attribute));
    }
}
