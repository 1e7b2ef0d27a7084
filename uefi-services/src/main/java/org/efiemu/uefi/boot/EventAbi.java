package org.efiemu.uefi.boot;

import org.efiemu.uefi.boot.ServiceCall.Align;

import static org.efiemu.uefi.boot.ServiceCall.hex;
import static org.efiemu.uefi.boot.ServiceCall.ptr;

import org.efiemu.core.clock.VirtualClock;
import org.efiemu.uefi.event.EventResult;
import org.efiemu.uefi.event.EventService;
import org.efiemu.uefi.event.EventTypes;
import org.efiemu.uefi.event.TimerDelay;
import org.efiemu.uefi.event.Tpl;
import org.efiemu.uefi.event.WaitResult;
import org.efiemu.uefi.firmware.FirmwareState;
import org.efiemu.uefi.spec.EfiStatus;
import org.efiemu.uefi.spec.Guid;

/**
 * ABI adapters of the Event, Timer and Task Priority Services (UEFI 2.10 §7.1) over {@link EventService}, plus Stall
 * (§7.5.4) so that timers fire while a caller stalls. Time is virtual: a timer whose trigger time has passed fires at
 * the firmware's next timer tick while the guest runs ({@link #timerInterrupt}, taken by {@code TimerTick}) or at the
 * next event service or Stall (as EDK2's timer interrupt would have fired before it), WaitForEvent with nothing
 * ready advances virtual time to the next timer's trigger time, and notification functions really run in the guest
 * ({@link GuestCallbacks}). Pointer rules as EDK2's {@code Event.c}: a NULL or non-RAM {@code *Event} OUT pointer is
 * {@code EFI_INVALID_PARAMETER}.
 */
public final class EventAbi {
    private final EventService events;
    private final GuestCallbacks callbacks;
    private final VirtualClock clock;
    private final FirmwareState state;
    private final MiscAbi misc;
    private final MemoryAbi memory;
    private final Runnable afterExitBootServices;
    /** The firmware's timer interrupt ({@code TimerTick}), set once the machine has one; null before. */
    private org.efiemu.uefi.event.TickSource ticks;

    /** @param afterExitBootServices runs after a successful ExitBootServices and its notifications */
    public EventAbi(EventService events, GuestCallbacks callbacks, VirtualClock clock, FirmwareState state, MiscAbi misc,
            MemoryAbi memory, Runnable afterExitBootServices) {
        this.events = events;
        this.callbacks = callbacks;
        this.clock = clock;
        this.state = state;
        this.misc = misc;
        this.memory = memory;
        this.afterExitBootServices = afterExitBootServices;
    }

    /** Connects the firmware's timer interrupt: waits, Stall and the firmware's STI go through it. */
    public void tickSource(org.efiemu.uefi.event.TickSource source) {
        this.ticks = source;
    }

    /**
     * EDK2's services take a lock by raising the TPL and release it with {@code CoreRestoreTpl}, which executes STI
     * whenever the TPL it restores is below TPL_HIGH_LEVEL ({@code CoreSetInterruptState(TRUE)}): the caller gets
     * RFLAGS.IF set and a timer tick pending since interrupts went off is taken (its timers fire at the next check).
     */
    private void lockReleased(ServiceCall c) {
        if (events.currentTpl() < Tpl.HIGH_LEVEL) {
            enableInterrupts(c);
        }
    }

