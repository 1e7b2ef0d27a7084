package org.efiemu.uefi.event;

/**
 * "Call the guest's {@code EFI_EVENT_NOTIFY NotifyFunction(Event, Context)} at {@code tpl}": what the model asks
 * the ABI layer to do when it dispatches an event's notification.
 */
public record NotifyRequest(long event, long function, long context, int tpl) {
    @Override
    public String toString() {
        return String.format("Notify(Event=0x%X, Function=0x%X, Context=0x%X) at %s", event, function, context,
                Tpl.nameOf(tpl));
    }
}
