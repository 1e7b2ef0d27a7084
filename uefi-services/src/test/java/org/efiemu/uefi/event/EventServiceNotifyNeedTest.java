package org.efiemu.uefi.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.efiemu.uefi.event.EventTypes.EVT_NOTIFY_SIGNAL;
import static org.efiemu.uefi.event.EventTypes.EVT_NOTIFY_WAIT;
import static org.efiemu.uefi.event.EventTypes.EVT_SIGNAL_EXIT_BOOT_SERVICES;
import static org.efiemu.uefi.event.EventTypes.EVT_TIMER;

import java.util.ArrayList;
import java.util.List;
import org.efiemu.uefi.spec.Guid;
import org.junit.jupiter.api.Test;

/**
 * {@link EventService#maySignalNotify()}, {@link EventService#mayNotifyOnCheck} and
 * {@link EventService#mayNotifyOnWait()}: the answers that let services skip the guest-calling continuation must be
 * false only when no notification function can be dispatched, and every dispatch must happen while they are true.
 */
class EventServiceNotifyNeedTest {
    private final List<NotifyRequest> dispatched = new ArrayList<>();
    private long nextHandle = 0x1000;
    private long now;
    private EventService service;

    private EventService events() {
        service = new EventService(() -> nextHandle += 0x10, () -> now, r -> {
            assertThat(service.maySignalNotify() || service.mayNotifyOnWait()).as("need while dispatching").isTrue();
            dispatched.add(r);
        }, 100_000, e -> {});
        return service;
    }

    @Test
    void noEventsOrOnlyPlainTimersNeedNoGuest() {
        EventService ev = events();
        assertThat(ev.maySignalNotify()).isFalse();
        long t = ev.createEvent(EVT_TIMER, 0, 0, 0).event();
        ev.setTimer(t, TimerDelay.TimerRelative, 10);
        now = 100;
        ev.checkTimers();
        assertThat(ev.maySignalNotify()).isFalse();
        assertThat(ev.mayNotifyOnCheck(t)).isFalse();
        assertThat(ev.mayNotifyOnWait()).isFalse();
        assertThat(dispatched).isEmpty();
    }

    @Test
    void anOpenNotifySignalEventNeedsTheGuestUntilItIsClosed() {
        EventService ev = events();
        long e = ev.createEvent(EVT_NOTIFY_SIGNAL, Tpl.CALLBACK, 0xBEEF, 0).event();
        assertThat(ev.maySignalNotify()).isTrue();
        ev.signalEvent(e);
        assertThat(dispatched).hasSize(1);
        ev.closeEvent(e);
        assertThat(ev.maySignalNotify()).isFalse();
    }

    @Test
    void exitBootServicesGroupMembersNeedTheGuest() {
        EventService ev = events();
        ev.createEvent(EVT_SIGNAL_EXIT_BOOT_SERVICES, Tpl.NOTIFY, 0xBEEF, 0);
        assertThat(ev.maySignalNotify()).isTrue();
        ev.signalGroup(Guid.EFI_EVENT_GROUP_EXIT_BOOT_SERVICES);
        assertThat(dispatched).hasSize(1);
    }

    @Test
    void aNotificationQueuedWhileTheTplIsRaisedKeepsTheNeedUntilRestoreTplDispatchesIt() {
        EventService ev = events();
        long e = ev.createEvent(EVT_NOTIFY_SIGNAL, Tpl.CALLBACK, 0xBEEF, 0).event();
        int old = ev.raiseTpl(Tpl.NOTIFY);
        ev.signalEvent(e);
        assertThat(dispatched).isEmpty();
        ev.restoreTpl(old);
        assertThat(dispatched).hasSize(1);
    }

    @Test
    void aNotifyWaitEventNeedsTheGuestOnlyForCheckOrWaitOfItWhileUnsignalled() {
        EventService ev = events();
        long w = ev.createEvent(EVT_NOTIFY_WAIT, Tpl.NOTIFY, 0xBEEF, 0).event();
        long plain = ev.createEvent(EVT_TIMER, 0, 0, 0).event();
        assertThat(ev.maySignalNotify()).isFalse();
        assertThat(ev.mayNotifyOnCheck(plain)).isFalse();
        assertThat(ev.mayNotifyOnCheck(w)).isTrue();
        assertThat(ev.mayNotifyOnWait()).isTrue();
        ev.checkEvent(w);
        assertThat(dispatched).hasSize(1);
        ev.closeEvent(w);
        assertThat(ev.mayNotifyOnWait()).isFalse();
        assertThat(ev.mayNotifyOnCheck(w)).isFalse();
    }
}