    /**
     * A service that took and released a lock returns (its {@link LockRelease} rule in {@link ServiceBindings}): below
     * TPL_HIGH_LEVEL and while Boot Services run, RFLAGS.IF is set as EDK2's {@code CoreRestoreTpl} sets it, and a
     * timer tick pending since the caller disabled interrupts is taken right there, inside the service, as the CPU
     * takes it after {@code CoreReleaseLock} -> {@code CoreRestoreTpl}'s STI: {@code mEfiSystemTime} moves, the timers
     * due fire and their notification functions above the caller's TPL run before the service returns (its trace
     * line lists them, and the services they call come before it in the trace). The dispatcher runs such a call on
     * the gate's continuation thread whenever {@link #releaseMayNotify()} says a notification could run.
     */
    void lockReleasedOnReturn(ServiceCall c) {
        if (state.exitedBootServices() || events.currentTpl() >= Tpl.HIGH_LEVEL) {
            return;
        }
        c.context().interruptFlag(true);
        if (ticks != null) {
            ticks.reachInCall(); // a tick that came inside this call, while it held its lock
        }
        if (ticks != null && ticks.tickPendingForRelease() && ticks.interruptsEnabled()) {
            c.output("interrupts enabled in the lock release: pending timer tick taken");
            timers(c);
            c.output("system time " + events.systemTime() * 100 + " ns");
        }
    }

    /**
     * True when a lock-releasing service called now may run notification functions as it releases its lock (a tick
     * is pending and an EVT_NOTIFY_SIGNAL event exists or a notification is queued): the dispatcher then runs it on
     * the continuation thread (checked on the emulation thread before the call; conservative).
     */
    boolean releaseMayNotify() {
        return ticks != null && ticks.tickDueForRelease() && events.maySignalNotify();
    }

    /**
     * A timer tick whose grid point fell inside this event service's fixed cost (charged at its entry), with a timer due
     * at it, becomes pending, so that the lock release that follows takes it and the timer's notifications run before
     * the service returns, as in EDK2: CoreSignalEvent does nearly all its work under the event lock (TPL_HIGH_LEVEL,
     * IF off: the tick waits for CoreReleaseEventLock's CoreRestoreTpl, whose STI comes before it dispatches the
     * notifications it queued, so the event's own come first); CoreSetTimer holds mEfiTimerLock (TPL_HIGH_LEVEL - 1, IF
     * on): CoreTimerTick runs at once but only signals mEfiCheckTimerEvent at TPL_HIGH_LEVEL - 1, dispatched when that
     * lock is released (the trigger time computed before, as for a tick pending under cli); CoreRestoreTpl dispatches in
     * a loop that re-reads gEventPending, so notifications a tick queues during it run before it returns. A tick at
     * which no timer is due is left to the first block after the return, as before (traces without armed timers keep
     * their lines). CreateEvent(Ex) and CloseEvent take it the same way ({@link #eventLockReleased}).
     */
    private void tickInCost(ServiceCall c) {
        if (ticks == null || state.exitedBootServices() || ticks.tickPendingForRelease()) {
            return;
        }
        ticks.reachInCall();
        if (ticks.tickPendingForRelease()) {
            c.output("a timer tick inside the call's fixed cost, taken in its lock release");
        }
    }

    /** Sets RFLAGS.IF; true when a tick pending since interrupts went off was taken (its timers are then due). */
    private boolean enableInterrupts(ServiceCall c) {
        c.context().interruptFlag(true);
        if (ticks != null && ticks.interruptsEnabled()) {
            c.output("pending timer tick taken");
            return true;
        }
        return false;
    }

    /**
     * EDK2's {@code CoreReleaseEventLock} at the end of CreateEvent(Ex) and CloseEvent ({@code MdeModulePkg/Core/Dxe/
     * Event/Event.c}: {@code CoreCreateEventInternal} allocates the event from pool under {@code gMemoryLock} before
     * it writes {@code *Event} and inserts it under the event lock, {@code CoreCloseEvent} cancels a timer under
     * {@code mEfiTimerLock} and unlinks the event under the event lock before it frees it): each release's
     * {@code CoreRestoreTpl} executes STI below TPL_HIGH_LEVEL, so a tick pending since the caller's {@code cli},
     * or one whose grid point fell inside the call's fixed cost with a timer due at it ({@link #tickInCost}), is taken
     * there: {@code CoreTimerTick} signals {@code mEfiCheckTimerEvent}, the timers due fire and their notifications
     * above the caller's TPL run before the service returns (UEFI 2.10 §7.1.1: notifications run when the TPL drops
     * below theirs). The dispatcher runs such a call on the continuation thread ({@link #releaseMayNotify()}).
     */
    private void eventLockReleased(ServiceCall c) {
        if (events.currentTpl() >= Tpl.HIGH_LEVEL) {
            return;
        }
        tickInCost(c);
        if (enableInterrupts(c)) {
            timers(c);
        }
    }

