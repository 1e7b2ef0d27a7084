package org.efiemu.uefi.event;

import static org.efiemu.uefi.event.EventTypes.EVT_NOTIFY_SIGNAL;
import static org.efiemu.uefi.event.EventTypes.EVT_NOTIFY_WAIT;
import static org.efiemu.uefi.event.EventTypes.EVT_SIGNAL_EXIT_BOOT_SERVICES;
import static org.efiemu.uefi.event.EventTypes.EVT_SIGNAL_VIRTUAL_ADDRESS_CHANGE;
import static org.efiemu.uefi.event.EventTypes.EVT_TIMER;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.function.LongConsumer;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import org.efiemu.uefi.spec.EfiStatus;
import org.efiemu.uefi.spec.Guid;

/**
 * Events, timers and task priority (UEFI 2.10 §7.1), as EDK2's {@code MdeModulePkg/Core/Dxe/Event/Event.c},
 * {@code Timer.c} and {@code Tpl.c}, on a virtual clock.
 *
 * <p>Notification functions are guest code: they are handed to the {@link NotifyDispatcher} in EDK2's order
 * (highest TPL first, FIFO within a TPL) whenever the TPL drops below a pending notification's TPL, including the
 * implicit drop at the end of every service (EDK2's event lock). Timers fire when {@link #checkTimers()} is called
 * (the ABI layer calls it as virtual time passes). Not thread-safe: one instance per machine.
 */
public final class EventService {

    private final LongSupplier handleValues;
    private final LongSupplier clock;
    private final NotifyDispatcher dispatcher;
    private final long defaultTimerPeriod;
    private final LongConsumer onClose;

    private final Map<Long, Event> events = new LinkedHashMap<>();
    /** {@code gEventSignalQueue}: notify-signal events, newest first (EDK2 inserts at the head). */
    private final List<Event> signalQueue = new ArrayList<>();
    /** {@code gEventQueue[TPL]}. */
    private final List<ArrayDeque<Event>> notifyQueues = new ArrayList<>();
    /** {@code mEfiTimerList}, sorted by trigger time (FIFO among equal times). */
    private final List<Event> timers = new ArrayList<>();
    private int pending;
    /** Open events of type EVT_NOTIFY_SIGNAL / EVT_NOTIFY_WAIT (they carry a notification function). */
    private int notifySignalEvents;
    private int notifyWaitEvents;
    private int currentTpl = Tpl.APPLICATION;
    private boolean timerCheckDeferred;
    /** Told whenever the armed timers change (armed, cancelled, closed, fired, re-armed). */
    private Runnable timersChanged = () -> { };

    /**
     * @param handleValues       fresh non-zero values for new events (addresses in guest memory, say)
     * @param clock              virtual system time in 100 ns units, never decreasing
     * @param dispatcher         runs guest notification functions
     * @param defaultTimerPeriod period used for {@code SetTimer(TimerPeriodic, 0)} (the timer tick; OVMF: 100000)
     * @param onClose            told of every closed event (the handle database drops its protocol notifications)
     */
    public EventService(LongSupplier handleValues, LongSupplier clock, NotifyDispatcher dispatcher,
            long defaultTimerPeriod, LongConsumer onClose) {
        this.handleValues = Objects.requireNonNull(handleValues, "handleValues");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.dispatcher = Objects.requireNonNull(dispatcher, "dispatcher");
        if (defaultTimerPeriod <= 0) {
            throw new IllegalArgumentException("defaultTimerPeriod " + defaultTimerPeriod + ": expected > 0 (100 ns units)");
        }
        this.defaultTimerPeriod = defaultTimerPeriod;
        this.onClose = Objects.requireNonNull(onClose, "onClose");
        for (int i = 0; i <= Tpl.HIGH_LEVEL; i++) {
            notifyQueues.add(new ArrayDeque<>());
        }
    }

