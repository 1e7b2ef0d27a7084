package org.efiemu.uefi.variable;

import org.efiemu.uefi.spec.EfiStatus;
import org.efiemu.uefi.spec.Guid;

/**
 * Result of {@code GetNextVariableName()} (UEFI 2.10 §8.2.2).
 *
 * @param nameSize written to {@code *VariableNameSize} on success and on {@code EFI_BUFFER_TOO_SMALL}
 * @param name     the next name (success only, else null)
 * @param vendor   the next vendor GUID (success only, else null)
 */
public record NextVariableNameResult(EfiStatus status, long nameSize, String name, Guid vendor) {
}
