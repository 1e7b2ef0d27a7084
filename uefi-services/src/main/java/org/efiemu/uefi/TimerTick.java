package org.efiemu.uefi;

import java.util.OptionalLong;
import org.efiemu.core.engine.X86Reg;
import org.efiemu.core.machine.InterruptSource;
import org.efiemu.core.machine.Machine;
import org.efiemu.uefi.event.EventService;
import org.efiemu.uefi.event.Tpl;
import org.efiemu.uefi.firmware.FirmwareState;

/**
 * The firmware's periodic timer interrupt on virtual time, as EDK2's timer architectural protocol drives
 * {@code CoreTimerTick} ({@code MdeModulePkg/Core/Dxe/Event/Timer.c}; OVMF ticks every 10 ms): each tick the CPU
 * takes adds the period to {@code mEfiSystemTime} ({@link SystemTime}), the time base of every timer, and when the
 * earliest armed timer's trigger time is reached the timers due are signalled and notification functions with a TPL
 * above the current one run (UEFI 2.10 §7.1.5, §7.1.8).
 *
 * <p>Ticks fall on the grid of the tick period in virtual time and the machine stops at each one (first block
 * boundary at or after it counting by block, the exact instruction per instruction, the next host call with
 * instructions uncounted). A tick is taken when RFLAGS.IF is set, whatever the TPL (EDK2's RaiseTPL(TPL_HIGH_LEVEL)
 * clears IF, which is what masks it; a tick taken at TPL_HIGH_LEVEL leaves the timer check pending until RestoreTPL).
 * A tick at which no timer is due only moves {@code mEfiSystemTime} (no guest code runs for it here; in EDK2 the
 * handler runs and changes nothing else). A tick with a timer due saves the CPU context, runs the
 * {@code TimerInterrupt} service on the guest's stack below the red zone and restores the context. A tick that comes
 * while IF is clear stays pending (once; more are lost, as the local APIC keeps one request) and is taken when
 * interrupts come back on: at the firmware's own STI (RestoreTPL below TPL_HIGH_LEVEL and the event services,
 * {@link #interruptsEnabled()}; any other service releasing a lock, inside that service where EDK2's
 * {@code CoreReleaseLock} executes STI, {@link #tickPendingForRelease()}), or after the guest's own STI and its one-instruction shadow: per instruction
 * exactly (a native hook reads RFLAGS.IF before each instruction while a tick is pending), counting by block too
 * (the block hook reads it at each block start; Unicorn makes STI's shadow a block of its own); after POPF or IRETQ
 * (no shadow) before the next instruction or block. With instructions uncounted the guest's own STI is not watched:
 * the pending tick is taken at the next grid point with IF set or at the firmware's next STI. While the handler of a tick runs (its notification functions included) no
 * further tick is taken — OVMF 2022.11 does not nest its timer interrupt (TimerCornersOvmfLiveTest, "nested-tick"):
 * one stays pending and comes when the handler returns (counting by block after the first block there, per
 * instruction before the first instruction). A HLT with interrupts enabled and a timer armed wakes at the tick at which
 * that timer is due (a CPU in HLT does nothing until then).
 */
