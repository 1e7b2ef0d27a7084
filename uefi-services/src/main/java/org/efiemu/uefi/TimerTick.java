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
 * {@code CoreTimerTick} ({@code MdeModulePkg/Core/Dxe/Event/Timer.c}; OVMF ticks every 10 ms): whenever a tick finds
 * the earliest armed timer expired, the timers due are signalled and notification functions with a TPL above the
 * current one run (UEFI 2.10 §7.1.5, §7.1.8). Without it timers would fire only at an event service, Stall or HLT, and
 * a guest that busy-waits on a flag a notification function sets would spin for ever.
 *
 * <p>Ticks fall on the grid of the tick period in virtual time; only a tick at which an armed timer is due is taken
 * (an empty tick changes nothing in EDK2 but {@code mEfiSystemTime}, which is the virtual clock here), so the machine
 * stops at the first block boundary at or after {@code ceil(trigger / period) * period}. The tick is taken when
 * RFLAGS.IF is set, the TPL is below {@code TPL_HIGH_LEVEL} (EDK2 disables interrupts there) and Boot Services are
 * not gone (EDK2 stops its timer at ExitBootServices); the CPU context is saved, the {@code TimerInterrupt} service
 * runs on the guest's stack below the red zone (it fires the timers; the event model dispatches notifications above
 * the interrupted TPL and keeps the others pending until RestoreTPL), and the context comes back before the guest
 * goes on where it was. A masked tick is lost (the next is one period later), as a tick the 8254 raises while
 * interrupts stay off. A HLT with interrupts enabled and a timer armed wakes at that timer's trigger time (a CPU in
 * HLT does nothing until then).
 */
final class TimerTick implements InterruptSource, org.efiemu.core.machine.SnapshotParticipant {
    private static final long RFLAGS_IF = 1L << 9;

    private final Machine machine;
    private final EventService events;
    private final FirmwareState state;
    private final long handler;
    private final long returnTrap;
    /** The tick period in 100 ns units. */
    private final long period;
    /** No tick before this time (100 ns units): one tick per period at most. */
    private long notBefore;
    private long taken;
    private long masked;
    private long maskedByIf;

    TimerTick(Machine machine, EventService events, FirmwareState state, long handler, long returnTrap, long period) {
        if (period <= 0) {
            throw new IllegalArgumentException("tick period " + period + ": expected > 0 (100 ns units)");
        }
        this.machine = machine;
        this.events = events;
        this.state = state;
        this.handler = handler;
        this.returnTrap = returnTrap;
        this.period = period;
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
        OptionalLong deadline = events.nextTimerDeadline();
        if (deadline.isEmpty()) {
            return -1;
        }
        long d = Math.max(deadline.getAsLong(), notBefore);
        long tick = d / period * period;
        if (tick < d) {
            tick += period;
        }
        return cyclesAt(tick);
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

    @Override
    public boolean interrupt() {
        long now = machine.clock().nanos() / 100;
        notBefore = (now / period + 1) * period;
        if (state.exitedBootServices()) {
            return false; // the point was set before ExitBootServices: no firmware timer runs any more
        }
        boolean interruptsOn = (machine.engine().reg(X86Reg.RFLAGS) & RFLAGS_IF) != 0;
        if (!interruptsOn || events.currentTpl() >= Tpl.HIGH_LEVEL) {
            masked++;
            if (!interruptsOn) {
                maskedByIf++;
            }
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
     * A HLT with interrupts enabled stopped the guest: when a timer is armed, the CPU wakes at its trigger time (the
     * {@code TimerInterrupt} service moves virtual time there) and takes the interrupt; false when nothing can wake it
     * here (no timer, Boot Services gone, no stack for the interrupt frame).
     */
    @Override
    public boolean halted() {
        if (state.exitedBootServices() || events.nextTimerDeadline().isEmpty()
                || (machine.engine().reg(X86Reg.RFLAGS) & RFLAGS_IF) == 0) {
            return false;
        }
        if (!machine.enterInterrupt(handler, returnTrap)) {
            return false;
        }
        taken++;
        return true;
    }

    @Override
    public String key() {
        return TimerTick.class.getName();
    }

    /** The next allowed tick and the statistics travel with machine snapshots (the debugger's {@code back}). */
    @Override
    public Object save() {
        return new long[] {notBefore, taken, masked, maskedByIf};
    }

    @Override
    public void restore(Object saved) {
        if (!(saved instanceof long[] v)) {
            return;
        }
        notBefore = v[0];
        taken = v[1];
        masked = v[2];
        maskedByIf = v[3];
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
