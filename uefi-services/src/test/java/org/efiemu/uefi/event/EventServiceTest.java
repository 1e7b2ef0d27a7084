package org.efiemu.uefi.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.efiemu.uefi.event.EventTypes.EVT_NOTIFY_SIGNAL;
import static org.efiemu.uefi.event.EventTypes.EVT_NOTIFY_WAIT;
import static org.efiemu.uefi.event.EventTypes.EVT_SIGNAL_EXIT_BOOT_SERVICES;
import static org.efiemu.uefi.event.EventTypes.EVT_TIMER;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.efiemu.uefi.spec.EfiStatus;
import org.efiemu.uefi.spec.Guid;
import org.junit.jupiter.api.Test;

class EventServiceTest {

    long now = 0;
    long nextHandle = 0xE000;
    final List<NotifyRequest> calls = new ArrayList<>();
    final List<Long> closed = new ArrayList<>();
    Consumer<NotifyRequest> guest = r -> { };
    final EventService ev = new EventService(() -> nextHandle += 8, () -> now, r -> {
        calls.add(r);
        guest.accept(r);
    }, 100_000, closed::add);

    long create(int type, int tpl, long fn) {
        EventResult r = ev.createEvent(type, tpl, fn, fn + 1);
        assertThat(r.status()).isEqualTo(EfiStatus.SUCCESS);
        return r.event();
    }

    @Test
    void typesOutsideEdk2TableAreInvalidParameter() {
        assertThat(ev.createEvent(EVT_NOTIFY_WAIT | EVT_NOTIFY_SIGNAL, Tpl.CALLBACK, 0x10, 0).status())
                .isEqualTo(EfiStatus.INVALID_PARAMETER);
        assertThat(ev.createEvent(0x1, Tpl.CALLBACK, 0x10, 0).status()).isEqualTo(EfiStatus.INVALID_PARAMETER);
    }

    @Test
    void notifyEventsNeedAFunctionAndATplBetweenApplicationAndHighLevel() {
        assertThat(ev.createEvent(EVT_NOTIFY_SIGNAL, Tpl.CALLBACK, 0, 0).status())
                .isEqualTo(EfiStatus.INVALID_PARAMETER);
        assertThat(ev.createEvent(EVT_NOTIFY_SIGNAL, Tpl.APPLICATION, 0x10, 0).status())
                .isEqualTo(EfiStatus.INVALID_PARAMETER);
        assertThat(ev.createEvent(EVT_NOTIFY_SIGNAL, Tpl.HIGH_LEVEL, 0x10, 0).status())
                .isEqualTo(EfiStatus.INVALID_PARAMETER);
        assertThat(ev.createEvent(0, 99, 0, 0).status()).isEqualTo(EfiStatus.SUCCESS);
    }

    @Test
    void signalAtApplicationTplRunsTheNotifyFunctionAtItsTpl() {
        long e = create(EVT_NOTIFY_SIGNAL, Tpl.CALLBACK, 0x100);
        assertThat(ev.signalEvent(e)).isEqualTo(EfiStatus.SUCCESS);
        assertThat(calls).containsExactly(new NotifyRequest(e, 0x100, 0x101, Tpl.CALLBACK));
        assertThat(ev.currentTpl()).isEqualTo(Tpl.APPLICATION);
    }

    @Test
    void notificationsWaitForRestoreTplAndRunHighestTplFirst() {
        long low = create(EVT_NOTIFY_SIGNAL, Tpl.CALLBACK, 0x100);
        long high = create(EVT_NOTIFY_SIGNAL, Tpl.NOTIFY, 0x200);
        int old = ev.raiseTpl(Tpl.HIGH_LEVEL);
        ev.signalEvent(low);
        ev.signalEvent(high);
        assertThat(calls).isEmpty();
        ev.restoreTpl(old);
        assertThat(calls).extracting(NotifyRequest::function).containsExactly(0x200L, 0x100L);
        assertThat(calls).extracting(NotifyRequest::tpl).containsExactly(Tpl.NOTIFY, Tpl.CALLBACK);
    }

