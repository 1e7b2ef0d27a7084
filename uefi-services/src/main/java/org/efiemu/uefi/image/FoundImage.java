package org.efiemu.uefi.image;

/**
 * A PE32+ image efiemu did not load itself but found in guest memory: a loader copied and relocated it (GRUB's
 * {@code chainloader} fallback, shim's own loader, a kernel's EFI stub moving itself), so no LoadImage told the
 * firmware about it. Found by {@link PeHeaderScanner} from an address control reached (a service call's return
 * address, the stop RIP), looking backwards page by page for a DOS/PE header whose image contains that address.
 *
 * @param name the CodeView PDB file name when the image carries one, else {@code image@0xBASE}
 * @param base the address of its {@code MZ} header (its ImageBase as loaded)
 * @param size SizeOfImage from its optional header
 * @param entryPoint base + AddressOfEntryPoint (for a multiboot2 image: the address of its Multiboot2 header)
 * @param header what was found: {@code "PE header"}, or {@code "multiboot2 header"} for a kernel a boot loader
 *     placed with multiboot2 ({@link Multiboot2HeaderScanner}: Xen loaded by GRUB)
 */
public record FoundImage(String name, long base, long size, long entryPoint, String header) {

    /** An image found by its PE header. */
    public FoundImage(String name, long base, long size, long entryPoint) {
        this(name, base, size, entryPoint, "PE header");
    }

    public boolean contains(long address) {
        return address >= base && address - base < size;
    }

    /** {@code name+0xOFFSET}. */
    public String describe(long address) {
        return String.format("%s+0x%X", name, address - base);
    }

    @Override
    public String toString() {
        return String.format("%s at 0x%X-0x%X (%s found in memory, not loaded by LoadImage), %s %s", name, base,
                base + size - 1, header, header.equals("PE header") ? "entry" : "header at", describe(entryPoint));
    }
}
