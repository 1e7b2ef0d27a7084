package org.efiemu.uefi.memory;

/**
 * Who owns a page (for the memory-ownership sanitizer).
 *
 * @param kind FREE (EfiConventionalMemory), NOT_RAM (no RAM in the memory-services list: holes, MMIO, GCD reserved),
 *     FIRMWARE (non-free in the platform's map, or allocated by the firmware) or APPLICATION
 * @param allocation the allocation holding the page, or null (FREE, NOT_RAM, and firmware pages of the platform's map)
 */
public record PageOwner(Kind kind, Allocation allocation) {

    public enum Kind {
        FREE,
        NOT_RAM,
        FIRMWARE,
        APPLICATION
    }

    public static final PageOwner FREE = new PageOwner(Kind.FREE, null);
    public static final PageOwner NOT_RAM = new PageOwner(Kind.NOT_RAM, null);
    public static final PageOwner PLATFORM_FIRMWARE = new PageOwner(Kind.FIRMWARE, null);

    /** The owner of pages held by {@code a}. */
    public static PageOwner of(Allocation a) {
        return new PageOwner(a.requester() == Requester.APPLICATION ? Kind.APPLICATION : Kind.FIRMWARE, a);
    }

    @Override
    public String toString() {
        return allocation == null ? kind.name() : kind + " " + allocation;
    }

    // equals and hashCode as the record's own (component by component, 31 * h + each), written out: the record's are
    // made at run time by java.lang.runtime.ObjectMethods, whose method-handle trees (about ten classes spun per record,
    // with the JIT compiling the class writer) a short hunt's first scenario otherwise pays for (docs/performance.md,
    // "A short hunt's first second")
    @Override
    public boolean equals(Object other) {
        return other instanceof PageOwner o
                && java.util.Objects.equals(kind, o.kind)
                && java.util.Objects.equals(allocation, o.allocation);
    }

    @Override
    public int hashCode() {
        int h = 0;
        h = 31 * h + java.util.Objects.hashCode(kind);
        h = 31 * h + java.util.Objects.hashCode(allocation);
        return h;
    }
}
