package org.efiemu.earlyalloc.report;

import java.util.Objects;

/**
 * One service call as the trace records it: virtual time (deterministic cycles) and the spec-named text, e.g.
 * {@code AllocatePages(AllocateMaxAddress, EfiLoaderData, 16, 0xFFFFF) = EFI_SUCCESS -> 0x90000}.
 */
public record TraceLine(long virtualTime, String text) {
    public TraceLine {
        Objects.requireNonNull(text, "TraceLine.text");
    }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "%12d  %s", virtualTime, text);
    }
}
