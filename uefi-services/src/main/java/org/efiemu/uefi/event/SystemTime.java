package org.efiemu.uefi.event;

/**
 * EDK2's {@code mEfiSystemTime} ({@code MdeModulePkg/Core/Dxe/Event/Timer.c}): the DXE core's time base for timers,
 * in 100 ns units, which only the timer interrupt moves — {@code CoreTimerTick(Duration)} adds the timer period
 * (OVMF: 10 ms) once per tick the CPU takes. {@code CoreSetTimer} computes a timer's trigger time from it, so a
 * relative timer set between two ticks counts from the last tick and fires at the first tick at which
 * {@code mEfiSystemTime >= TriggerTime}: up to one period EARLIER than the same delay measured from the call (UEFI
 * 2.10 §7.1.5 only promises "at least" for the firmware's own tick granularity).
 *
 * <p>Ticks fall on the grid of the period in virtual time (tick {@code k} at {@code k * period}). A tick that arrives
 * while RFLAGS.IF is clear stays pending, once (the local APIC or 8259 keeps one request per vector); further ticks
 * while it is pending are lost, so {@code mEfiSystemTime} falls behind virtual time by their periods, as on real
 * firmware. Pure model: the caller says when a grid point was reached and whether the CPU had interrupts enabled.
 * Not thread-safe: one per machine.
 */
public final class SystemTime {
    private final long period;
    private long lastTick;
    private boolean pending;
    private long ticks; // taken: mEfiSystemTime is ticks * period
    private long lost;

    /** @param period the timer tick period in 100 ns units (OVMF: 100 000) */
    public SystemTime(long period) {
        if (period <= 0) {
            throw new IllegalArgumentException("tick period " + period + ": expected > 0 (100 ns units)");
        }
        this.period = period;
    }

    /** {@code mEfiSystemTime} (100 ns units). */
    public long now() {
        return ticks * period;
    }

    public long period() {
        return period;
    }

    /** The virtual time (100 ns units) of the next tick on the grid. */
    public long nextTickAt() {
        return (lastTick + 1) * period;
    }

    /** True while a tick that came with interrupts disabled waits for them to be enabled. */
    public boolean pending() {
        return pending;
    }

    /**
     * Virtual time reached {@code virtualTime} (100 ns units). Returns the ticks the CPU takes now: with interrupts
     * enabled every grid point passed since the last call (they were passed inside a firmware call that ran with
     * interrupts on, e.g. Stall) and a pending one; with interrupts disabled none (the first becomes pending, the rest
     * are lost).
     */
    public int reached(long virtualTime, boolean interruptsEnabled) {
        long k = virtualTime / period;
        long crossed = Math.max(0, k - lastTick);
        lastTick = Math.max(lastTick, k);
        if (!interruptsEnabled) {
            if (crossed > 0) {
                lost += pending ? crossed : crossed - 1;
                pending = true;
            }
            return 0;
        }
        long taken = crossed + (pending ? 1 : 0);
        pending = false;
        ticks += taken;
        return (int) Math.min(Integer.MAX_VALUE, taken);
    }

    /**
     * Takes the next grid point at or before {@code virtualTime} only (one tick; see {@link #reached}); returns the
     * ticks taken (0 when none was passed or interrupts are disabled).
     */
    public int reachedOne(long virtualTime, boolean interruptsEnabled) {
        long next = nextTickAt();
        return next <= virtualTime ? reached(next, interruptsEnabled) : 0;
    }

    /**
     * Interrupts were enabled (STI, or the firmware's {@code CoreRestoreTpl} below TPL_HIGH_LEVEL): a pending tick is
     * taken now; returns true when there was one.
     */
    public boolean interruptsEnabled() {
        if (!pending) {
            return false;
        }
        pending = false;
        ticks++;
        return true;
    }

    /**
     * The number of whole ticks from now after which {@code mEfiSystemTime} reaches {@code trigger} (at least one: a
     * CPU waiting for a timer wakes at a tick).
     */
    public long ticksUntil(long trigger) {
        long need = trigger - now();
        return need <= 0 ? 1 : (need + period - 1) / period;
    }

    /** Ticks taken and ticks lost (masked while another was pending) so far. */
    public long[] statistics() {
        return new long[] {ticks, lost};
    }

    /** State for machine snapshots. */
    public long[] save() {
        return new long[] {lastTick, pending ? 1 : 0, ticks, lost};
    }

    /** Restores {@link #save()} output. */
    public void restore(long[] s) {
        lastTick = s[0];
        pending = s[1] != 0;
        ticks = s[2];
        lost = s[3];
    }
}
