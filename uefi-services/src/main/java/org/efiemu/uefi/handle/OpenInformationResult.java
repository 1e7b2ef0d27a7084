package org.efiemu.uefi.handle;

import java.util.List;
import org.efiemu.uefi.spec.EfiStatus;

/** Result of {@code OpenProtocolInformation()} (UEFI 2.10 §7.3.11): the status and the entries to return. */
public record OpenInformationResult(EfiStatus status, List<OpenProtocolEntry> entries) {
    public OpenInformationResult {
        entries = List.copyOf(entries);
    }
}
