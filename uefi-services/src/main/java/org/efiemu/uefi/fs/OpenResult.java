package org.efiemu.uefi.fs;

import org.efiemu.uefi.spec.EfiStatus;

/** Result of {@code Open()}/{@code OpenVolume()}: the new handle on success, else null. */
public record OpenResult(EfiStatus status, FileHandle handle) {
}
