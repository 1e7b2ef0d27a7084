package org.efiemu.uefi.trace;

/** Receives each service call as soon as it returned (runs on the emulation thread). */
@FunctionalInterface
public interface TraceListener {
    void onCall(ServiceCallEvent event);
}
