package org.efiemu.uefi.sanitizer;

/** What a flagged guest write hit. */
public enum FindingKind {
    /**
     * Memory the firmware owns: Boot/Runtime Services code and data, ACPI, reserved memory, the firmware's own
     * structures, holes with no RAM. After ExitBootServices only Runtime Services, ACPI, reserved and non-RAM memory
     * still belong to the firmware (UEFI 2.10 §7.2, "Memory Type Usage after ExitBootServices()").
     */
    FIRMWARE_CORRUPTION("firmware corruption"),
    /**
     * Free memory (EfiConventionalMemory) the writer never allocated, before ExitBootServices: the next
     * AllocatePages or AllocatePool may hand the same pages to someone else (UEFI 2.10 §7.2).
     */
    UNALLOCATED_USE("unallocated use"),
    /**
     * A service the guest called was asked to write through a pointer into firmware-owned memory (the system table,
     * a services table, a stub, the page tables, the firmware's arena) or to free firmware-owned pages. The firmware
     * does what EDK2 does (writes, or frees the pages) and the finding names the call: a real firmware would have
     * corrupted itself the same way (UEFI 2.10 §7.2).
     */
    FIRMWARE_MEMORY_CORRUPTED("firmware memory corrupted by a service call");

    private final String text;

    FindingKind(String text) {
        this.text = text;
    }

    /** The human-readable name used in reports ({@code firmware corruption}). */
    public String text() {
        return text;
    }

    @Override
    public String toString() {
        return text;
    }
}
