package org.efiemu.earlyalloc;

import java.util.Objects;

/**
 * A guest write the memory-ownership sanitizer flagged (aggregated: one finding per kind, owner, contiguous range and
 * RIP).
 *
 * @param kind                  firmware corruption, or use of memory nobody allocated
 * @param rip                   the writing instruction
 * @param address               first byte written
 * @param length                bytes written (contiguous)
 * @param ownerType             memory type name of the owning descriptor ({@code EfiBootServicesData}), or
 *                              {@code no RAM} for a hole
 * @param afterExitBootServices true when the write happened after ExitBootServices succeeded
 * @param afterCall             trace sequence of the last service call before the first of these writes
 */
public record SanitizerFinding(Kind kind, long rip, long address, long length, String ownerType,
        boolean afterExitBootServices, long afterCall) {

    /** What the write hit. */
    public enum Kind {
        /** Memory the firmware owns (boot/runtime services, ACPI, reserved, the firmware's own structures, holes). */
        FIRMWARE_CORRUPTION,
        /** Free memory (EfiConventionalMemory) the writer never allocated, before ExitBootServices. */
        UNALLOCATED_USE
    }

    public SanitizerFinding {
        Objects.requireNonNull(kind, "SanitizerFinding.kind");
        Objects.requireNonNull(ownerType, "SanitizerFinding.ownerType");
        if (length <= 0) {
            throw new IllegalArgumentException("SanitizerFinding at 0x" + Long.toHexString(address) + ": length must be > 0");
        }
    }

    public long end() {
        return address + length;
    }
}