    @Test
    void signallingTwiceBeforeDispatchQueuesOnce() {
        long e = create(EVT_NOTIFY_SIGNAL, Tpl.CALLBACK, 0x100);
        ev.raiseTpl(Tpl.NOTIFY);
        ev.signalEvent(e);
        ev.signalEvent(e);
        ev.restoreTpl(Tpl.APPLICATION);
        assertThat(calls).hasSize(1);
    }

    @Test
    void raisingBelowTheCurrentTplIsRejected() {
        ev.raiseTpl(Tpl.NOTIFY);
        assertThatThrownBy(() -> ev.raiseTpl(Tpl.CALLBACK)).hasMessageContaining("RaiseTPL(TPL_CALLBACK)");
        assertThatThrownBy(() -> ev.restoreTpl(Tpl.HIGH_LEVEL)).hasMessageContaining("RestoreTPL");
    }

    @Test
    void eventGroupSignalQueuesEveryMemberNewestFirst() {
        Guid group = Guid.parse("AAAAAAAA-0000-0000-0000-000000000001");
        long a = ev.createEventEx(EVT_NOTIFY_SIGNAL, Tpl.CALLBACK, 0x100, 0, group).event();
        long b = ev.createEventEx(EVT_NOTIFY_SIGNAL, Tpl.CALLBACK, 0x200, 0, group).event();
        create(EVT_NOTIFY_SIGNAL, Tpl.CALLBACK, 0x300);
        ev.signalEvent(a);
        assertThat(calls).extracting(NotifyRequest::event).containsExactly(b, a);
    }

    @Test
    void exitBootServicesTypeAndGroupMapOntoEachOther() {
        long legacy = create(EVT_SIGNAL_EXIT_BOOT_SERVICES, Tpl.NOTIFY, 0x100);
        long ex = ev.createEventEx(EVT_NOTIFY_SIGNAL, Tpl.CALLBACK, 0x200, 0,
                Guid.EFI_EVENT_GROUP_EXIT_BOOT_SERVICES).event();
        assertThat(ev.createEventEx(EVT_SIGNAL_EXIT_BOOT_SERVICES, Tpl.CALLBACK, 0x200, 0,
                Guid.EFI_EVENT_GROUP_EXIT_BOOT_SERVICES).status()).isEqualTo(EfiStatus.INVALID_PARAMETER);
        ev.signalGroup(Guid.EFI_EVENT_GROUP_EXIT_BOOT_SERVICES);
        assertThat(calls).extracting(NotifyRequest::event).containsExactly(legacy, ex);
    }

    @Test
    void checkEventOnNotifySignalEventIsInvalidParameter() {
        long e = create(EVT_NOTIFY_SIGNAL, Tpl.CALLBACK, 0x100);
        assertThat(ev.checkEvent(e)).isEqualTo(EfiStatus.INVALID_PARAMETER);
    }

    @Test
    void checkEventRunsTheWaitNotifyAndClearsTheSignal() {
        long e = create(EVT_NOTIFY_WAIT, Tpl.NOTIFY, 0x100);
        assertThat(ev.checkEvent(e)).isEqualTo(EfiStatus.NOT_READY);
        assertThat(calls).hasSize(1);
        guest = r -> ev.signalEvent(r.event());
        assertThat(ev.checkEvent(e)).isEqualTo(EfiStatus.SUCCESS);
        assertThat(calls).hasSize(2);
        guest = r -> { };
        assertThat(ev.checkEvent(e)).isEqualTo(EfiStatus.NOT_READY);
    }

    @Test
    void waitForEventAboveApplicationTplIsUnsupported() {
        long e = create(0, 0, 0);
        ev.raiseTpl(Tpl.CALLBACK);
        assertThat(ev.waitForEvent(new long[] {e}).status()).isEqualTo(EfiStatus.UNSUPPORTED);
    }

