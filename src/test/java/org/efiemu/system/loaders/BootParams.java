package org.efiemu.system.loaders;

import java.util.Optional;
import org.efiemu.core.memory.GuestMemory;
import org.efiemu.uefi.memory.MemoryMapSnapshot;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.efiemu.uefi.spec.MemoryType;

/**
 * What the Linux EFI stub hands the kernel after ExitBootServices: its {@code struct boot_params} (the x86 "zero
 * page", Documentation/arch/x86/zero-page.rst and boot.rst) as it is when ExitBootServices returns (the stub fills
 * efi_info in its ExitBootServices callback, before the call; the e820 table only after it, so it is not read here), found in the EfiLoaderData pages of the final memory map
 * by the two signatures the stub writes into it ({@code efi_info.efi_loader_signature = "EL64"} at 0x1C0 and the setup
 * header's {@code "HdrS"} at 0x202), read field by field.
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
    static final long HDRS = 0x5372_6448L;

    static Optional<BootParams> find(GuestMemory memory, MemoryMapSnapshot finalMap) {
        for (MemoryDescriptor d : finalMap.descriptors()) {
            if (d.type() != MemoryType.EfiLoaderData.value()) {
                continue;
            }
            for (long p = d.physicalStart(); p < d.physicalStart() + d.numberOfPages() * 4096; p += 4096) {
                if (memory.isRam(p, 0x1000) && memory.u32(p + 0x1C0) == EL64 && memory.u32(p + 0x202) == HDRS) {
                    return Optional.of(read(memory, p));
                }
            }
        }
        return Optional.empty();
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