    /**
     * Sets what to tell whenever the armed timers change, so that {@link #nextTimerDeadline()} may have moved (the
     * machine's asynchronous timer tick re-arms from it).
     */
    public void onTimersChanged(Runnable listener) {
        this.timersChanged = Objects.requireNonNull(listener, "listener");
    }

    /** The current TPL ({@code gEfiCurrentTpl}). */
    public int currentTpl() {
        return currentTpl;
    }

    /** True while {@code event} is an open event of this service. */
    public boolean exists(long event) {
        return events.containsKey(event);
    }

    /** True while {@code event} is an open EVT_TIMER event (SetTimer's checks, made before EDK2 takes its lock). */
    public boolean isTimer(long event) {
        Event e = events.get(event);
        return e != null && (e.type & EVT_TIMER) != 0;
    }

    /**
     * True when {@link #checkEvent}{@code (event)} takes EDK2's event lock ({@code CoreCheckEvent}): a valid event
     * that is not a notify-signal one and is signalled or has a notify-wait function to queue; an unsignalled event
     * without one is EFI_NOT_READY without the lock (RFLAGS.IF stays as the caller left it).
     */
    public boolean checkEventTakesLock(long event) {
        Event e = events.get(event);
        if (e == null || (e.type & EVT_NOTIFY_SIGNAL) != 0) {
            return false;
        }
        return e.signalCount != 0 || (e.type & EVT_NOTIFY_WAIT) != 0;
    }

    /** {@code CreateEvent()} (§7.1.1): {@link #createEventEx} without a group. */
    public EventResult createEvent(int type, int notifyTpl, long notifyFunction, long notifyContext) {
        return createEventEx(type, notifyTpl, notifyFunction, notifyContext, null);
    }

    /**
     * {@code CreateEventEx()} (§7.1.2; EDK2 {@code CoreCreateEventInternal}): the type must be one of EDK2's
     * accepted combinations; notify events need a function and {@code TPL_APPLICATION < NotifyTpl < TPL_HIGH_LEVEL};
     * the ExitBootServices and VirtualAddressChange types and groups are mapped onto each other; otherwise
     * {@code EFI_INVALID_PARAMETER}.
     */
    public EventResult createEventEx(int type, int notifyTpl, long notifyFunction, long notifyContext, Guid group) {
        if (!EventTypes.VALID.contains(type)) {
            return new EventResult(EfiStatus.INVALID_PARAMETER, 0);
        }
        int t = type;
        Guid g = group;
        if (g != null) {
            if (t == EVT_SIGNAL_EXIT_BOOT_SERVICES || t == EVT_SIGNAL_VIRTUAL_ADDRESS_CHANGE) {
                return new EventResult(EfiStatus.INVALID_PARAMETER, 0);
            }
            if (g.equals(Guid.EFI_EVENT_GROUP_EXIT_BOOT_SERVICES)) {
                t = EVT_SIGNAL_EXIT_BOOT_SERVICES;
            } else if (g.equals(Guid.EFI_EVENT_GROUP_VIRTUAL_ADDRESS_CHANGE)) {
                t = EVT_SIGNAL_VIRTUAL_ADDRESS_CHANGE;
            }
        } else if (t == EVT_SIGNAL_EXIT_BOOT_SERVICES) {
            g = Guid.EFI_EVENT_GROUP_EXIT_BOOT_SERVICES;
        } else if (t == EVT_SIGNAL_VIRTUAL_ADDRESS_CHANGE) {
            g = Guid.EFI_EVENT_GROUP_VIRTUAL_ADDRESS_CHANGE;
        }
        int tpl = notifyTpl;
        long fn = notifyFunction;
        long ctx = notifyContext;
        if ((t & (EVT_NOTIFY_WAIT | EVT_NOTIFY_SIGNAL)) != 0) {
            if (fn == 0 || tpl <= Tpl.APPLICATION || tpl >= Tpl.HIGH_LEVEL) {
                return new EventResult(EfiStatus.INVALID_PARAMETER, 0);
            }
        } else {
            tpl = 0;
            fn = 0;
            ctx = 0;
        }
        long handle = handleValues.getAsLong();
        if (handle == 0 || events.containsKey(handle)) {
            throw new IllegalStateException(String.format("event allocator returned 0x%X, zero or in use", handle));
        }
        Event e = new Event(handle, t, tpl, fn, ctx, g);
        events.put(handle, e);
        if ((t & EVT_NOTIFY_SIGNAL) != 0) {
            signalQueue.add(0, e);
            notifySignalEvents++;
        }
        if ((t & EVT_NOTIFY_WAIT) != 0) {
            notifyWaitEvents++;
        }
        return new EventResult(EfiStatus.SUCCESS, handle);
    }

