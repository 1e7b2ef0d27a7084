package org.efiemu.uefi.event;

/**
 * The firmware's timer interrupt as the event services need it (EDK2: the timer architectural protocol calling
 * {@code CoreTimerTick}; {@link SystemTime} is its time base): what a service does that the timer interrupt sees.
 */
public interface TickSource {
    /**
     * The CPU idles with interrupts enabled until {@code mEfiSystemTime} reaches {@code trigger} (WaitForEvent with
     * nothing ready): virtual time jumps to that tick and the ticks in between are taken.
     */
    void waitUntil(long trigger);

    /**
     * The firmware set RFLAGS.IF ({@code CoreRestoreTpl} below TPL_HIGH_LEVEL, also when a service releases its
     * lock): a tick pending since interrupts were disabled is taken now. Returns true when one was.
     */
    boolean interruptsEnabled();

    /**
     * True when a tick is pending (it came while RFLAGS.IF was clear), Boot Services run and no tick's handler is in
     * progress: a service that sets IF as it releases its lock takes it there ({@link #interruptsEnabled()}), and the
     * notifications of the timers it finds due run inside that service, as EDK2's {@code CoreReleaseLock} ->
     * {@code CoreRestoreTpl} -> STI runs them.
     */
    boolean tickPendingForRelease();

    /**
     * As {@link #tickPendingForRelease()}, also true when virtual time passed a tick's grid point inside the service
     * call now running (its fixed cost, charged at its entry), that tick has not been taken and a timer is due at it
     * (a tick that fires nothing is still taken after the return: nothing can see the difference): EDK2 takes such a tick
     * inside the service, and one that holds a lock runs the notifications at its release. Side-effect free (asked
     * before the call, to run it where it can call the guest).
     */
    default boolean tickDueForRelease() {
        return tickPendingForRelease();
    }

    /**
     * A service that took a lock releases it: a tick whose grid point virtual time passed inside the call (and not
     * taken yet) becomes pending here, as the interrupt that came while the lock raised the TPL (EDK2's timer check
     * runs at TPL_HIGH_LEVEL - 1, its notifications wait for the release), so that the release takes it
     * ({@link #interruptsEnabled()}).
     */
    default void reachInCall() {
    }

    /**
     * Virtual time moved inside a firmware call (Stall): takes the next tick passed meanwhile, if any (or leaves it
     * pending while interrupts are disabled); returns true when one was taken, so that the caller fires the timers
     * once per tick as the interrupt would have.
     */
    boolean catchUpOneTick();

    /**
     * Inside a firmware busy-wait (Stall) that ends at virtual cycle {@code endCycles}, with interrupts enabled: moves
     * virtual time to the tick at which the next armed timer is due when that tick comes before the end, so that it
     * is taken there ({@link #catchUpOneTick()}); false (time unchanged) when none does, no timer is armed or
     * interrupts are off.
     */
    boolean advanceToNextDueTick(long endCycles);

}
