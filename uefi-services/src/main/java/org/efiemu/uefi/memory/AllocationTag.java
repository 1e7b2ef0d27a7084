package org.efiemu.uefi.memory;

import java.util.Objects;

/**
 * Who asks for memory, given by the caller of the model (the ABI layer knows the guest's return address).
 *
 * @param requester firmware or application
 * @param callerRip the guest RIP of the call site (the service's return address), 0 when not known
 * @param label optional purpose such as {@code trampoline} or {@code image}, or null
 */
public record AllocationTag(Requester requester, long callerRip, String label) {

    public AllocationTag {
        Objects.requireNonNull(requester, "requester");
    }

    /** The firmware's own allocations (no call site). */
    public static AllocationTag firmware() {
        return new AllocationTag(Requester.FIRMWARE, 0, null);
    }

    public static AllocationTag firmware(String label) {
        return new AllocationTag(Requester.FIRMWARE, 0, label);
    }

    /** An application's call from {@code callerRip}. */
    public static AllocationTag application(long callerRip) {
        return new AllocationTag(Requester.APPLICATION, callerRip, null);
    }

    public AllocationTag withLabel(String newLabel) {
        return new AllocationTag(requester, callerRip, newLabel);
    }

    @Override
    public String toString() {
        return describe(rip -> String.format("rip=0x%X", rip));
    }

    /**
     * Like {@link #toString()}, with the call site named by {@code site} (e.g. {@code strategy.efi+0x1A2B} through
     * the image registry) instead of a bare RIP.
     */
    public String describe(java.util.function.LongFunction<String> site) {
        return requester.name().toLowerCase(java.util.Locale.ROOT) + (callerRip != 0 ? " " + site.apply(callerRip) : "")
                + (label != null ? " '" + label + "'" : "");
    }
}