    /** The virtual clock in the event model's 100 ns units. */
    public static long ticks(VirtualClock clock) {
        return clock.nanos() / 100;
    }

    /** Fires the timers whose trigger time passed while the guest ran (EDK2's timer interrupt). */
    private void timers(ServiceCall c) {
        callbacks.run(c, events::checkTimers);
    }

    /** {@code RaiseTPL(NewTpl)}: returns the previous TPL (not a status); a lower or invalid TPL is refused (EDK2 ASSERTs). */
    public EfiStatus raiseTpl(ServiceCall c) {
        int tpl = (int) c.arg(0);
        c.arguments(Tpl.nameOf(tpl));
        int old = events.currentTpl();
        try {
            old = events.raiseTpl(tpl);
            if (tpl >= Tpl.HIGH_LEVEL && old < Tpl.HIGH_LEVEL) {
                c.context().interruptFlag(false); // EDK2 CoreRaiseTpl: CoreSetInterruptState(FALSE)
                c.output("interrupts disabled");
            }
        } catch (IllegalArgumentException e) {
            c.output("refused (EDK2 ASSERTs): " + e.getMessage());
        }
        c.output("returns " + Tpl.nameOf(old));
        c.returnValue(old);
        return null;
    }

    /** {@code RestoreTPL(OldTpl)} (VOID): runs the notifications above OldTpl, highest first. */
    public EfiStatus restoreTpl(ServiceCall c) {
        int tpl = (int) c.arg(0);
        c.arguments(Tpl.nameOf(tpl));
        try {
            if (tpl > events.currentTpl() || tpl < 0) {
                throw new IllegalArgumentException("RestoreTPL(" + Tpl.nameOf(tpl) + ") at "
                        + Tpl.nameOf(events.currentTpl()) + ": expected a TPL at or below the current one");
            }
            if (tpl < Tpl.HIGH_LEVEL) {
                tickInCost(c);
                // EDK2 CoreRestoreTpl: STI before the notifications below TPL_HIGH_LEVEL run, and at the end
                enableInterrupts(c);
                callbacks.run(c, events::checkTimers);
            }
            callbacks.run(c, () -> events.restoreTpl(tpl));
        } catch (IllegalArgumentException e) {
            c.output("refused (EDK2 ASSERTs): " + e.getMessage());
        }
        return null;
    }

    /** {@code CreateEvent(Type, NotifyTpl, NotifyFunction, NotifyContext, *Event)}. */
    public EfiStatus createEvent(ServiceCall c) {
        return create(c, false);
    }

    /** {@code CreateEventEx(Type, NotifyTpl, NotifyFunction, NotifyContext, *EventGroup, *Event)}. */
    public EfiStatus createEventEx(ServiceCall c) {
        return create(c, true);
    }

