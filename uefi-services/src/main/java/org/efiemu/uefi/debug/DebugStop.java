package org.efiemu.uefi.debug;

import org.efiemu.core.debug.WatchHit;
import org.efiemu.uefi.trace.ServiceCallEvent;

/**
 * Where and why a {@link UefiDebugSession} stopped. Fields that do not apply to {@link #kind()} are null.
 *
 * @param rip where execution resumes
 * @param where RIP named as {@code image.efi+0x1A2B}, a service stub ({@code AllocatePages stub}) or hex
 * @param instructions virtual instructions retired so far (the session's position in time)
 * @param description one line saying what happened
 * @param serviceArguments the call a service breakpoint stopped before ({@link Kind#SERVICE})
 * @param watch the write that hit a watchpoint, with old and new bytes ({@link Kind#WATCHPOINT})
 * @param completedCall the service call that {@code finish} ran ({@link Kind#FINISH} at a service)
 */
public record DebugStop(Kind kind, long rip, String where, long instructions, String description,
        ServiceArguments serviceArguments, WatchHit watch, ServiceCallEvent completedCall) {

    /** Why the session stopped. */
    public enum Kind {
        /** At the image's entry point, before its first instruction. */
        ENTRY,
        /** Before a service call matching a service breakpoint runs (RIP is the service's stub). */
        SERVICE,
        /** At an address breakpoint, before the instruction runs. */
        BREAKPOINT,
        /** After a guest write into a watched range. */
        WATCHPOINT,
        /** One instruction ran. */
        STEP,
        /** A call was stepped over. */
        NEXT,
        /** The current function (or the service at whose stub the session stood) returned. */
        FINISH,
        /** Back at the state before an earlier service call. */
        BACK,
        /** The image's entry point returned, ResetSystem ran, or a violation ended the boot. */
        EXITED,
        /** The machine stopped by itself: fault, budget, time limit, HLT. */
        MACHINE
    }

    /** True when the program cannot continue (the image returned, reset, violation, fault). */
    public boolean isFinal() {
        return kind == Kind.EXITED || kind == Kind.MACHINE;
    }

    @Override
    public String toString() {
        return String.format("%s at %s (0x%X): %s", kind, where, rip, description);
    }
}
