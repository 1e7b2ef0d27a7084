package org.efiemu.uefi.event;

/**
 * Runs a guest notification function. The ABI layer implements it by calling back into the guest; the call is
 * synchronous and may re-enter the {@link EventService} (the guest may signal, close or raise TPL inside it).
 */
@FunctionalInterface
public interface NotifyDispatcher {
    void callNotify(NotifyRequest request);
}
