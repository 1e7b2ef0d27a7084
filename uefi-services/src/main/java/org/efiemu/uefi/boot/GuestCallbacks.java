package org.efiemu.uefi.boot;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.Supplier;
import org.efiemu.uefi.event.NotifyDispatcher;
import org.efiemu.uefi.event.NotifyRequest;
import org.efiemu.uefi.firmware.FirmwareState;

/**
 * Runs guest notification functions ({@code EFI_EVENT_NOTIFY NotifyFunction(Event, Context)}, UEFI 2.10 §7.1.1) for
 * the event model: the adapter of a service that may dispatch notifications runs its model call inside
 * {@link #within}, and a notification the model dispatches meanwhile is called in the guest through that service's
 * {@link org.efiemu.core.gate.CallContext#callGuest} (the service is bound with {@code bootCallingGuest}). Calls
 * nest: a notify function may itself call SignalEvent. A notification that becomes due outside such a service (a
 * binding mistake) is recorded as a violation instead of being dropped silently.
 */
public final class GuestCallbacks implements NotifyDispatcher {
    private final Deque<ServiceCall> calls = new ArrayDeque<>();
    private final FirmwareState state;
    private long dispatched;

    public GuestCallbacks(FirmwareState state) {
        this.state = state;
    }

    /** Runs {@code action} with {@code call} as the service through which notifications reach the guest. */
    public <T> T within(ServiceCall call, Supplier<T> action) {
        calls.push(call);
        try {
            return action.get();
        } finally {
            calls.pop();
        }
    }

    /** As {@link #within(ServiceCall, Supplier)} for actions without a result. */
    public void run(ServiceCall call, Runnable action) {
        within(call, () -> {
            action.run();
            return null;
        });
    }

    @Override
    public void callNotify(NotifyRequest request) {
        ServiceCall call = calls.peek();
        if (call == null) {
            state.violation("notify-without-guest-context", request + " became due outside a service that can call the "
                    + "guest; it was not run", 0);
            return;
        }
        call.output("notify " + ServiceCall.hex(request.function()) + "(" + ServiceCall.hex(request.event()) + ", "
                + ServiceCall.ptr(request.context()) + ")");
        try {
            call.context().callGuest(request.function(), request.event(), request.context());
            dispatched++;
        } catch (IllegalStateException e) {
            // reached from a firmware stub running on the emulation thread (not the service's continuation)
            state.violation("notify-without-guest-context", request + " became due inside " + call.service()
                    + " where the guest cannot be called; it was not run (" + e.getMessage() + ")", call.callerRip());
        }
    }

    /** Notification functions run so far. */
    public long dispatched() {
        return dispatched;
    }
}
