package org.efiemu.uefi.image;

import org.efiemu.core.memory.GuestMemory;
import org.efiemu.core.pe.PeFormatException;
import org.efiemu.core.pe.PeImage;
import org.efiemu.core.pe.PeLoader;
import org.efiemu.core.pe.Subsystem;
import org.efiemu.uefi.memory.AllocationTag;
import org.efiemu.uefi.memory.MemoryMap;
import org.efiemu.uefi.memory.PoolAllocator;
import org.efiemu.uefi.spec.AllocateType;
import org.efiemu.uefi.spec.EfiException;
import org.efiemu.uefi.spec.EfiStatus;
import org.efiemu.uefi.spec.MemoryType;

/**
 * Places a PE32+ image in guest memory as EDK2's {@code CoreLoadPeImage} ({@code MdeModulePkg/Core/Dxe/Image/Image.c})
 * does (UEFI 2.10 §7.4.1 LoadImage):
 * <ul>
 *   <li>pages = EFI_SIZE_TO_PAGES(SizeOfImage + SectionAlignment when SectionAlignment &gt; 4 KiB);</li>
 *   <li>AllocateAddress at the linked ImageBase when ImageBase &ge; 0x100000 or the relocations are stripped;</li>
 *   <li>if that fails and the image is relocatable, AllocateAnyPages;</li>
 *   <li>memory type: EfiLoaderCode/Data for applications, EfiBootServicesCode/Data for boot service drivers,
 *       EfiRuntimeServicesCode/Data for runtime drivers.</li>
 * </ul>
 * An explicit load address (a multiboot2-style load) replaces the policy with AllocateAddress there.
 *
 * <p>{@link #loadFromFile} adds the file buffer real firmware takes first when the image comes from a device path:
 * EDK2's boot manager reads the boot option's file with {@code EfiBootManagerGetLoadOptionBuffer}
 * ({@code MdeModulePkg/Library/UefiBootManagerLib/BmLoadOption.c}, {@code GetFileBufferByFilePath} →
 * {@code AllocatePool}, EfiBootServicesData), calls {@code LoadImage} with it as SourceBuffer and frees it after
 * LoadImage returns ({@code EfiBootManagerBoot}, {@code BmBoot.c}); {@code CoreLoadImageCommon}
 * ({@code MdeModulePkg/Core/Dxe/Image/Image.c}) does the same itself for a NULL SourceBuffer (FHand.FreeBuffer,
 * freed at its Done label). The buffer lies above the image pages while they are allocated, so after the free the
 * image sits below a hole of the buffer's size, which later top-down requests fill first.
 */
public final class ImageLoader {
    private ImageLoader() {}