    /**
     * {@code SignalEvent()} (§7.1.4): sets the event signalled if it is not; a notify-signal event's function is
     * queued, and for a group member every member of the group is queued.
     */
    public EfiStatus signalEvent(long event) {
        return signalEvent(event, NO_STI);
    }

    /**
     * As {@link #signalEvent(long)}, with {@code sti} the CPU taking a pending timer tick where EDK2's
     * {@code CoreReleaseEventLock} -> {@code CoreRestoreTpl} sets IF: before the notifications of each TPL below
     * TPL_HIGH_LEVEL are dispatched, and at the end ({@link #lowerTo(int, BooleanSupplier)}). True from {@code sti}: a
     * tick was taken ({@code mEfiSystemTime} moved), the timers due are signalled there, so their notifications are
     * queued after those of the signalled event at the same TPL (measured on OVMF 2022.11: {@code release-order}).
     */
    public EfiStatus signalEvent(long event, BooleanSupplier sti) {
        Event e = events.get(event);
        if (e == null) {
            return EfiStatus.INVALID_PARAMETER;
        }
        signal(e);
        lowerTo(currentTpl, sti);
        return EfiStatus.SUCCESS;
    }

    /** The CPU takes no tick where the model releases a lock ({@link #lowerTo(int, BooleanSupplier)}). */
    private static final BooleanSupplier NO_STI = () -> false;

    private void signal(Event e) {
        if (e.signalCount == 0) {
            e.signalCount++;
            if ((e.type & EVT_NOTIFY_SIGNAL) != 0) {
                if (e.group != null) {
                    queueGroup(e.group);
                } else {
                    queue(e);
                }
            }
        }
    }

    /**
     * Signals every notify-signal member of {@code group} (EDK2 {@code CoreNotifySignalList}), e.g.
     * {@code EFI_EVENT_GROUP_EXIT_BOOT_SERVICES} from ExitBootServices or
     * {@code EFI_EVENT_GROUP_MEMORY_MAP_CHANGE} from the memory services.
     */
    public void signalGroup(Guid group) {
        queueGroup(Objects.requireNonNull(group, "group"));
        releaseLock();
    }

    private void queueGroup(Guid group) {
        for (Event member : List.copyOf(signalQueue)) {
            if (group.equals(member.group)) {
                queue(member);
            }
        }
    }

    /** {@code CoreNotifyEvent()}: (re)queue at the tail of the event's TPL queue. */
    private void queue(Event e) {
        ArrayDeque<Event> q = notifyQueues.get(e.notifyTpl);
        if (e.queued) {
            q.remove(e);
        }
        q.addLast(e);
        e.queued = true;
        pending |= 1 << e.notifyTpl;
    }

    /**
     * {@code CheckEvent()} (§7.1.6): {@code EFI_INVALID_PARAMETER} for notify-signal events; a wait event's
     * function is run first when it is not signalled; {@code EFI_SUCCESS} (and clears the signal) when signalled,
     * else {@code EFI_NOT_READY}.
     */
    public EfiStatus checkEvent(long event) {
        return checkEvent(event, NO_STI);
    }

