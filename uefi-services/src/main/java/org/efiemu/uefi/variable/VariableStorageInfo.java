package org.efiemu.uefi.variable;

import org.efiemu.uefi.spec.EfiStatus;

/** Result of {@code QueryVariableInfo()} (UEFI 2.10 §8.2.4); the sizes are valid on success only. */
public record VariableStorageInfo(EfiStatus status, long maximumVariableStorageSize,
        long remainingVariableStorageSize, long maximumVariableSize) {
}
