package org.efiemu.uefi.fs;

import org.efiemu.uefi.spec.EfiStatus;

/**
 * Result of {@code Read()} or {@code GetInfo()}: the bytes for the caller's buffer and the value written back to
 * {@code *BufferSize} (bytes returned, or the size needed on {@code EFI_BUFFER_TOO_SMALL}).
 */
public record BufferResult(EfiStatus status, byte[] data, long bufferSize) {
    public BufferResult {
        data = data.clone();
    }

    @Override
    public byte[] data() {
        return data.clone();
    }

    static BufferResult of(EfiStatus status) {
        return new BufferResult(status, new byte[0], 0);
    }

    @Override
    public String toString() {
        return status + " (BufferSize " + bufferSize + ")";
    }
}
