package org.efiemu.uefi.handle;

import org.efiemu.uefi.spec.EfiStatus;

/**
 * A status plus the interface pointer a service writes to its {@code Interface} OUT parameter.
 *
 * @param interfaceWritten false when the service leaves {@code *Interface} untouched (e.g. OpenProtocol with
 *                         {@code EFI_OPEN_PROTOCOL_TEST_PROTOCOL}); otherwise {@code interfacePointer} is written,
 *                         and it is 0 (NULL) on errors, as EDK2's {@code CoreOpenProtocol()} does
 */
public record InterfaceResult(EfiStatus status, long interfacePointer, boolean interfaceWritten) {
    @Override
    public String toString() {
        return status + (interfaceWritten ? String.format(" -> 0x%X", interfacePointer) : "");
    }
}
