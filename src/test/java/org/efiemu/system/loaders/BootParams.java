package org.efiemu.system.loaders;

import java.util.Optional;
import org.efiemu.core.memory.GuestMemory;
import org.efiemu.uefi.memory.MemoryMapSnapshot;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.efiemu.uefi.spec.MemoryType;

/**
 * What the Linux EFI stub hands the kernel after ExitBootServices: its {@code struct boot_params} (the x86 "zero
 * page", Documentation/arch/x86/zero-page.rst and boot.rst) as it is when ExitBootServices returns (the stub fills
 * efi_info in its ExitBootServices callback, before the call; the e820 table only after it, so it is not read here), found in the loader and boot-services data of the final memory map
 * by what the stub writes into efi_info ({@code efi_loader_signature = "EL64"} at 0x1C0, then the system table and the
 * descriptor size), read field by field.
 *
 * @param address where it lies
 * @param systemTable efi_info.efi_systab (| _hi)
 * @param memoryMap efi_info.efi_memmap (| _hi)
 * @param memoryMapSize efi_info.efi_memmap_size
 * @param descriptorSize efi_info.efi_memdesc_size
 * @param descriptorVersion efi_info.efi_memdesc_version
 * @param commandLine the NUL-terminated string at hdr.cmd_line_ptr (| ext_cmd_line_ptr)
 * @param ramdiskImage hdr.ramdisk_image (| ext_ramdisk_image)
 * @param ramdiskSize hdr.ramdisk_size (| ext_ramdisk_size)
 */
record BootParams(long address, long systemTable, long memoryMap, long memoryMapSize, long descriptorSize,
        long descriptorVersion, String commandLine, long ramdiskImage, long ramdiskSize) {

    static final long EL64 = 0x3436_4C45L;

    /**
     * The boot_params in the EfiLoaderData, EfiLoaderCode or EfiBootServicesData ranges of {@code finalMap} (the stub
     * may take the zero page from pages, pool or its own .bss): the first 4-byte aligned {@code "EL64"} followed by
     * efi_systab = {@code systemTable} and efi_memdesc_size = {@code descriptorSize}, as the stub's ExitBootServices
     * callback writes them. Empty, with the {@code "EL64"} places seen in {@code seen}, when there is none.
     */
    static Optional<BootParams> find(GuestMemory memory, MemoryMapSnapshot finalMap, long systemTable,
            java.util.List<String> seen) {
        for (MemoryDescriptor d : finalMap.descriptors()) {
            if (d.type() != MemoryType.EfiLoaderData.value() && d.type() != MemoryType.EfiLoaderCode.value()
                    && d.type() != MemoryType.EfiBootServicesData.value()) {
                continue;
            }
            long end = d.physicalStart() + d.numberOfPages() * 4096;
            for (long chunk = d.physicalStart(); chunk < end; chunk += CHUNK - 0x1000) {
                int n = (int) Math.min(CHUNK, end - chunk);
                if (!memory.isRam(chunk, n)) {
                    continue;
                }
                byte[] b = memory.read(chunk, n);
                for (int i = 0x1C0; i + 0x20 <= n; i += 4) {
                    if (u32(b, i) != EL64) {
                        continue;
                    }
                    long systab = u32(b, i + 4) | u32(b, i + 0x18) << 32;
                    if (systab == systemTable && u32(b, i + 8) == finalMap.descriptorSize()) {
                        return Optional.of(read(memory, chunk + i - 0x1C0));
                    }
                    if (seen.size() < 8) {
                        seen.add(String.format("EL64 at 0x%X (systab 0x%X, memdesc_size %d)", chunk + i, systab,
                                u32(b, i + 8)));
                    }
                }
            }
        }
        return Optional.empty();
    }

    /** Bytes read at a time; chunks overlap by 4 KiB so a boot_params across a chunk boundary is seen whole. */
    private static final int CHUNK = 1 << 20;

    private static long u32(byte[] b, int i) {
        return (b[i] & 0xFFL) | (b[i + 1] & 0xFFL) << 8 | (b[i + 2] & 0xFFL) << 16 | (b[i + 3] & 0xFFL) << 24;
    }

    static BootParams read(GuestMemory m, long p) {
        long cmd = m.u32(p + 0x228) | m.u32(p + 0x0C8) << 32;
        StringBuilder line = new StringBuilder();
        for (long a = cmd; cmd != 0 && m.u8(a) != 0 && line.length() < 4096; a++) {
            line.append((char) m.u8(a));
        }
        return new BootParams(p, m.u32(p + 0x1C4) | m.u32(p + 0x1D8) << 32, m.u32(p + 0x1D0) | m.u32(p + 0x1DC) << 32,
                m.u32(p + 0x1D4), m.u32(p + 0x1C8), m.u32(p + 0x1CC), line.toString(),
                m.u32(p + 0x218) | m.u32(p + 0x0C0) << 32, m.u32(p + 0x21C) | m.u32(p + 0x0C4) << 32);
    }

    @Override
    public String toString() {
        return String.format("boot_params at 0x%X: systab 0x%X, memmap 0x%X (%d bytes, %d-byte descriptors v%d), "
                + "cmdline \"%s\", ramdisk 0x%X+%d", address, systemTable, memoryMap, memoryMapSize,
                descriptorSize, descriptorVersion, commandLine, ramdiskImage, ramdiskSize);
    }

}