    private EfiStatus create(ServiceCall c, boolean ex) {
        int type = c.argU32(0);
        int tpl = (int) c.arg(1);
        long fn = c.arg(2);
        long ctx = c.arg(3);
        long groupPtr = ex ? c.arg(4) : 0;
        long out = c.arg(ex ? 5 : 4);
        Guid group = ex ? c.guidAt("EventGroup", groupPtr) : null;
        if (ex) {
            c.arguments(EventTypes.nameOf(type), Tpl.nameOf(tpl), ptr(fn), ptr(ctx),
                    group != null ? group : ptr(groupPtr), ptr(out));
        } else {
            c.arguments(EventTypes.nameOf(type), Tpl.nameOf(tpl), ptr(fn), ptr(ctx), ptr(out));
        }
        if (!c.isRam("Event", out, 8, Align.UINT64)) {
            c.output(out == 0 ? "Event is NULL" : "Event " + hex(out) + " is not RAM");
            return EfiStatus.INVALID_PARAMETER;
        }
        if (ex && groupPtr != 0 && group == null) {
            if (ServiceCall.Align.UINT32.accepts(groupPtr)) {
                c.output("EventGroup " + hex(groupPtr) + " is not RAM");
            }
            return EfiStatus.INVALID_PARAMETER;
        }
        if (fn != 0 && (type & (EventTypes.EVT_NOTIFY_SIGNAL | EventTypes.EVT_NOTIFY_WAIT)) != 0 && !c.isRam(fn, 1)) {
            c.output("NotifyFunction " + hex(fn) + " is not in RAM");
            return EfiStatus.INVALID_PARAMETER;
        }
        EventResult r = events.createEventEx(type, tpl, fn, ctx, group);
        if (r.status() != EfiStatus.INVALID_PARAMETER) {
            // EDK2 CoreCreateEventInternal: its checks first, then the event's pool allocation (gMemoryLock: a tick
            // pending under the caller's cli is taken at its release, before *Event is written), then the event lock
            eventLockReleased(c);
        }
        if (r.status() == EfiStatus.SUCCESS) {
            c.memory().putU64(out, r.event());
            c.output(hex(r.event()));
        }
        return r.status();
    }

    /** {@code SetTimer(Event, Type, TriggerTime)}: TriggerTime in 100 ns units of virtual time. */
    public EfiStatus setTimer(ServiceCall c) {
        long event = c.arg(0);
        TimerDelay type = TimerDelay.ofValue(c.arg(1) & 0xFFFF_FFFFL);
        long trigger = c.arg(2);
        c.arguments(ptr(event), type != null ? type.name() : hex(c.arg(1) & 0xFFFF_FFFFL), Long.toUnsignedString(trigger));
        timers(c);
        long systemTime = events.systemTime();
        EfiStatus s = callbacks.within(c, () -> events.setTimer(event, type, trigger));
        if (type != null && events.isTimer(event)) {
            // EDK2 CoreSetTimer: checks first, then mEfiTimerLock; the trigger time is computed from mEfiSystemTime
            // before a tick pending under the caller's cli is taken (in CoreCurrentSystemTime's own release, at
            // TPL_HIGH_LEVEL - 1, its timer check waiting for mEfiTimerLock's release): a timer due at that tick is
            // signalled before SetTimer returns (measured: release-order's 100 ns timer, EFI_SUCCESS from CheckEvent)
            tickInCost(c);
            lockReleased(c);
            timers(c);
        }
        if (s == EfiStatus.SUCCESS && type != TimerDelay.TimerCancel) {
            c.output("due at system time " + (systemTime + trigger) * 100 + " ns (virtual now " + clock.nanos() + " ns)");
        }
        return s;
    }

    /** {@code SignalEvent(Event)}: a notify-signal event's function runs before this returns (at TPL_APPLICATION). */
    public EfiStatus signalEvent(ServiceCall c) {
        long event = c.arg(0);
        c.arguments(ptr(event));
        timers(c);
        if (!events.exists(event)) {
            return callbacks.within(c, () -> events.signalEvent(event));
        }
        // EDK2 CoreSignalEvent: the signature check first, then the event lock; its release dispatches the event's
        // notification, a tick pending under the caller's cli taken at the STI before it (release-order: "ET")
        tickInCost(c);
        return inLockRelease(c, sti -> events.signalEvent(event, sti));
    }