    /**
     * As {@link #checkEvent(long)}, with {@code sti} as in {@link #signalEvent(long, BooleanSupplier)}: a pending tick
     * taken in the release that runs the event's EVT_NOTIFY_WAIT function queues the timers' notifications after it at
     * the same TPL, and a timer's notification that signals the event makes this call return EFI_SUCCESS (EDK2
     * {@code CoreCheckEvent} looks at the signal count after that release).
     */
    public EfiStatus checkEvent(long event, BooleanSupplier sti) {
        Event e = events.get(event);
        if (e == null || (e.type & EVT_NOTIFY_SIGNAL) != 0) {
            return EfiStatus.INVALID_PARAMETER;
        }
        if (e.signalCount == 0 && (e.type & EVT_NOTIFY_WAIT) != 0) {
            queue(e);
            lowerTo(currentTpl, sti);
        }
        if (e.signalCount != 0 && events.containsKey(event)) {
            e.signalCount = 0;
            return EfiStatus.SUCCESS;
        }
        return EfiStatus.NOT_READY;
    }

    /**
     * One pass of {@code WaitForEvent()} (§7.1.7): {@code EFI_UNSUPPORTED} unless at {@code TPL_APPLICATION},
     * {@code EFI_INVALID_PARAMETER} for no events; the first event whose {@link #checkEvent} is not
     * {@code EFI_NOT_READY} ends the wait with its index and status (so a notify-signal event gives
     * {@code EFI_INVALID_PARAMETER}). When none is ready, due timers are fired and the events checked again; if still
     * none, the result is {@code blocked} with the next timer deadline.
     */
    public WaitResult waitForEvent(long[] eventList) {
        if (eventList == null || eventList.length == 0) {
            return new WaitResult(EfiStatus.INVALID_PARAMETER, 0, false, OptionalLong.empty());
        }
        if (currentTpl != Tpl.APPLICATION) {
            return new WaitResult(EfiStatus.UNSUPPORTED, 0, false, OptionalLong.empty());
        }
        for (int pass = 0; pass < 2; pass++) {
            for (int i = 0; i < eventList.length; i++) {
                EfiStatus s = checkEvent(eventList[i]);
                if (s != EfiStatus.NOT_READY) {
                    return new WaitResult(s, i, false, OptionalLong.empty());
                }
            }
            checkTimers();
        }
        return new WaitResult(EfiStatus.NOT_READY, 0, true, nextTimerDeadline());
    }

    /** {@code CloseEvent()} (§7.1.3): cancels its timer, removes it from every queue and forgets the handle. */
    public EfiStatus closeEvent(long event) {
        Event e = events.remove(event);
        if (e == null) {
            return EfiStatus.INVALID_PARAMETER;
        }
        if (timers.remove(e)) {
            timersChanged.run();
        }
        if (e.queued) {
            notifyQueues.get(e.notifyTpl).remove(e);
        }
        signalQueue.remove(e);
        if ((e.type & EVT_NOTIFY_SIGNAL) != 0) {
            notifySignalEvents--;
        }
        if ((e.type & EVT_NOTIFY_WAIT) != 0) {
            notifyWaitEvents--;
        }
        onClose.accept(event);
        return EfiStatus.SUCCESS;
    }

    /**
     * {@code SetTimer()} (§7.1.5; EDK2 {@code CoreSetTimer}): cancels any pending trigger, then arms the timer
     * {@code triggerTime} (100 ns units) from now; {@code TimerPeriodic} with 0 uses the timer tick period.
     * {@code EFI_INVALID_PARAMETER} for a non-timer event or an unknown type (null).
     */
    public EfiStatus setTimer(long event, TimerDelay type, long triggerTime) {
        Event e = events.get(event);
        if (e == null || type == null || (e.type & EVT_TIMER) == 0) {
            return EfiStatus.INVALID_PARAMETER;
        }
        timers.remove(e);
        e.triggerTime = 0;
        e.period = 0;
        if (type != TimerDelay.TimerCancel) {
            long delay = triggerTime;
            if (type == TimerDelay.TimerPeriodic) {
                if (delay == 0) {
                    delay = defaultTimerPeriod;
                }
                e.period = delay;
            }
            e.triggerTime = clock.getAsLong() + delay;
            insertTimer(e);
            timersChanged.run();
            if (delay == 0) {
                checkTimers();
            }
        } else {
            timersChanged.run();
        }
        return EfiStatus.SUCCESS;
    }

