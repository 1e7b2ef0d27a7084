package org.efiemu.uefi.spec;

/**
 * One {@code EFI_MEMORY_DESCRIPTOR} (UEFI 2.10 §7.2, {@code GetMemoryMap()}): Type (UINT32 at offset 0),
 * PhysicalStart (8), VirtualStart (16), NumberOfPages (24), Attribute (32). The structure is 40 bytes;
 * firmware reports a DescriptorSize of its own choosing (EDK2: 48).
 *
 * @param type raw 32-bit type (spec, OEM or OS value; see {@link MemoryType#nameOf(int)})
 * @param physicalStart first byte, 4 KiB aligned
 * @param virtualStart virtual address (0 until SetVirtualAddressMap)
 * @param numberOfPages length in 4 KiB pages, more than 0
 * @param attribute {@link MemoryAttribute} bits
 */
public record MemoryDescriptor(int type, long physicalStart, long virtualStart, long numberOfPages, long attribute) {

    public static final long PAGE_SIZE = 4096;
    /** sizeof(EFI_MEMORY_DESCRIPTOR) in the spec. */
    public static final int SPEC_SIZE = 40;

    public MemoryDescriptor(int type, long physicalStart, long numberOfPages, long attribute) {
        this(type, physicalStart, 0, numberOfPages, attribute);
    }

    /** Exclusive end address. */
    public long end() {
        return physicalStart + numberOfPages * PAGE_SIZE;
    }

    /** Inclusive last byte address. */
    public long last() {
        return end() - 1;
    }

    public long bytes() {
        return numberOfPages * PAGE_SIZE;
    }

    public String typeName() {
        return MemoryType.nameOf(type);
    }

    @Override
    public String toString() {
        return String.format("%-22s %016X-%016X %8X 0x%X", typeName(), physicalStart, last(), numberOfPages, attribute);
    }
}