    /**
     * Runs an event-model operation whose EDK2 code releases the event lock through {@code CoreRestoreTpl}: below
     * TPL_HIGH_LEVEL RFLAGS.IF is set, and a tick pending since the caller's {@code cli} is taken where that release
     * sets IF (before the notifications of each TPL are dispatched, or at its end), so the timers it finds due queue
     * their notifications behind the ones the operation queued (measured on OVMF 2022.11: {@code release-order}).
     */
    private EfiStatus inLockRelease(ServiceCall c,
            java.util.function.Function<java.util.function.BooleanSupplier, EfiStatus> operation) {
        if (events.currentTpl() >= Tpl.HIGH_LEVEL) {
            return callbacks.within(c, () -> operation.apply(() -> false));
        }
        c.context().interruptFlag(true);
        boolean[] taken = {false};
        java.util.function.BooleanSupplier sti = () -> {
            if (!taken[0] && ticks != null && ticks.interruptsEnabled()) {
                taken[0] = true;
                return true;
            }
            return false;
        };
        EfiStatus s = callbacks.within(c, () -> operation.apply(sti));
        if (taken[0]) {
            c.output("pending timer tick taken in the lock release");
        } else if (ticks != null && ticks.interruptsEnabled()) {
            c.output("pending timer tick taken"); // a release that dispatched nothing below TPL_HIGH_LEVEL
            timers(c);
        }
        return s;
    }

    /** {@code CloseEvent(Event)}. */
    public EfiStatus closeEvent(ServiceCall c) {
        long event = c.arg(0);
        c.arguments(ptr(event));
        if (!events.exists(event)) {
            return events.closeEvent(event);
        }
        // EDK2 CoreCloseEvent: the signature check first, then a timer cancelled under mEfiTimerLock and the event
        // unlinked under the event lock: a tick taken in the releases finds the event gone
        EfiStatus s = events.closeEvent(event);
        eventLockReleased(c);
        return s;
    }

    /** {@code CheckEvent(Event)}: EFI_SUCCESS (signal cleared), EFI_NOT_READY, or EFI_INVALID_PARAMETER for notify-signal events. */
    public EfiStatus checkEvent(ServiceCall c) {
        long event = c.arg(0);
        c.arguments(ptr(event));
        timers(c);
        if (!events.checkEventTakesLock(event)) {
            return callbacks.within(c, () -> events.checkEvent(event));
        }
        // EDK2 CoreCheckEvent: an EVT_NOTIFY_WAIT function is queued under the event lock and runs at its release (a
        // pending tick taken at the STI before it: release-order "WT"), then the signal count is read
        return inLockRelease(c, sti -> events.checkEvent(event, sti));
    }

    /**
     * {@code WaitForEvent(NumberOfEvents, *Event, *Index)}: when no event is ready, virtual time jumps to the next
     * timer's trigger time; when no timer is armed either, nothing can ever signal one of them (there are no
     * interrupts besides timers here), which real firmware would wait for forever: the run stops there
     * ({@link FirmwareState#waitsForever}; {@code BootOutcome.WAITS_FOREVER}).
     */
    public EfiStatus waitForEvent(ServiceCall c) {
        long count = c.arg(0);
        long list = c.arg(1);
        long indexPtr = c.arg(2);
        c.arguments(Long.toUnsignedString(count), ptr(list), ptr(indexPtr));
        c.requireAligned("Event", list, Align.UINT64, EfiStatus.INVALID_PARAMETER);
        if (count == 0 || count > 4096 || !c.isRam(list, 8 * count)) {
            if (count != 0) {
                c.output("Event array " + hex(list) + " is not " + count + " pointers in RAM");
            }
            return EfiStatus.INVALID_PARAMETER;
        }
        if (indexPtr != 0 && !c.isRam("Index", indexPtr, 8, Align.UINT64)) {
            c.output("Index " + hex(indexPtr) + " is not RAM");
            return EfiStatus.INVALID_PARAMETER;
        }
        long[] handles = new long[(int) count];
        for (int i = 0; i < count; i++) {
            handles[i] = c.memory().u64(list + 8L * i);
        }
        lockReleased(c);
        return waitLoop(c, handles, indexPtr);
    }

