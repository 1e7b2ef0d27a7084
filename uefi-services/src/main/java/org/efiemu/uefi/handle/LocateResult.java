package org.efiemu.uefi.handle;

import java.util.List;
import org.efiemu.uefi.spec.EfiStatus;

/**
 * Result of {@code LocateHandle()} (UEFI 2.10 §7.3.7).
 *
 * @param handles      the handles written into the caller's buffer (those that fit), in database order
 * @param requiredSize the byte size written back to {@code *BufferSize}: 8 per matching handle (also on
 *                     {@code EFI_BUFFER_TOO_SMALL}); the caller's value is left alone on other errors
 */
public record LocateResult(EfiStatus status, List<Long> handles, long requiredSize) {
    public LocateResult {
        handles = List.copyOf(handles);
    }
}
