package org.efiemu.uefi.event;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class EventServicePropertiesTest {

    @Provide
    Arbitrary<List<Integer>> tpls() {
        return Arbitraries.of(Tpl.CALLBACK, Tpl.NOTIFY, 12, 20, 30).list().ofMinSize(1).ofMaxSize(20);
    }

    @Property
    void notificationsPendingAtRestoreRunHighestTplFirstAndFifoWithinATpl(@ForAll("tpls") List<Integer> tpls) {
        long[] next = {0x10};
        List<NotifyRequest> calls = new ArrayList<>();
        EventService ev = new EventService(() -> next[0] += 8, () -> 0, calls::add, 100_000, e -> { });
        List<Long> events = new ArrayList<>();
        for (int tpl : tpls) {
            events.add(ev.createEvent(EventTypes.EVT_NOTIFY_SIGNAL, tpl, 0x1000 + tpl, 0).event());
        }
        int old = ev.raiseTpl(Tpl.HIGH_LEVEL);
        events.forEach(ev::signalEvent);
        assertThat(calls).isEmpty();
        ev.restoreTpl(old);
        assertThat(calls).hasSize(tpls.size());
        for (int i = 1; i < calls.size(); i++) {
            NotifyRequest a = calls.get(i - 1);
            NotifyRequest b = calls.get(i);
            assertThat(a.tpl()).isGreaterThanOrEqualTo(b.tpl());
            if (a.tpl() == b.tpl()) {
                assertThat(events.indexOf(a.event())).isLessThan(events.indexOf(b.event()));
            }
        }
        assertThat(ev.currentTpl()).isEqualTo(Tpl.APPLICATION);
    }
}
