package org.efiemu.uefi.boot;

import java.util.EnumSet;
import java.util.Set;
import org.efiemu.uefi.spec.EfiStatus;

/**
 * Whether a service returns with RFLAGS.IF set because it took and released a lock on the way, as EDK2's DXE core
 * and OVMF's drivers do: {@code CoreAcquireLock} raises the TPL ({@code EfiAcquireLock} through {@code gBS->RaiseTPL}
 * in drivers), {@code CoreReleaseLock} restores it through {@code CoreRestoreTpl}, which executes STI whenever the TPL
 * it restores is below TPL_HIGH_LEVEL ({@code MdeModulePkg/Core/Dxe/Event/Tpl.c}). A caller that disabled interrupts
 * ({@code cli}) at TPL_APPLICATION gets them back from such a service, and a timer tick that came meanwhile is taken
 * before it runs on. A service that takes no lock (CalculateCrc32, CopyMem, SetMem, Stall) leaves IF as it is. A
 * service's argument checks usually come before its lock: an early refusal leaves IF alone.
 *
 * <p>Measured on QEMU 7.2 + OVMF 2022.11 with the {@code timer-tick} payload's {@code if-services} case
 * ({@code TimerCornersOvmfLiveTest}); one rule per slot in {@link ServiceBindings}.
 */
public final class LockRelease {
    /** Takes no lock: IF as the caller left it. */
    public static final LockRelease NONE = new LockRelease(false, EnumSet.noneOf(EfiStatus.class));
    /** Takes a lock on every path. */
    public static final LockRelease ALWAYS = new LockRelease(true, EnumSet.noneOf(EfiStatus.class));
    /** Takes a lock after its argument checks: EFI_INVALID_PARAMETER is returned before it (unless the adapter says). */
    public static final LockRelease AFTER_ARGUMENT_CHECKS = before(EfiStatus.INVALID_PARAMETER);
    /**
     * The adapter sets IF itself where EDK2 releases the lock (the event and TPL services: a tick taken there fires
     * timers before the service's own work).
     */
    public static final LockRelease BY_ADAPTER = new LockRelease(false, EnumSet.noneOf(EfiStatus.class));

    private final boolean locks;
    private final Set<EfiStatus> beforeLock;
    /** A rule that needs the call itself (its arguments, guest memory before the call), or null. */
    private final CallRule rule;
    private final String description;

    private LockRelease(boolean locks, Set<EfiStatus> beforeLock) {
        this(locks, beforeLock, null, null);
    }

    private LockRelease(boolean locks, Set<EfiStatus> beforeLock, CallRule rule, String description) {
        this.locks = locks;
        this.beforeLock = beforeLock;
        this.rule = rule;
        this.description = description;
    }

    /**
     * A rule that reads the call: {@link #beforeCall} is asked before the adapter runs (e.g. the guest state the
     * driver's first checks look at), {@link #afterCall} with its answer and the status once it returned.
     */
    public interface CallRule {
        /** What the rule needs to remember from before the call (guest memory the service may change); may be null. */
        default Object beforeCall(ServiceCall call) {
            return null;
        }

        /** True when the driver released a lock (executed STI through RestoreTPL) on the way to {@code status}. */
        boolean afterCall(ServiceCall call, Object before, EfiStatus status);
    }

    /** A lock rule that reads the call ({@link CallRule}); {@code description} names it in docs and traces. */
    public static LockRelease when(String description, CallRule rule) {
        return new LockRelease(true, EnumSet.noneOf(EfiStatus.class), rule, description);
    }

    /** What a {@link #when} rule remembers before the call (null for the other rules). */
    Object beforeCall(ServiceCall call) {
        return rule == null ? null : rule.beforeCall(call);
    }

    /**
     * As {@link #released(EfiStatus, Boolean)} with the call at hand: a {@link #when} rule decides from the call and
     * {@code before} (what {@link #beforeCall} returned), unless the adapter said.
     */
    public boolean released(ServiceCall call, Object before, EfiStatus status) {
        if (rule == null || !locks) {
            return released(status, call.lockTakenSaid());
        }
        Boolean said = call.lockTakenSaid();
        return said != null ? said : rule.afterCall(call, before, status);
    }

    /** Takes a lock on every path except those returning one of {@code statuses} (checks made before it). */
    public static LockRelease before(EfiStatus first, EfiStatus... more) {
        return new LockRelease(true, EnumSet.of(first, more));
    }

    /**
     * True when a call that returned {@code status} released a lock. {@code adapterSays} (non-null) is the adapter's
     * own word for this call ({@link ServiceCall#lockTaken(boolean)}), e.g. an invalid handle found under the lock.
     */
    public boolean released(EfiStatus status, Boolean adapterSays) {
        if (!locks) {
            return false;
        }
        if (adapterSays != null) {
            return adapterSays;
        }
        return status == null || !beforeLock.contains(status);
    }

    @Override
    public String toString() {
        if (description != null) {
            return description;
        }
        if (this == NONE) {
            return "no lock";
        }
        if (this == BY_ADAPTER) {
            return "lock released by the adapter";
        }
        return beforeLock.isEmpty() ? "lock on every path" : "lock after checks returning " + beforeLock;
    }
}