    @Test
    void waitForEventReturnsTheIndexOfTheSignalledEvent() {
        long a = create(0, 0, 0);
        long b = create(0, 0, 0);
        ev.signalEvent(b);
        WaitResult r = ev.waitForEvent(new long[] {a, b});
        assertThat(r.status()).isEqualTo(EfiStatus.SUCCESS);
        assertThat(r.index()).isEqualTo(1);
        long sig = create(EVT_NOTIFY_SIGNAL, Tpl.CALLBACK, 0x100);
        assertThat(ev.waitForEvent(new long[] {a, sig})).extracting(WaitResult::status, WaitResult::index)
                .containsExactly(EfiStatus.INVALID_PARAMETER, 1L);
    }

    @Test
    void waitForEventBlocksUntilTheRelativeTimerDeadline() {
        long t = create(EVT_TIMER, 0, 0);
        now = 1_000;
        ev.setTimer(t, TimerDelay.TimerRelative, 500);
        WaitResult r = ev.waitForEvent(new long[] {t});
        assertThat(r.blocked()).isTrue();
        assertThat(r.nextDeadline()).hasValue(1_500);
        now = 1_500;
        assertThat(ev.waitForEvent(new long[] {t}).status()).isEqualTo(EfiStatus.SUCCESS);
        assertThat(ev.nextTimerDeadline()).isEmpty();
    }

    @Test
    void periodicTimerFiresEveryPeriodAndZeroUsesTheTickPeriod() {
        long t = create(EVT_TIMER | EVT_NOTIFY_SIGNAL, Tpl.CALLBACK, 0x100);
        ev.setTimer(t, TimerDelay.TimerPeriodic, 0);
        assertThat(ev.nextTimerDeadline()).hasValue(100_000);
        now = 100_000;
        ev.checkTimers();
        now = 200_000;
        ev.checkTimers();
        assertThat(calls).hasSize(2);
        assertThat(ev.setTimer(t, TimerDelay.TimerCancel, 0)).isEqualTo(EfiStatus.SUCCESS);
        now = 300_000;
        ev.checkTimers();
        assertThat(calls).hasSize(2);
    }

    @Test
    void aPeriodicTimerShorterThanTheTimeSinceItsTriggerFiresOnceAndNextOnePeriodAfterNow() {
        // EDK2 CoreCheckTimers: re-armed to now, taken again in the same pass (already signalled), then now + period
        long t = create(EVT_TIMER | EVT_NOTIFY_SIGNAL, Tpl.CALLBACK, 0x100);
        ev.setTimer(t, TimerDelay.TimerPeriodic, 10_000);
        now = 100_000;
        ev.checkTimers();
        ev.checkTimers();
        assertThat(calls).hasSize(1);
        assertThat(ev.nextTimerDeadline()).hasValue(110_000);
    }

    @Test
    void setTimerOnANonTimerEventIsInvalidParameter() {
        long e = create(EVT_NOTIFY_SIGNAL, Tpl.CALLBACK, 0x100);
        assertThat(ev.setTimer(e, TimerDelay.TimerRelative, 1)).isEqualTo(EfiStatus.INVALID_PARAMETER);
        assertThat(ev.setTimer(create(EVT_TIMER, 0, 0), null, 1)).isEqualTo(EfiStatus.INVALID_PARAMETER);
    }

    @Test
    void closeEventForgetsTheHandleAndItsPendingNotification() {
        long e = create(EVT_NOTIFY_SIGNAL, Tpl.CALLBACK, 0x100);
        ev.raiseTpl(Tpl.NOTIFY);
        ev.signalEvent(e);
        assertThat(ev.closeEvent(e)).isEqualTo(EfiStatus.SUCCESS);
        ev.restoreTpl(Tpl.APPLICATION);
        assertThat(calls).isEmpty();
        assertThat(closed).containsExactly(e);
        assertThat(ev.signalEvent(e)).isEqualTo(EfiStatus.INVALID_PARAMETER);
        assertThat(ev.closeEvent(e)).isEqualTo(EfiStatus.INVALID_PARAMETER);
    }

