package org.efiemu.earlyalloc.report;

/**
 * Who owns a range of physical memory, as the report colours it.
 *
 * <p>Derived from the descriptor's {@code EFI_MEMORY_TYPE} name (UEFI 2.10 §7.2, table "Memory Type Usage before
 * ExitBootServices()"): {@code EfiConventionalMemory} is free; {@code EfiLoaderCode}/{@code EfiLoaderData} and the
 * OS-loader range {@code 0x80000000..} belong to the application; I/O and unusable or persistent ranges are not system
 * RAM; everything else (boot/runtime services, ACPI, reserved, PAL, OEM types) belongs to the firmware.
 */
public enum OwnerKind {
    FIRMWARE,
    FREE,
    APPLICATION,
    NOT_RAM;

    /**
     * Classifies a memory type by its spec name ({@code EfiBootServicesData}) or the {@code OS(0x8...)} /
     * {@code OEM(0x7...)} names that {@code MemoryType.nameOf} gives other values.
     */
    public static OwnerKind ofType(String typeName) {
        switch (typeName) {
            case "EfiConventionalMemory":
            case "EfiUnacceptedMemoryType":
                return FREE;
            case "EfiLoaderCode":
            case "EfiLoaderData":
                return APPLICATION;
            case "EfiMemoryMappedIO":
            case "EfiMemoryMappedIOPortSpace":
            case "EfiUnusableMemory":
            case "EfiPersistentMemory":
                return NOT_RAM;
            default:
                return typeName.startsWith("OS(") ? APPLICATION : FIRMWARE;
        }
    }
}
