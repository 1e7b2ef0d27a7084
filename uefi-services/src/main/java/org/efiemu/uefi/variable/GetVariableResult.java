package org.efiemu.uefi.variable;

import org.efiemu.uefi.spec.EfiStatus;

/**
 * Result of {@code GetVariable()} (UEFI 2.10 §8.2.1).
 *
 * @param attributes written to {@code *Attributes} on success and on {@code EFI_BUFFER_TOO_SMALL}
 * @param dataSize   written to {@code *DataSize} on success and on {@code EFI_BUFFER_TOO_SMALL}
 * @param data       the data to copy into the caller's buffer (success only; empty otherwise)
 */
public record GetVariableResult(EfiStatus status, int attributes, long dataSize, byte[] data) {
    public GetVariableResult {
        data = data.clone();
    }

    @Override
    public byte[] data() {
        return data.clone();
    }

    static GetVariableResult of(EfiStatus status) {
        return new GetVariableResult(status, 0, 0, new byte[0]);
    }
}
