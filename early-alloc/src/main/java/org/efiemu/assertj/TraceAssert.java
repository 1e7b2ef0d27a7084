package org.efiemu.assertj;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.assertj.core.api.AbstractAssert;
import org.efiemu.uefi.trace.ServiceCallEvent;

/** Assertions on a service-call trace: which services were called, in which order, and when. */
public final class TraceAssert extends AbstractAssert<TraceAssert, List<ServiceCallEvent>> {
    /**
     * The Runtime Services (UEFI 2.10 §8, Table 8.1): the only firmware services callable after ExitBootServices
     * succeeded (§7.4.6: "all boot services ... are no longer available").
     */
    public static final Set<String> RUNTIME_SERVICES = Set.of("GetTime", "SetTime", "GetWakeupTime", "SetWakeupTime",
            "SetVirtualAddressMap", "ConvertPointer", "GetVariable", "GetNextVariableName", "SetVariable",
            "QueryVariableInfo", "GetNextHighMonotonicCount", "ResetSystem", "UpdateCapsule", "QueryCapsuleCapabilities");

    TraceAssert(List<ServiceCallEvent> actual) {
        super(actual, TraceAssert.class);
    }

    /** The services were called in this order (other calls may come between them). */
    public TraceAssert calledInOrder(String... services) {
        isNotNull();
        int next = 0;
        List<ServiceCallEvent> matched = new ArrayList<>();
        for (ServiceCallEvent e : actual) {
            if (next < services.length && e.service().equals(services[next])) {
                matched.add(e);
                next++;
            }
        }
        if (next < services.length) {
            failWithMessage("%nExpecting the trace to call, in this order:%n  %s%nbut %s was not called after %s.%n"
                    + "Calls in the trace (%d):%n%s", String.join(", ", services), services[next],
                    matched.isEmpty() ? "the start" : "#" + matched.get(matched.size() - 1).sequence() + " "
                            + matched.get(matched.size() - 1).summary(), actual.size(), listing(actual));
        }
        return this;
    }

    /** The service was called at least once. */
    public TraceAssert called(String service) {
        isNotNull();
        if (actual.stream().noneMatch(e -> e.service().equals(service))) {
            failWithMessage("%nExpecting the trace to call%n  %s%nbut it never did. Services called: %s", service,
                    actual.stream().map(ServiceCallEvent::service).distinct().collect(Collectors.joining(", ")));
        }
        return this;
    }

    /** The service was never called. */
    public TraceAssert neverCalled(String service) {
        isNotNull();
        List<ServiceCallEvent> calls = actual.stream().filter(e -> e.service().equals(service)).toList();
        if (!calls.isEmpty()) {
            failWithMessage("%nExpecting the trace never to call%n  %s%nbut it was called %d time(s):%n%s", service,
                    calls.size(), listing(calls));
        }
        return this;
    }

    /**
     * After ExitBootServices succeeded only Runtime Services were called (UEFI 2.10 §7.4.6): no Boot Service, no
     * protocol function (ConOut included).
     */
    public TraceAssert neverCalledAfterExitBootServices() {
        isNotNull();
        List<ServiceCallEvent> bad = actual.stream()
                .filter(e -> e.afterExitBootServices() && !RUNTIME_SERVICES.contains(e.service())).toList();
        if (!bad.isEmpty()) {
            failWithMessage("%nExpecting no Boot Service or protocol call after ExitBootServices succeeded "
                    + "(UEFI 2.10 §7.4.6)%nbut found %d:%n%s", bad.size(), listing(bad));
        }
        return this;
    }

    /** The calls of one service, for further AssertJ assertions. */
    public org.assertj.core.api.ListAssert<ServiceCallEvent> callsOf(String service) {
        isNotNull();
        return new org.assertj.core.api.ListAssert<>(actual.stream().filter(e -> e.service().equals(service)).toList());
    }

    static String listing(List<ServiceCallEvent> events) {
        int limit = 40;
        String lines = events.stream().limit(limit).map(e -> String.format("  #%d %s  [%s, RIP 0x%X%s]", e.sequence(),
                e.summary(), e.caller(), e.callerRip(), e.afterExitBootServices() ? ", after ExitBootServices" : ""))
                .collect(Collectors.joining(System.lineSeparator()));
        return events.size() > limit ? lines + System.lineSeparator() + "  ... " + (events.size() - limit) + " more" : lines;
    }
}