    @Test
    void notifyFunctionSignallingAnotherEventIsDispatchedInTheSameRestore() {
        long second = create(EVT_NOTIFY_SIGNAL, Tpl.CALLBACK, 0x200);
        long first = create(EVT_NOTIFY_SIGNAL, Tpl.NOTIFY, 0x100);
        guest = r -> {
            if (r.event() == first) {
                ev.signalEvent(second);
            }
        };
        ev.signalEvent(first);
        assertThat(calls).extracting(NotifyRequest::event).containsExactly(first, second);
        assertThat(ev.currentTpl()).isEqualTo(Tpl.APPLICATION);
    }

    /** A tick taken at the release's first STI: the clock moves one period, as the CPU taking a pending tick. */
    private java.util.function.BooleanSupplier tickAtFirstSti() {
        boolean[] once = {false};
        return () -> {
            if (once[0]) {
                return false;
            }
            once[0] = true;
            now += 100_000;
            return true;
        };
    }

    @Test
    void aTickTakenInSignalEventsLockReleaseQueuesTheTimersNotificationBehindTheSignalledEvents() {
        long timer = create(EVT_TIMER | EVT_NOTIFY_SIGNAL, Tpl.CALLBACK, 0x200);
        long event = create(EVT_NOTIFY_SIGNAL, Tpl.CALLBACK, 0x100);
        long counter = create(EVT_TIMER | EVT_NOTIFY_SIGNAL, Tpl.NOTIFY, 0x300);
        ev.setTimer(timer, TimerDelay.TimerPeriodic, 0);
        ev.setTimer(counter, TimerDelay.TimerPeriodic, 0);
        assertThat(ev.signalEvent(event, tickAtFirstSti())).isEqualTo(EfiStatus.SUCCESS);
        // CoreRestoreTpl: STI before TPL_CALLBACK is dispatched; the tick's timer check runs the TPL_NOTIFY counter
        // first, then TPL_CALLBACK in queue order: the signalled event, then the timer
        assertThat(calls).extracting(NotifyRequest::function).containsExactly(0x300L, 0x100L, 0x200L);
        assertThat(ev.currentTpl()).isEqualTo(Tpl.APPLICATION);
    }

    @Test
    void aTickTakenInCheckEventsReleaseRunsTheWaitFunctionFirstAndItsSignalIsSeenByTheSameCall() {
        long wait = create(EVT_NOTIFY_WAIT, Tpl.CALLBACK, 0x100);
        long timer = create(EVT_TIMER | EVT_NOTIFY_SIGNAL, Tpl.CALLBACK, 0x200);
        ev.setTimer(timer, TimerDelay.TimerPeriodic, 0);
        guest = r -> {
            if (r.function() == 0x200) {
                ev.signalEvent(wait);
            }
        };
        assertThat(ev.checkEvent(wait, tickAtFirstSti())).isEqualTo(EfiStatus.SUCCESS);
        assertThat(calls).extracting(NotifyRequest::function).containsExactly(0x100L, 0x200L);
    }

    @Test
    void withoutATickTheReleaseDispatchesAsBefore() {
        long event = create(EVT_NOTIFY_SIGNAL, Tpl.CALLBACK, 0x100);
        long timer = create(EVT_TIMER | EVT_NOTIFY_SIGNAL, Tpl.CALLBACK, 0x200);
        ev.setTimer(timer, TimerDelay.TimerPeriodic, 0);
        assertThat(ev.signalEvent(event, () -> false)).isEqualTo(EfiStatus.SUCCESS);
        assertThat(calls).extracting(NotifyRequest::function).containsExactly(0x100L);
    }
}
