package org.efiemu.uefi.fs;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.efiemu.uefi.disk.DiskImage;

/**
 * The BIOS Parameter Block checks EDK2's FAT driver makes before it mounts a volume ({@code FatOpenDevice}): 0xAA55 at
 * bytes 510-511, BytesPerSector a power of two 512..4096, SectorsPerCluster a power of two, ReservedSectors and NumFATs
 * not 0, a Media byte 0xF0 or 0xF8..0xFF, and the volume not larger than its partition.
 */
public final class FatBoot {
    private FatBoot() {
    }

    /** Why bytes {@code offset..} of {@code disk} are not a FAT volume, or null when the BPB looks right. */
    public static String problem(DiskImage disk, long offset, long length) {
        if (length < DiskImage.BLOCK_SIZE) {
            return "smaller than one block";
        }
        ByteBuffer b = ByteBuffer.wrap(disk.read(offset, DiskImage.BLOCK_SIZE)).order(ByteOrder.LITTLE_ENDIAN);
        if ((b.getShort(510) & 0xFFFF) != 0xAA55) {
            return "no boot sector signature 0xAA55 at bytes 510-511";
        }
        int bytesPerSector = b.getShort(11) & 0xFFFF;
        int sectorsPerCluster = b.get(13) & 0xFF;
        int reserved = b.getShort(14) & 0xFFFF;
        int fats = b.get(16) & 0xFF;
        int media = b.get(21) & 0xFF;
        if (bytesPerSector < 512 || bytesPerSector > 4096 || Integer.bitCount(bytesPerSector) != 1) {
            return "BytesPerSector " + bytesPerSector + " is not a power of two in 512..4096";
        }
        if (sectorsPerCluster == 0 || Integer.bitCount(sectorsPerCluster) != 1) {
            return "SectorsPerCluster " + sectorsPerCluster + " is not a power of two";
        }
        if (reserved == 0 || fats == 0) {
            return "ReservedSectors " + reserved + " / NumFATs " + fats + " must not be 0";
        }
        if (media != 0xF0 && media < 0xF8) {
            return String.format("Media 0x%02X is not 0xF0 or 0xF8..0xFF", media);
        }
        long sectors = b.getShort(19) & 0xFFFF;
        if (sectors == 0) {
            sectors = Integer.toUnsignedLong(b.getInt(32));
        }
        if (sectors * bytesPerSector > length) {
            return "its " + sectors + " sectors are more than the " + length + " bytes it lies in (a truncated image?)";
        }
        return null;
    }
}
