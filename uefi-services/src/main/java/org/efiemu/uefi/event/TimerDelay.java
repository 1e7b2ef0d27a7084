package org.efiemu.uefi.event;

/** {@code EFI_TIMER_DELAY} (UEFI 2.10 §7.1 {@code SetTimer()}). */
public enum TimerDelay {
    TimerCancel,
    TimerPeriodic,
    TimerRelative;

    /** The delay type for a raw value, or null when out of range (SetTimer returns EFI_INVALID_PARAMETER). */
    public static TimerDelay ofValue(long raw) {
        return raw >= 0 && raw < values().length ? values()[(int) raw] : null;
    }
}