    /**
     * Firmware code waiting for one event as {@code gBS->WaitForEvent(1, &Event, &Index)} does, for a service that
     * waits itself (the UEFI Shell's StdIn Read waits for ConIn's WaitForKey): virtual time jumps to the next timer,
     * notifications run; EFI_SUCCESS once {@code event} is signalled, EFI_NOT_READY when nothing can ever signal it
     * (the run then stops: WAITS_FOREVER). The caller must run on the gate's continuation thread.
     */
    public EfiStatus waitFor(ServiceCall c, long event) {
        lockReleased(c);
        return waitLoop(c, new long[] {event}, 0);
    }

    private EfiStatus waitLoop(ServiceCall c, long[] handles, long indexPtr) {
        int count = handles.length;
        long start = clock.nanos();
        while (true) {
            WaitResult r = callbacks.within(c, () -> events.waitForEvent(handles));
            if (!r.blocked()) {
                if (indexPtr != 0 && r.status() != EfiStatus.UNSUPPORTED) {
                    c.memory().putU64(indexPtr, r.index());
                    c.output("Index=" + r.index());
                }
                c.output("waited " + (clock.nanos() - start) + " ns");
                return r.status();
            }
            if (r.nextDeadline().isEmpty()) {
                String what = "WaitForEvent: none of the " + count + " events can be signalled (no timer is armed); "
                        + "the firmware would wait forever";
                state.waitsForever(what, c.callerRip());
                c.output(what);
                c.context().stop(what);
                return EfiStatus.NOT_READY;
            }
            if (ticks != null) {
                ticks.waitUntil(r.nextDeadline().getAsLong()); // the CPU idles until the tick the timer is due at
            } else {
                advanceTo(r.nextDeadline().getAsLong() * 100);
            }
        }
    }

    private void advanceTo(long nanos) {
        long now = clock.nanos();
        if (nanos > now) {
            long hz = clock.frequencyHz();
            long delta = nanos - now;
            long cycles = delta > Long.MAX_VALUE / hz ? Long.MAX_VALUE / 4 : (delta * hz + 999_999_999L) / 1_000_000_000L;
            clock.advance(cycles);
        }
    }

    /**
     * The firmware's timer interrupt: EDK2's timer architectural protocol calls {@code CoreTimerTick} from its
     * interrupt handler, which signals the timers that fell due (UEFI 2.10 §7.1.5: timers are driven by the
     * platform's timer tick). Taken when a tick (which moved {@code mEfiSystemTime}) finds a timer due
     * ({@code TimerTick}), or when a HLT with interrupts enabled waits for the next timer (virtual time jumped to the
     * tick at which it is due: a CPU in HLT does nothing until then). The timers due fire and their notification functions above the
     * interrupted TPL run. VOID; the machine saved the interrupted context before and restores it afterwards.
     */
    public EfiStatus timerInterrupt(ServiceCall c) {
        c.arguments();
        // the machine's interrupt frame: [RSP] the return trap, [RSP+8] the interrupted RIP
        long frame = c.context().stackPointer() + 8;
        if (c.isRam(frame, 8)) {
            c.output("interrupted at " + state.describe(c.memory().u64(frame)) + " at " + Tpl.nameOf(events.currentTpl()));
        }
        timers(c);
        c.output("system time " + events.systemTime() * 100 + " ns");
        return null;
    }

    /** True when a timer is armed (a HLT with interrupts enabled ends at its trigger time). */
    public boolean timerArmed() {
        return events.nextTimerDeadline().isPresent();
    }

