package org.efiemu.earlyalloc.report;

/**
 * What the emulator observed that made a scenario WARN or FAIL; also the kind of a {@link Violation}. Each kind has a
 * short title and an explanation, both shown on the report page (its legend explains every kind).
 */
public enum ReasonKind {
    IMAGE_NOT_LOADED("image could not be loaded",
            "the firmware (or efiemu) could not load the payload, e.g. its load address is not free memory on this machine"),
    ALLOCATION_FAILED("allocation failed", "an AllocatePages or AllocatePool call of the payload did not succeed"),
    MAP_BUFFER_TOO_SMALL("memory map did not fit the buffer",
            "GetMemoryMap returned EFI_BUFFER_TOO_SMALL for the payload's buffer, or its pool could not hold the map"),
    NOT_RAM("memory that is not RAM used",
            "a range the payload uses lies in a hole or MMIO: the firmware refuses it, or writes there are lost"),
    FIRMWARE_MEMORY_CORRUPTED("firmware memory corrupted",
            "the payload wrote into memory the firmware owns (boot-services, runtime, ACPI or reserved memory)"),
    UNALLOCATED_MEMORY_HANDED_OUT("unallocated memory handed out again",
            "the payload wrote into free memory it never allocated, and the firmware then gave those pages to an "
                    + "allocation (or the trampoline covers them): the two users overwrite each other"),
    UNALLOCATED_MEMORY_USED("unallocated memory used",
            "the payload wrote into free memory it never allocated; nothing else got those pages in this run (works by luck)"),
    TRAMPOLINE_NOT_PLACED("trampoline could not be placed below 1 MiB",
            "Xen's 64 KiB trampoline found no free memory below 1 MiB, or landed on memory in use"),
    EXIT_BOOT_SERVICES_FAILED("ExitBootServices failed", "ExitBootServices never returned EFI_SUCCESS"),
    BOOT_SERVICE_AFTER_EXIT("boot service called after ExitBootServices",
            "a boot service was called after ExitBootServices succeeded (UEFI 2.10 §7.4.6: they are gone)"),
    RUN_ENDED_EARLY("run ended early", "the run stopped (fault, limit, reset) before the payload finished"),
    OTHER("other", "a failure none of the kinds above describes; the message says what was seen");

    private final String title;
    private final String explanation;

    ReasonKind(String title, String explanation) {
        this.title = title;
        this.explanation = explanation;
    }

    /** One sentence saying what this kind means, for the report's legend. */
    public String explanation() {
        return explanation;
    }

    /** A short human title, e.g. "firmware memory corrupted". */
    public String title() {
        return title;
    }
}
