package org.efiemu.uefi.boot;

import org.efiemu.uefi.spec.EfiStatus;

/**
 * An ABI adapter for one service: reads and validates the arguments of {@code call}, performs the typed operation,
 * writes the OUT parameters and returns the status. Returns null for VOID services (CopyMem, SetMem). May throw
 * {@link org.efiemu.uefi.spec.EfiException}: its status is returned to the guest.
 */
@FunctionalInterface
public interface ServiceHandler {
    EfiStatus handle(ServiceCall call);
}
