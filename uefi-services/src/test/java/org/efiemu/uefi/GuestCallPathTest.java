package org.efiemu.uefi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.efiemu.core.gate.CallGate;
import org.efiemu.uefi.boot.ServiceCall;
import org.efiemu.uefi.boot.ServiceInterceptor;
import org.efiemu.uefi.spec.EfiStatus;
import org.efiemu.uefi.trace.ServiceCallEvent;
import org.junit.jupiter.api.Test;

/**
 * Services bound as possibly calling the guest run on a continuation thread only when their call may really run
 * guest code (ServiceBindings' predicates over the event model); otherwise inline on the emulation thread. Either way
 * the guest sees the same results, and notification functions still run (UEFI 2.10 §7.1).
 */
class GuestCallPathTest {
    /** One service call as the "*" interceptor saw it: its name and whether it ran on the emulation thread. */
    private record Seen(String service, boolean inline) {}

    private record Run(BootResult result, List<Seen> seen, CallGate.Stats stats) {
        List<Boolean> paths(String service) {
            return seen.stream().filter(s -> s.service().equals(service)).map(Seen::inline).toList();
        }

        List<String> summaries(String service) {
            return result.trace().stream().filter(e -> e.service().equals(service)).map(ServiceCallEvent::summary)
                    .toList();
        }
    }

    private static Run run(String payload, String options) {
        Thread emulation = Thread.currentThread();
        List<Seen> seen = new ArrayList<>();
        try (UefiMachine m = UefiMachine.builder(TestPlatforms.ovmfQ35()).payload(TestPlatforms.payload(payload))
                .loadOptions(options).build()) {
            m.services().intercept("*", new ServiceInterceptor() {
                @Override
                public void after(ServiceCall call, EfiStatus status) {
                    seen.add(new Seen(call.service(), Thread.currentThread() == emulation));
                }
            });
            BootResult r = m.run();
            return new Run(r, seen, m.machine().gate().stats());
        }
    }

    @Test
    void stallAndExitBootServicesRunInlineWhenNoEventHasANotifyFunction() {
        Run run = run("services", "ebs");
        assertThat(run.result().outcome()).isEqualTo(BootOutcome.RETURNED);
        assertThat(run.result().violations()).isEmpty();
        assertThat(run.paths("Stall")).isNotEmpty().containsOnly(true);
        assertThat(run.paths("ExitBootServices")).containsExactly(true, true);
        assertThat(run.summaries("ExitBootServices")).last().asString().contains("= EFI_SUCCESS");
        assertThat(run.stats().continuationCalls()).isZero();
        assertThat(run.stats().workers()).isZero();
    }

    @Test
    void notifyFunctionsStillRunOnAContinuationOnceEventsHaveThem() {
        Run run = run("svc-events", "");
        assertThat(run.result().outcome()).isEqualTo(BootOutcome.RETURNED);
        assertThat(run.result().violations()).isEmpty();
        // every call whose trace shows a notification function ran did so off the emulation thread
        List<ServiceCallEvent> boot = run.result().trace();
        List<Seen> seen = run.seen();
        assertThat(seen).hasSameSizeAs(boot);
        int notified = 0;
        for (int i = 0; i < boot.size(); i++) {
            assertThat(seen.get(i).service()).isEqualTo(boot.get(i).service());
            if (boot.get(i).summary().contains("-> notify 0x") || boot.get(i).summary().contains(", notify 0x")) {
                notified++;
                assertThat(seen.get(i).inline()).as(boot.get(i).summary()).isFalse();
            }
        }
        assertThat(notified).isGreaterThanOrEqualTo(3);
        // both ExitBootServices calls (stale key, then success) run the groups' notify functions on a worker
        assertThat(run.paths("ExitBootServices")).containsExactly(false, false);
        assertThat(run.stats().continuationCalls()).isPositive();
        assertThat(run.stats().workers()).isBetween(1, 4);
    }

    @Test
    void timerServicesRunInlineWhileNoNotifyEventIsOpenAndOnAContinuationOnceOneIs() {
        // svc-events: a plain timer (SetTimer, CheckEvent, Stall) after every notify event was closed, then a
        // periodic timer with a notification function (Stall fires it)
        Run run = run("svc-events", "");
        List<ServiceCallEvent> trace = run.result().trace();
        int plain = indexOf(trace, 0, "SetTimer");
        int periodic = indexOf(trace, plain, "CreateEvent");
        assertThat(trace.get(periodic).summary()).contains("EVT_TIMER|EVT_NOTIFY_SIGNAL");
        List<Seen> plainTimer = run.seen().subList(plain, periodic);
        assertThat(plainTimer).extracting(Seen::service).contains("SetTimer", "CheckEvent", "Stall");
        assertThat(plainTimer).allMatch(Seen::inline);
        int firstStall = indexOf(trace, periodic, "Stall");
        assertThat(trace.get(firstStall).summary()).contains("notify 0x");
        assertThat(run.seen().get(firstStall).inline()).isFalse();
    }

    private static int indexOf(List<ServiceCallEvent> trace, int from, String service) {
        for (int i = from; i < trace.size(); i++) {
            if (trace.get(i).service().equals(service)) {
                return i;
            }
        }
        throw new AssertionError(service + " not called after trace event " + from);
    }
}