    private void insertTimer(Event e) {
        int i = 0;
        while (i < timers.size() && timers.get(i).triggerTime <= e.triggerTime) {
            i++;
        }
        timers.add(i, e);
    }

    /** The timers' time base now (100 ns units; EDK2 {@code CoreCurrentSystemTime}). */
    public long systemTime() {
        return clock.getAsLong();
    }

    /** The earliest armed timer's trigger time, if any. */
    public OptionalLong nextTimerDeadline() {
        return timers.isEmpty() ? OptionalLong.empty() : OptionalLong.of(timers.get(0).triggerTime);
    }

    /**
     * Fires every timer due at the clock's current time (EDK2 {@code CoreCheckTimers}): signals it, and re-arms
     * periodic timers one period later, or one period after now if that is already past. Runs at {@code TPL_HIGH_LEVEL - 1}, so
     * it is deferred while the TPL is at or above that level.
     */
    public void checkTimers() {
        if (currentTpl >= Tpl.HIGH_LEVEL - 1) {
            timerCheckDeferred = true;
            return;
        }
        fireDueTimers();
        releaseLock();
    }

    private void fireDueTimers() {
        timerCheckDeferred = false;
        long now = clock.getAsLong();
        List<Event> due = new ArrayList<>();
        while (!timers.isEmpty() && timers.get(0).triggerTime <= now) {
            due.add(timers.remove(0));
        }
        if (due.isEmpty()) {
            return;
        }
        for (Event e : due) {
            signal(e);
            if (e.period != 0) {
                // EDK2 CoreCheckTimers: one period later, or now if that is already past; its loop then takes the
                // timer again while it is due (the signal is already set, so nothing more happens) and moves it one
                // period on: the next trigger is the first one after now
                long t = Math.max(e.triggerTime + e.period, now);
                if (t <= now) {
                    t = now + e.period;
                }
                e.triggerTime = t;
                insertTimer(e);
            }
        }
        timersChanged.run();
    }

    /**
     * {@code RaiseTPL()} (§7.1.8): sets the TPL, returns the previous one.
     *
     * @throws IllegalArgumentException when {@code newTpl} is below the current TPL or above
     *                                  {@code TPL_HIGH_LEVEL} (EDK2 ASSERTs)
     */
    public int raiseTpl(int newTpl) {
        if (newTpl < currentTpl || newTpl > Tpl.HIGH_LEVEL) {
            throw new IllegalArgumentException("RaiseTPL(" + Tpl.nameOf(newTpl) + ") at " + Tpl.nameOf(currentTpl)
                    + ": expected a TPL between the current one and TPL_HIGH_LEVEL");
        }
        int old = currentTpl;
        currentTpl = newTpl;
        return old;
    }

    /**
     * {@code RestoreTPL()} (§7.1.9; EDK2 {@code CoreRestoreTpl}): dispatches every pending notification above
     * {@code oldTpl}, highest TPL first, each at its own TPL, then sets {@code oldTpl}.
     *
     * @throws IllegalArgumentException when {@code oldTpl} is above the current TPL (EDK2 ASSERTs)
     */
    public void restoreTpl(int oldTpl) {
        if (oldTpl > currentTpl || oldTpl < 0) {
            throw new IllegalArgumentException("RestoreTPL(" + Tpl.nameOf(oldTpl) + ") at " + Tpl.nameOf(currentTpl)
                    + ": expected a TPL at or below the current one");
        }
        lowerTo(oldTpl);
    }

