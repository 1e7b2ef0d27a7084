package org.efiemu.uefi.fs;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * {@code EFI_FILE_SYSTEM_INFO} (UEFI 2.10 §13.5.17): Size (0), ReadOnly (8), VolumeSize (16), FreeSpace (24),
 * BlockSize (32), then the NUL-terminated UTF-16 VolumeLabel at offset 36.
 */
public record FileSystemInfo(boolean readOnly, long volumeSize, long freeSpace, int blockSize, String volumeLabel) {

    /** {@code SIZE_OF_EFI_FILE_SYSTEM_INFO}: the offset of VolumeLabel. */
    public static final int HEADER_SIZE = 36;

    public int size() {
        return HEADER_SIZE + (volumeLabel.length() + 1) * 2;
    }

    public byte[] toBytes() {
        ByteBuffer b = ByteBuffer.allocate(size()).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(size()).put((byte) (readOnly ? 1 : 0)).put(new byte[7]).putLong(volumeSize).putLong(freeSpace)
                .putInt(blockSize).put((volumeLabel + "\0").getBytes(StandardCharsets.UTF_16LE));
        return b.array();
    }

    /** {@code EFI_FILE_SYSTEM_VOLUME_LABEL}: just the NUL-terminated label. */
    public byte[] volumeLabelBytes() {
        return (volumeLabel + "\0").getBytes(StandardCharsets.UTF_16LE);
    }
}
