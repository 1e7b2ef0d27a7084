package org.efiemu.uefi.boot;

import org.efiemu.uefi.spec.EfiStatus;

/**
 * Observes service calls (debuggers, tests). Registered per service name, or for all services with
 * {@code "*"}; see {@link ServiceDispatcher#intercept}. To replace a service use {@link ServiceDispatcher#replace}.
 */
public interface ServiceInterceptor {
    /** Before the service runs; arguments are raw ({@link ServiceCall#arg}) and may be changed ({@link ServiceCall#setArg}). */
    default void before(ServiceCall call) {}

    /** After it returned; {@code status} is null for VOID services; {@link ServiceCall#forceStatus} changes the result. */
    default void after(ServiceCall call, EfiStatus status) {}
}