    /**
     * False when no call of {@link #signalEvent}, {@link #signalGroup}, {@link #checkTimers}, {@link #setTimer},
     * {@link #restoreTpl} (nor a protocol notification, which signals an event) can hand a notification to the
     * dispatcher: only EVT_NOTIFY_SIGNAL events are queued by signals, timers and groups (EDK2 {@code CoreNotifyEvent}
     * from {@code CoreSignalEvent}), so with none open and nothing queued no notification function can run. The ABI
     * layer uses it to run those services without a guest-calling continuation.
     */
    public boolean maySignalNotify() {
        return notifySignalEvents > 0 || pending != 0;
    }

    /**
     * As {@link #maySignalNotify()} for {@link #checkEvent}{@code (event)}: also true when {@code event} is an
     * EVT_NOTIFY_WAIT event that is not signalled (CheckEvent queues its notification function first, §7.1.6).
     */
    public boolean mayNotifyOnCheck(long event) {
        if (maySignalNotify()) {
            return true;
        }
        Event e = events.get(event);
        return e != null && (e.type & EVT_NOTIFY_WAIT) != 0 && e.signalCount == 0;
    }

    /** As {@link #maySignalNotify()} for {@link #waitForEvent}: also true while any EVT_NOTIFY_WAIT event is open. */
    public boolean mayNotifyOnWait() {
        return maySignalNotify() || notifyWaitEvents > 0;
    }

    /** The highest TPL with a notification queued and not yet run ({@code gEventPending}), or -1 when none is. */
    public int highestPendingNotifyTpl() {
        return pending == 0 ? -1 : 31 - Integer.numberOfLeadingZeros(pending);
    }

    /** Every event handle, in creation order. */
    public List<Long> events() {
        return List.copyOf(events.keySet());
    }

    /** EDK2 raises to TPL_HIGH_LEVEL for its event lock; releasing it dispatches what became pending. */
    private void releaseLock() {
        lowerTo(currentTpl);
    }

    private void lowerTo(int newTpl) {
        lowerTo(newTpl, NO_STI);
    }

    /**
     * EDK2 {@code CoreRestoreTpl}: the pending notifications above {@code newTpl}, highest TPL first; before each TPL
     * below TPL_HIGH_LEVEL is dispatched, and once at {@code newTpl}, the CPU's IF is set ({@code sti}): when that
     * takes a pending tick (true) the timers due at the new {@code mEfiSystemTime} are signalled right there (the
     * tick's {@code CoreCheckTimers}), and their notifications join the queues behind those already pending.
     */
    private void lowerTo(int newTpl, BooleanSupplier sti) {
        if (timerCheckDeferred && newTpl < Tpl.HIGH_LEVEL - 1) {
            fireDueTimers();
        }
        while (true) {
            int top = pending == 0 ? -1 : 31 - Integer.numberOfLeadingZeros(pending);
            if (top <= newTpl) {
                currentTpl = newTpl;
                if (newTpl < Tpl.HIGH_LEVEL && sti.getAsBoolean()) {
                    fireDueTimers();
                    continue;
                }
                return;
            }
            currentTpl = top;
            if (top < Tpl.HIGH_LEVEL && sti.getAsBoolean()) {
                fireDueTimers();
                continue;
            }
            dispatch(top);
        }
    }

    /** {@code CoreDispatchEventNotifies()}. */
    private void dispatch(int tpl) {
        ArrayDeque<Event> q = notifyQueues.get(tpl);
        while (!q.isEmpty()) {
            Event e = q.pollFirst();
            e.queued = false;
            if ((e.type & EVT_NOTIFY_SIGNAL) != 0) {
                e.signalCount = 0;
            }
            dispatcher.callNotify(new NotifyRequest(e.handle, e.function, e.context, tpl));
        }
        pending &= ~(1 << tpl);
    }
}
