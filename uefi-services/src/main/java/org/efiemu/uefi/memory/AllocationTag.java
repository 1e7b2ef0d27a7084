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

    // equals and hashCode as the record's own (component by component, 31 * h + each), written out: the record's are
    // made at run time by java.lang.runtime.ObjectMethods, whose method-handle trees (about ten classes spun per record,
    // with the JIT compiling the class writer) a short hunt's first scenario otherwise pays for (docs/performance.md,
    // "A short hunt's first second")
    @Override
    public boolean equals(Object other) {
        return other instanceof AllocationTag o
                && Objects.equals(requester, o.requester)
                && callerRip == o.callerRip
                && Objects.equals(label, o.label);
    }

    @Override
    public int hashCode() {
        int h = 0;
        h = 31 * h + Objects.hashCode(requester);
        h = 31 * h + Long.hashCode(callerRip);
        h = 31 * h + Objects.hashCode(label);
        return h;
    }
}
