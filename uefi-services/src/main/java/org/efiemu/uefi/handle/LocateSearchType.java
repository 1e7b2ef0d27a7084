package org.efiemu.uefi.handle;

/** {@code EFI_LOCATE_SEARCH_TYPE} (UEFI 2.10 §7.3.7 {@code LocateHandle()}). */
public enum LocateSearchType {
    AllHandles,
    ByRegisterNotify,
    ByProtocol;

    /** The type for a raw value, or null when out of range (the service returns EFI_INVALID_PARAMETER). */
    public static LocateSearchType ofValue(long raw) {
        return raw >= 0 && raw < values().length ? values()[(int) raw] : null;
    }
}
