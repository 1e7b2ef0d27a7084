package org.efiemu.earlyalloc.report;

/** What the emulator observed that made a scenario WARN or FAIL; also the kind of a {@link Violation}. */
public enum ReasonKind {
    ALLOCATION_FAILED("allocation failed"),
    MAP_BUFFER_TOO_SMALL("memory map did not fit the buffer"),
    FIRMWARE_MEMORY_CORRUPTED("firmware memory corrupted"),
    UNALLOCATED_MEMORY_USED("unallocated memory used"),
    TRAMPOLINE_NOT_PLACED("trampoline could not be placed below 1 MiB"),
    EXIT_BOOT_SERVICES_FAILED("ExitBootServices failed"),
    BOOT_SERVICE_AFTER_EXIT("boot service called after ExitBootServices"),
    OTHER("other");

    private final String title;

    ReasonKind(String title) {
        this.title = title;
    }

    /** A short human title, e.g. "firmware memory corrupted". */
    public String title() {
        return title;
    }
}