final class TimerTick implements InterruptSource, org.efiemu.core.machine.SnapshotParticipant,
        org.efiemu.uefi.event.TickSource {
    private static final long RFLAGS_IF = 1L << 9;

    private final Machine machine;
    private final EventService events;
    private final FirmwareState state;
    private final org.efiemu.uefi.event.SystemTime time;
    private final long handler;
    private final long returnTrap;
    private long taken;
    private long masked;
    private long maskedByIf;

    TimerTick(Machine machine, EventService events, FirmwareState state, org.efiemu.uefi.event.SystemTime time,
            long handler, long returnTrap) {
        this.machine = machine;
        this.events = events;
        this.state = state;
        this.time = time;
        this.handler = handler;
        this.returnTrap = returnTrap;
    }

    /** Re-arms the machine's interrupt point after the armed timers changed. */
    void timersChanged() {
        machine.clock().interruptAt(nextInterruptCycles());
    }

    @Override
    public long nextInterruptCycles() {
        if (state.exitedBootServices()) {
            return -1;
        }
        if (time.pending() && machine.interruptDepth() == 0) {
            if (interruptsOn()) {
                return machine.clock().cycles(); // the handler returned (EOI, IRETQ): the pending tick comes now
            }
            machine.clock().interruptWhenEnabled(true);
        }
        return cyclesAt(time.nextTickAt());
    }

    /** The first virtual cycle count at which the clock reads {@code ticks} (100 ns units) or more. */
    private long cyclesAt(long ticks) {
        if (ticks > (1L << 50)) {
            return -1; // years away: never in a run
        }
        double perCycle = 1e9 / machine.clock().frequencyHz();
        long c = (long) Math.ceil(ticks * 100 / perCycle);
        while (c > 0 && (long) ((c - 1) * perCycle) / 100 >= ticks) {
            c--;
        }
        while ((long) (c * perCycle) / 100 < ticks) {
            c++;
        }
        return c;
    }

    private boolean interruptsOn() {
        return (machine.engine().reg(X86Reg.RFLAGS) & RFLAGS_IF) != 0;
    }

    @Override
    public boolean interrupt() {
        long now = machine.clock().nanos() / 100;
        if (state.exitedBootServices()) {
            time.reached(now, false);
            machine.clock().interruptWhenEnabled(false);
            return false; // the point was set before ExitBootServices: no firmware timer runs any more
        }
        boolean ifOn = interruptsOn();
        if (!ifOn || machine.interruptDepth() > 0) {
            // IF clear, or the timer's interrupt handler still in progress (its vector in service: OVMF takes no
            // nested tick while a notification a tick started runs, measured in TimerCornersOvmfLiveTest)
            boolean before = time.pending();
            time.reached(now, false);
            if (time.pending() && !before) {
                masked++;
                if (!ifOn) {
                    maskedByIf++;
                    machine.clock().interruptWhenEnabled(true);
                }
            }
            return false;
        }
        int n = time.reached(now, true);
        machine.clock().interruptWhenEnabled(false);
        return n > 0 && enterIfDue();
    }

    /** A tick was taken: enters the handler when a timer is due at the new {@code mEfiSystemTime}. */
    private boolean enterIfDue() {
        OptionalLong d = events.nextTimerDeadline();
        if (d.isEmpty() || d.getAsLong() > time.now()) {
            return false;
        }
        if (!machine.enterInterrupt(handler, returnTrap)) {
            masked++;
            return false;
        }
        taken++;
        return true;
    }

    /**
     * A HLT with interrupts enabled stopped the guest: a pending tick is taken at once; when a timer is armed the CPU
     * wakes at the tick at which it is due (virtual time jumps there, the ticks in between are taken) and takes the
     * interrupt; false when nothing can wake it here (no timer, Boot Services gone, no stack for the interrupt frame).
     */
    @Override
    public boolean halted() {
        if (state.exitedBootServices() || !interruptsOn() || machine.interruptDepth() > 0) {
            return false;
        }
        machine.clock().interruptWhenEnabled(false);
        if (time.interruptsEnabled() && enterIfDue()) {
            return true;
        }
        OptionalLong d = events.nextTimerDeadline();
        if (d.isEmpty()) {
            return false;
        }
        jumpTo(d.getAsLong());
        return enterIfDue();
    }

    /** Virtual time jumps to the tick at which {@code mEfiSystemTime} reaches {@code trigger}; those ticks are taken. */
    private void jumpTo(long trigger) {
        long target = time.nextTickAt() + (time.ticksUntil(trigger) - 1) * time.period();
        long cycles = cyclesAt(target);
        long nowCycles = machine.clock().cycles();
        if (cycles > nowCycles) {
            machine.clock().advance(cycles - nowCycles);
        }
        time.reached(machine.clock().nanos() / 100, true);
    }

    @Override
    public void waitUntil(long trigger) {
        if (time.now() < trigger) {
            jumpTo(trigger);
        }
    }

    @Override
    public boolean interruptsEnabled() {
        if (machine.interruptDepth() > 0) {
            return false; // inside the timer's handler: the pending tick waits for its end
        }
        machine.clock().interruptWhenEnabled(false);
        return time.interruptsEnabled();
    }

    @Override
    public boolean tickPendingForRelease() {
        return !state.exitedBootServices() && time.pending() && machine.interruptDepth() == 0;
    }

    @Override
    public boolean tickDueForRelease() {
        return tickPendingForRelease() || tickInCallFiresTimer();
    }

    /**
     * True when virtual time passed the next grid point inside the running service call, no tick's handler runs and a
     * timer is due at that tick. A tick at which no timer is due only moves {@code mEfiSystemTime}, which nothing in
     * the rest of the call reads: it is still taken at the first block after the return (traces of runs without armed
     * timers do not change).
     */
    private boolean tickInCallFiresTimer() {
        if (state.exitedBootServices() || machine.interruptDepth() > 0 || time.pending()
                || time.nextTickAt() > machine.clock().nanos() / 100) {
            return false;
        }
        OptionalLong d = events.nextTimerDeadline();
        return d.isPresent() && d.getAsLong() <= time.now() + time.period();
    }

    @Override
    public void reachInCall() {
        if (tickInCallFiresTimer()) {
            time.reached(machine.clock().nanos() / 100, false); // pending until the release's STI takes it
        }
    }

    /** More ticks than this passed in one firmware call (over 100 s of Stall) are taken at once: timers fire once. */
    private static final long MAX_TICKS_ONE_BY_ONE = 10_000;

    @Override
    public boolean catchUpOneTick() {
        if (state.exitedBootServices()) {
            return false;
        }
        long now = machine.clock().nanos() / 100;
        long next = time.nextTickAt();
        if (next > now) {
            return false;
        }
        if (!interruptsOn() || machine.interruptDepth() > 0) {
            // every grid point passed: the first becomes pending, the others are lost (not taken later)
            boolean before = time.pending();
            time.reached(now, false);
            if (time.pending() && !before) {
                masked++;
                maskedByIf++;
                machine.clock().interruptWhenEnabled(true);
            }
            return false;
        }
        // the ticks up to the one at which the next timer is due are taken together (nothing fires before it)
        long crossed = (now - next) / time.period() + 1;
        OptionalLong d = events.nextTimerDeadline();
        long k = crossed;
        if (d.isPresent() && crossed <= MAX_TICKS_ONE_BY_ONE) {
            k = Math.min(crossed, time.ticksUntil(d.getAsLong()));
        }
        time.reached(next + (k - 1) * time.period(), true);
        return d.isPresent() && d.getAsLong() <= time.now();
    }

    @Override
    public boolean advanceToNextDueTick(long endCycles) {
        if (state.exitedBootServices() || !interruptsOn() || machine.interruptDepth() > 0) {
            return false;
        }
        OptionalLong d = events.nextTimerDeadline();
        if (d.isEmpty()) {
            return false;
        }
        long target = time.nextTickAt() + (time.ticksUntil(d.getAsLong()) - 1) * time.period();
        long cycles = cyclesAt(target);
        if (cycles < 0 || cycles > endCycles) {
            return false;
        }
        long now = machine.clock().cycles();
        if (cycles > now) {
            machine.clock().advance(cycles - now);
        }
        return true;
    }

    @Override
    public String key() {
        return TimerTick.class.getName();
    }

    /** {@code mEfiSystemTime}, the tick grid and the statistics travel with machine snapshots (the debugger's {@code back}). */
    @Override
    public Object save() {
        long[] t = time.save();
        long[] v = java.util.Arrays.copyOf(new long[] {taken, masked, maskedByIf}, 3 + t.length);
        System.arraycopy(t, 0, v, 3, t.length);
        return v;
    }

    @Override
    public void restore(Object saved) {
        if (!(saved instanceof long[] v)) {
            return;
        }
        taken = v[0];
        masked = v[1];
        maskedByIf = v[2];
        time.restore(java.util.Arrays.copyOfRange(v, 3, v.length));
    }

    /** {ticks taken (HLT wake-ups included), ticks masked, of those masked with RFLAGS.IF clear} so far. */
    long[] statistics() {
        return new long[] {taken, masked, maskedByIf};
    }

    /**
     * Why timers due did not reach the guest, for a run that ended on a limit: notifications held by the TPL, ticks
     * masked with interrupts off; empty when neither.
     */
    String heldNotifications(boolean interruptsOff) {
        StringBuilder sb = new StringBuilder();
        int held = events.highestPendingNotifyTpl();
        if (held >= 0) {
            sb.append("a ").append(Tpl.nameOf(held)).append(" notification pending while the current TPL is ")
                    .append(Tpl.nameOf(events.currentTpl())).append(" (it runs when RestoreTPL lowers the TPL below it)");
        }
        if (interruptsOff && maskedByIf > 0) {
            if (sb.length() > 0) {
                sb.append("; ");
            }
            sb.append(maskedByIf).append(" timer ticks masked with RFLAGS.IF clear while a timer was due (no timer "
                    + "notification runs until interrupts are enabled)");
        }
        return sb.toString();
    }
}
