package org.efiemu.uefi.event;

import org.efiemu.uefi.spec.Guid;

/** EDK2's {@code IEVENT} ({@code MdeModulePkg/Core/Dxe/Event/Event.h}): one event's state inside {@link EventService}. */
final class Event {
    final long handle;
    final int type;
    final int notifyTpl;
    final long function;
    final long context;
    final Guid group;
    int signalCount;
    /** True while on a {@code gEventQueue[NotifyTpl]} list. */
    boolean queued;
    long triggerTime;
    long period;

    Event(long handle, int type, int notifyTpl, long function, long context, Guid group) {
        this.handle = handle;
        this.type = type;
        this.notifyTpl = notifyTpl;
        this.function = function;
        this.context = context;
        this.group = group;
    }
}
