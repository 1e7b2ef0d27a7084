package org.efiemu.uefi.spec;

/** {@code EFI_ALLOCATE_TYPE} (UEFI 2.10 §7.2, {@code AllocatePages()}). */
public enum AllocateType {
    /** Any range; the input {@code *Memory} is ignored. */
    AllocateAnyPages,
    /** Any range whose uppermost address is at or below {@code *Memory}. */
    AllocateMaxAddress,
    /** Exactly at {@code *Memory}. */
    AllocateAddress;

    /** {@code MaxAllocateType}: raw values at or above it are invalid. */
    public static final int MAX_ALLOCATE_TYPE = 3;

    /** The type for a raw value, or null when the value is not one of the three. */
    public static AllocateType ofValue(long raw) {
        return raw >= 0 && raw < MAX_ALLOCATE_TYPE ? BY_VALUE[(int) raw] : null;
    }

    /** {@code values()} once (it copies the array on every call). */
    private static final AllocateType[] BY_VALUE = values();
}