    /**
     * {@code Stall(Microseconds)}: virtual time moves by the duration. OVMF's Stall busy-waits on the ACPI PM timer
     * with interrupts as the caller left them, so a timer tick inside it is taken at its own time: virtual time moves
     * to each tick at which a timer is due, the timers fire there (their notifications run at that time and their
     * instructions count inside the stall), then on to the end. With interrupts off the ticks stay masked (one
     * pending) and nothing fires.
     */
    public EfiStatus stall(ServiceCall c) {
        busyWait(c, misc.stallCycles(c), () -> false);
        return EfiStatus.SUCCESS;
    }

    /**
     * A firmware busy-wait of {@code cycles} with interrupts as the caller left them that ends early when
     * {@code matched} says so (PCI PollMem/PollIo: EDK2's {@code RootBridgeIoPollMem} reads the location again and
     * again on the performance counter until the delay passed): as {@link #stall}, each tick at which a timer is due
     * is taken at its own virtual time inside the wait, its notifications run there, and {@code matched} is asked
     * after them (a notification may write the location); true, with virtual time left at that tick, when it
     * matched. Otherwise virtual time moves to the end, the ticks left are taken (no timer is due at them) and the
     * result is false. With interrupts off the ticks stay masked and nothing runs.
     */
    public boolean busyWait(ServiceCall c, long cycles, java.util.function.BooleanSupplier matched) {
        long end = clock.cycles() + cycles;
        while (ticks != null && ticks.advanceToNextDueTick(end)) {
            if (!ticks.catchUpOneTick()) {
                break;
            }
            timers(c);
            if (matched.getAsBoolean()) {
                c.output("matched after a timer tick at virtual " + clock.nanos() + " ns");
                return true;
            }
        }
        long now = clock.cycles();
        if (now < end) {
            clock.advance(end - now);
        }
        while (ticks != null && ticks.catchUpOneTick()) {
            timers(c);
        }
        timers(c);
        return false;
    }

    /** A busy-wait of {@code nanos} of virtual time in cycles of the machine's clock (saturating). */
    public long cyclesOf(long nanos) {
        long hz = clock.frequencyHz();
        return nanos < 0 || nanos > Long.MAX_VALUE / hz ? Long.MAX_VALUE / 4 : (long) (nanos / 1e9 * hz);
    }

    /** True when a wait inside a service may run a notification function (a timer could fire there). */
    public boolean waitMayNotify() {
        return ticks != null && events.maySignalNotify();
    }

    /**
     * {@code ExitBootServices(ImageHandle, MapKey)} with its events, in EDK2 {@code CoreExitBootServices}'s order:
     * EFI_EVENT_GROUP_BEFORE_EXIT_BOOT_SERVICES is signalled first (its notifications may still use Boot Services and
     * change the map), then the MapKey is checked ({@link MemoryAbi#exitBootServices}; a stale key returns
     * EFI_INVALID_PARAMETER and signals nothing more), then EFI_EVENT_GROUP_EXIT_BOOT_SERVICES (every
     * EVT_SIGNAL_EXIT_BOOT_SERVICES event) — its notifications run with Boot Services already gone (UEFI 2.10 §7.4.6).
     */
    public EfiStatus exitBootServices(ServiceCall c) {
        callbacks.run(c, () -> events.signalGroup(Guid.EFI_EVENT_GROUP_BEFORE_EXIT_BOOT_SERVICES));
        EfiStatus s = memory.exitBootServices(c);
        if (s == EfiStatus.SUCCESS) {
            callbacks.run(c, () -> events.signalGroup(Guid.EFI_EVENT_GROUP_EXIT_BOOT_SERVICES));
            afterExitBootServices.run();
            c.context().interruptFlag(false); // EDK2 CoreExitBootServices: gCpu->DisableInterrupt
        } else {
            lockReleased(c); // the BEFORE_EXIT_BOOT_SERVICES group was signalled under the event lock first
        }
        return s;
    }

    /**
     * The event model behind these adapters, for {@link ServiceBindings}' predicates: whether a call may run a guest
     * notification function ({@link EventService#maySignalNotify()}) decides if it needs a continuation thread.
     */
    public EventService service() {
        return events;
    }
}