    /**
     * Loads {@code pe} into {@code memory}, allocating its pages from {@code map} as firmware.
     *
     * @param loadAddress the address to load at, or -1 for the EDK2 policy
     * @throws IllegalArgumentException when the image cannot be placed (names the image, the address and why)
     */
    public static LoadedImage load(PeImage pe, MemoryMap map, GuestMemory memory, long loadAddress) {
        Subsystem subsystem = pe.subsystem();
        MemoryType code = switch (subsystem) {
            case EFI_APPLICATION -> MemoryType.EfiLoaderCode;
            case EFI_BOOT_SERVICE_DRIVER -> MemoryType.EfiBootServicesCode;
            case EFI_RUNTIME_DRIVER -> MemoryType.EfiRuntimeServicesCode;
        };
        MemoryType data = switch (subsystem) {
            case EFI_APPLICATION -> MemoryType.EfiLoaderData;
            case EFI_BOOT_SERVICE_DRIVER -> MemoryType.EfiBootServicesData;
            case EFI_RUNTIME_DRIVER -> MemoryType.EfiRuntimeServicesData;
        };
        long size = pe.sizeOfImage() + (pe.sectionAlignment() > PeLoader.PAGE_SIZE ? pe.sectionAlignment() : 0);
        long pages = (size + PeLoader.PAGE_SIZE - 1) / PeLoader.PAGE_SIZE;
        AllocationTag tag = AllocationTag.firmware("image " + pe.name());
        long base;
        if (loadAddress >= 0) {
            base = allocate(map, AllocateType.AllocateAddress, code, pages, loadAddress, tag, pe, "the requested load address");
        } else {
            base = -1;
            if (pe.imageBase() >= 0x100000 || !pe.isRelocatable()) {
                base = tryAllocate(map, AllocateType.AllocateAddress, code, pages, pe.imageBase(), tag);
            }
            if (base < 0 && pe.isRelocatable()) {
                base = allocate(map, AllocateType.AllocateAnyPages, code, pages, 0, tag, pe, "any address");
            }
            if (base < 0) {
                throw new IllegalArgumentException(String.format("%s: relocations are stripped and its ImageBase 0x%X "
                        + "(%d pages) is not free in the memory map", pe.name(), pe.imageBase(), pages));
            }
        }
        long align = Math.max(pe.sectionAlignment(), PeLoader.PAGE_SIZE);
        long loadBase = (base + align - 1) & -align;
        try {
            // the image's laid-out bytes go straight into guest memory (no SizeOfImage array built per load)
            PeLoader.layout(pe, loadBase, (offset, bytes, from, length) -> memory.write(loadBase + offset, bytes, from, length));
        } catch (PeFormatException e) {
            throw new IllegalArgumentException(pe.name() + ": cannot be loaded at 0x" + Long.toHexString(loadBase) + ": "
                    + e.getMessage(), e);
        }
        return new LoadedImage(pe.name(), pe, loadBase, pages, pe.entryPoint(loadBase), code, data);
    }

    /**
     * Loads {@code pe}, read from a device path, as EDK2 does: an EfiBootServicesData pool buffer of the file's size
     * holding the file, then the image pages by the policy of {@link #load}, then FreePool of the buffer (also when
     * the image cannot be placed).
     *
     * <p>The buffer holds the file {@code pe} was parsed from ({@link PeImage#fileSize()} bytes).
     *
     * @throws IllegalArgumentException when no pool buffer of the file's size can be allocated or the image cannot
     *     be placed (names the image and why)
     */
    public static LoadedImage loadFromFile(PeImage pe, MemoryMap map, PoolAllocator pool, GuestMemory memory) {
        long buffer;
        try {
            buffer = pool.allocatePool(MemoryType.EfiBootServicesData.value(), pe.fileSize(),
                    AllocationTag.firmware("file buffer of " + pe.name()));
        } catch (EfiException e) {
            throw new IllegalArgumentException(String.format("%s: the %d-byte EfiBootServicesData file buffer LoadImage "
                    + "reads the file into cannot be allocated: %s", pe.name(), pe.fileSize(), e.getMessage()), e);
        }
        try {
            PeLoader.writeFile(pe, (offset, bytes, from, length) -> memory.write(buffer + offset, bytes, from, length));
            return load(pe, map, memory, -1);
        } finally {
            pool.freePool(buffer);
        }
    }

    private static long tryAllocate(MemoryMap map, AllocateType type, MemoryType code, long pages, long address,
            AllocationTag tag) {
        try {
            return map.allocatePages(type, code.value(), pages, address, tag);
        } catch (EfiException e) {
            return -1;
        }
    }

    private static long allocate(MemoryMap map, AllocateType type, MemoryType code, long pages, long address,
            AllocationTag tag, PeImage pe, String where) {
        try {
            return map.allocatePages(type, code.value(), pages, address, tag);
        } catch (EfiException e) {
            if (e.status() == EfiStatus.NOT_FOUND || e.status() == EfiStatus.OUT_OF_RESOURCES) {
                // the text String.format("%s: %d pages of %s at %s (0x%X) cannot be allocated: %s") gave, without a
                // Formatter: a machine whose image cannot be placed is common in a hunt (every such scenario builds it)
                throw new IllegalArgumentException(pe.name() + ": " + pages + " pages of " + code + " at " + where
                        + " (0x" + org.efiemu.uefi.spec.HexText.upper(address) + ") cannot be allocated: " + e.getMessage(), e);
            }
            throw e;
        }
    }
}
