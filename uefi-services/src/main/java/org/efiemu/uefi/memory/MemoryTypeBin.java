package org.efiemu.uefi.memory;

import org.efiemu.uefi.spec.MemoryType;

/**
 * A memory-type bin (EDK2 {@code mMemoryTypeStatistics[type]}, set up from the {@code gEfiMemoryTypeInformationGuid}
 * HOB in {@code CoreAddMemoryDescriptor}, {@code MdeModulePkg/Core/Dxe/Mem/Page.c}): a RAM range reserved for one
 * memory type. AllocatePages/AllocatePool of that type search the bin first.
 *
 * <p>For the "special" types (Reserved, RT code/data, ACPI reclaim/NVS, PalCode, Unaccepted) the bin also changes
 * what others see: free pages wholly inside it are reported by GetMemoryMap under the bin's type, and AllocateAddress
 * of another type whose first or last byte falls in it is refused with {@code EFI_NOT_FOUND}.
 *
 * @param type the spec memory type the bin belongs to
 * @param base first byte, 4 KiB aligned
 * @param pages size in pages, more than 0
 */
public record MemoryTypeBin(MemoryType type, long base, long pages) {

    public MemoryTypeBin {
        if (type == null || type == MemoryType.EfiConventionalMemory) {
            throw new IllegalArgumentException("memory-type bin: type must be a spec type other than EfiConventionalMemory, was " + type);
        }
        if ((base & 0xFFF) != 0 || base < 0) {
            throw new IllegalArgumentException(String.format("memory-type bin %s: base 0x%X must be 4 KiB aligned", type, base));
        }
        if (pages <= 0 || pages > (Long.MAX_VALUE - base) >>> 12) {
            throw new IllegalArgumentException(String.format("memory-type bin %s@0x%X: pages 0x%X must be more than 0 and stay below 2^63", type, base, pages));
        }
    }

    /** Inclusive last byte ({@code MaximumAddress}). */
    public long maximumAddress() {
        return base + (pages << 12) - 1;
    }

    /** Special types (EDK2 {@code mMemoryTypeStatistics[].Special}): their bins are reported and defended. */
    public boolean isSpecial() {
        return isSpecial(type);
    }

    public static boolean isSpecial(MemoryType t) {
        return switch (t) {
            case EfiReservedMemoryType, EfiRuntimeServicesCode, EfiRuntimeServicesData, EfiACPIReclaimMemory,
                    EfiACPIMemoryNVS, EfiPalCode, EfiUnacceptedMemoryType -> true;
            default -> false;
        };
    }

    public boolean contains(long address) {
        return address >= base && address <= maximumAddress();
    }

    @Override
    public String toString() {
        return String.format("%s@0x%X+0x%X", type, base, pages);
    }
}
