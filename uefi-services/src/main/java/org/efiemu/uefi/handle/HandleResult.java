package org.efiemu.uefi.handle;

import org.efiemu.uefi.spec.EfiStatus;

/** A status plus the handle a service writes back (0 when it writes none). */
public record HandleResult(EfiStatus status, long handle) {
    @Override
    public String toString() {
        return status + (status.isError() ? "" : String.format(" -> 0x%X", handle));
    }
}
