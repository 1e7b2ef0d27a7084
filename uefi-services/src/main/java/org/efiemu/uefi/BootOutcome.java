package org.efiemu.uefi;

/** How a {@link UefiMachine#run()} ended. */
public enum BootOutcome {
    /** The image's entry point returned; {@link BootResult#status()} holds the EFI_STATUS it returned. */
    RETURNED,
    /** ExitBootServices succeeded and the machine was asked to stop there. */
    EXITED_BOOT_SERVICES,
    /** ResetSystem was called (or the watchdog expired). */
    RESET,
    /** The guest broke a firmware rule (see {@link BootResult#violations()}). */
    VIOLATION,
    /** HLT with interrupts off, typically a hand-off that parks the CPU. */
    HALTED,
    /** A CPU exception or memory fault; see {@link BootResult#stopReport()}. */
    FAULT,
    /** A budget ran out: instructions, service calls or console output (the stop report says which). */
    BUDGET_EXHAUSTED,
    /** The wall-clock limit ran out. */
    TIME_LIMIT,
    /**
     * The guest waits for something that can never come: HLT with interrupts enabled and no timer armed (or after
     * ExitBootServices, when no firmware timer is left), or WaitForEvent on events nothing can signal. Real firmware
     * would wait forever; the run stops with a report naming the wait.
     */
    WAITS_FOREVER
}
