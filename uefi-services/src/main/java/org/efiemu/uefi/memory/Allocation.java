package org.efiemu.uefi.memory;

import org.efiemu.uefi.spec.MemoryType;

/**
 * One allocation made through the model: the unit of page ownership. Pages freed later (FreePages may free part of
 * an allocation, UEFI 2.10 §7.2 and EDK2 keep no per-allocation bookkeeping) stop belonging to it; the record itself
 * keeps the original request.
 *
 * @param id sequence number within one {@link MemoryMap}, from 1
 * @param service AllocatePages, or AllocatePool for pool pages (large requests and pages carved into small blocks)
 * @param memoryType raw memory type (OEM/OS values included)
 * @param base first byte of the pages
 * @param pages number of pages taken from the map
 * @param size requested bytes for AllocatePool of a large block; 0 for AllocatePages and shared pool pages
 * @param tag who asked, the call site and an optional label
 */
public record Allocation(long id, AllocationService service, int memoryType, long base, long pages, long size, AllocationTag tag) {

    public Requester requester() {
        return tag.requester();
    }

    /** Exclusive end of the pages. */
    public long end() {
        return base + (pages << 12);
    }

    @Override
    public String toString() {
        return describe(rip -> String.format("rip=0x%X", rip));
    }

    /** Like {@link #toString()}, with the call site named by {@code site} (see {@link AllocationTag#describe}). */
    public String describe(java.util.function.LongFunction<String> site) {
        String what = service == AllocationService.AllocatePool && size == 0 ? "pool page"
                : service == AllocationService.AllocatePool ? size + " bytes" : pages + " pages";
        return String.format("#%d %s(%s, %s) 0x%X-0x%X by %s", id, service, MemoryType.nameOf(memoryType), what,
                base, end() - 1, tag.describe(site));
    }

    // equals and hashCode as the record's own (component by component, 31 * h + each), written out: the record's are
    // made at run time by java.lang.runtime.ObjectMethods, whose method-handle trees (about ten classes spun per record,
    // with the JIT compiling the class writer) a short hunt's first scenario otherwise pays for (docs/performance.md,
    // "A short hunt's first second")
    @Override
    public boolean equals(Object other) {
        return other instanceof Allocation o
                && id == o.id
                && java.util.Objects.equals(service, o.service)
                && memoryType == o.memoryType
                && base == o.base
                && pages == o.pages
                && size == o.size
                && java.util.Objects.equals(tag, o.tag);
    }

    @Override
    public int hashCode() {
        int h = 0;
        h = 31 * h + Long.hashCode(id);
        h = 31 * h + java.util.Objects.hashCode(service);
        h = 31 * h + memoryType;
        h = 31 * h + Long.hashCode(base);
        h = 31 * h + Long.hashCode(pages);
        h = 31 * h + Long.hashCode(size);
        h = 31 * h + java.util.Objects.hashCode(tag);
        return h;
    }
}
