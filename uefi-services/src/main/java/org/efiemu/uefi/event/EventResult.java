package org.efiemu.uefi.event;

import org.efiemu.uefi.spec.EfiStatus;

/** A status plus the event handle {@code CreateEvent()}/{@code CreateEventEx()} writes back (0 on error). */
public record EventResult(EfiStatus status, long event) {
    @Override
    public String toString() {
        return status + (status.isError() ? "" : String.format(" -> 0x%X", event));
    }
}
