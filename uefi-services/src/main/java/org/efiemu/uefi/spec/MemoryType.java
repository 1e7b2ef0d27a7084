package org.efiemu.uefi.spec;

/**
 * {@code EFI_MEMORY_TYPE} values (UEFI 2.10 §7.2, {@code EFI_BOOT_SERVICES.AllocatePages()}, "Memory Type
 * Usage before/after ExitBootServices()").
 *
 * <p>A memory type on the wire is a 32-bit value: 0..{@code EfiMaxMemoryType-1} are the spec's types,
 * 0x70000000..0x7FFFFFFF are reserved for OEMs and 0x80000000..0xFFFFFFFF for OS loaders. The model keeps
 * the raw value ({@code int}, compared unsigned) wherever a descriptor can carry an OEM/OS type, and uses
 * this enum for the spec's own types. {@link #nameOf(int)} names any raw value.
 */
public enum MemoryType {
    EfiReservedMemoryType,
    EfiLoaderCode,
    EfiLoaderData,
    EfiBootServicesCode,
    EfiBootServicesData,
    EfiRuntimeServicesCode,
    EfiRuntimeServicesData,
    EfiConventionalMemory,
    EfiUnusableMemory,
    EfiACPIReclaimMemory,
    EfiACPIMemoryNVS,
    EfiMemoryMappedIO,
    EfiMemoryMappedIOPortSpace,
    EfiPalCode,
    EfiPersistentMemory,
    EfiUnacceptedMemoryType;

    /** {@code EfiMaxMemoryType}: the first value that is neither a spec type nor OEM/OS. */
    public static final int MAX_MEMORY_TYPE = 16;
    /** First OEM-reserved value. */
    public static final int OEM_RESERVED_MIN = 0x7000_0000;
    /** First OS-loader-reserved value (0x80000000, negative as a Java int). */
    public static final int OS_RESERVED_MIN = 0x8000_0000;

    /** The raw 32-bit value of this type. */
    public int value() {
        return ordinal();
    }

    /** The spec type for a raw value, or null for OEM/OS/invalid values. */
    public static MemoryType ofValue(int raw) {
        return raw >= 0 && raw < MAX_MEMORY_TYPE ? BY_VALUE[raw] : null;
    }

    /** {@code values()} once: it copies the array on every call, and the memory model asks for types all the time. */
    private static final MemoryType[] BY_VALUE = values();

    /** True for 0x70000000..0x7FFFFFFF. */
    public static boolean isOem(int raw) {
        return Integer.compareUnsigned(raw, OEM_RESERVED_MIN) >= 0 && Integer.compareUnsigned(raw, OS_RESERVED_MIN) < 0;
    }

    /** True for 0x80000000..0xFFFFFFFF. */
    public static boolean isOsLoader(int raw) {
        return Integer.compareUnsigned(raw, OS_RESERVED_MIN) >= 0;
    }

    /** True for the values in [EfiMaxMemoryType, 0x70000000), which no service accepts. */
    public static boolean isInvalid(int raw) {
        return Integer.compareUnsigned(raw, MAX_MEMORY_TYPE) >= 0 && Integer.compareUnsigned(raw, OEM_RESERVED_MIN) < 0;
    }

    /** Runtime types carry {@code EFI_MEMORY_RUNTIME} in the map (RT code/data, PalCode). */
    public boolean isRuntime() {
        return this == EfiRuntimeServicesCode || this == EfiRuntimeServicesData || this == EfiPalCode;
    }

    /** The spec name of any raw value: {@code EfiLoaderData}, {@code OEM(0x70000001)}, {@code OS(0x80000000)}. */
    public static String nameOf(int raw) {
        MemoryType t = ofValue(raw);
        if (t != null) {
            return t.name();
        }
        if (isOem(raw)) {
            return String.format("OEM(0x%08X)", raw);
        }
        if (isOsLoader(raw)) {
            return String.format("OS(0x%08X)", raw);
        }
        return String.format("Invalid(0x%X)", raw);
    }
}
