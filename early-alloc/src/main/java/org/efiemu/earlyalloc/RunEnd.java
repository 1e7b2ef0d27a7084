package org.efiemu.earlyalloc;

import java.util.Objects;

/**
 * How a payload's run ended, as the emulator saw it.
 *
 * @param kind   the kind of ending
 * @param detail spec-named detail, e.g. {@code ResetSystem(EfiResetShutdown, EFI_SUCCESS)}, the returned status, or
 *               the fault ({@code UC_ERR_WRITE_UNMAPPED at 0xA0000})
 * @param rip    guest RIP where it ended (0 when not meaningful)
 */
public record RunEnd(Kind kind, String detail, long rip) {

    public enum Kind {
        /** The image could not be loaded (LoadImage-equivalent failed); nothing ran. */
        LOAD_FAILED("the image could not be loaded"),
        /** The entry point returned to the firmware with a status. */
        RETURNED("the entry point returned"),
        /** ResetSystem was called (after ExitBootServices when the trace says so). */
        RESET("ResetSystem was called"),
        /** The run was stopped right after a successful ExitBootServices (run option). */
        STOPPED_AFTER_EXIT_BOOT_SERVICES("stopped after ExitBootServices succeeded"),
        /** The CPU faulted (unmapped access, invalid instruction, triple fault...). */
        FAULT("the guest faulted"),
        /** The CPU halted with interrupts off. */
        HALTED("the guest halted"),
        /** The instruction budget or the time limit ran out. */
        LIMIT("a run limit was reached"),
        /** The firmware refused an action (a boot service after ExitBootServices, a jump to 0). */
        VIOLATION("the firmware stopped a violation");

        private final String title;

        Kind(String title) {
            this.title = title;
        }

        public String title() {
            return title;
        }
    }

    public RunEnd {
        Objects.requireNonNull(kind, "RunEnd.kind");
        detail = detail == null ? "" : detail;
    }

    @Override
    public String toString() {
        return kind.title() + (detail.isEmpty() ? "" : ": " + detail) + (rip != 0 ? " (RIP 0x" + Long.toHexString(rip) + ")" : "");
    }
}
