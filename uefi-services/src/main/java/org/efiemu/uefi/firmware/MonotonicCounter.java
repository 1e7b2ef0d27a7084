package org.efiemu.uefi.firmware;

/**
 * The platform's monotonic counter (UEFI 2.10 §7.5.3 GetNextMonotonicCount, §8.5.2 GetNextHighMonotonicCount), as
 * EDK2 {@code MonotonicCounterRuntimeDxe} keeps it: a 64-bit value whose upper 32 bits would come from non-volatile
 * storage (here 0 at power-on, deterministic) and whose lower 32 bits count calls since boot.
 */
public final class MonotonicCounter {
    private long value;

    /** GetNextMonotonicCount: returns the current value, then increments it. */
    public long next() {
        return value++;
    }

    /** GetNextHighMonotonicCount: increments the upper 32 bits (the lower restart at 0); returns the new upper half. */
    public long nextHigh() {
        value = ((value >>> 32) + 1) << 32;
        return value >>> 32;
    }
}
