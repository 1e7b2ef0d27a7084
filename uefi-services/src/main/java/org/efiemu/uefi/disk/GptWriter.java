package org.efiemu.uefi.disk;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import org.efiemu.uefi.spec.Guid;

/**
 * Writes a GUID Partition Table with one partition (UEFI 2.10 §5.3): a protective MBR (one 0xEE entry from LBA 1),
 * the primary header at LBA 1 with 128 entries of 128 bytes at LBA 2, and the backup entries and header at the end
 * of the disk, CRCs filled in — the layout sgdisk writes. Pure.
 */
public final class GptWriter {
    private static final int ENTRIES = 128;
    private static final int ENTRY_SIZE = 128;
    private static final int ENTRY_BLOCKS = ENTRIES * ENTRY_SIZE / DiskImage.BLOCK_SIZE;

    private GptWriter() {
    }

    /** First LBA after the primary table (34): where partitions may start. */
    public static long firstUsable() {
        return 2 + ENTRY_BLOCKS;
    }

    /** Blocks a disk needs after a partition ending at {@code endLba} for the backup table (33). */
    public static long trailer() {
        return ENTRY_BLOCKS + 1L;
    }

    /**
     * Writes the table for one partition {@code startLba..startLba+blocks-1} of type {@code type} named {@code name}
     * onto {@code disk}.
     */
    public static void writeSinglePartition(DiskImage disk, Guid diskGuid, Guid type, Guid unique, String name,
            long startLba, long blocks) {
        long last = disk.lastBlock();
        long lastUsable = last - trailer();
        if (startLba < firstUsable() || startLba + blocks - 1 > lastUsable) {
            throw new IllegalArgumentException(String.format("GPT on %s: partition 0x%X+0x%X is outside the usable LBAs "
                    + "0x%X..0x%X", disk.name(), startLba, blocks, firstUsable(), lastUsable));
        }
        byte[] mbr = new byte[DiskImage.BLOCK_SIZE];
        ByteBuffer m = ByteBuffer.wrap(mbr).order(ByteOrder.LITTLE_ENDIAN);
        mbr[446 + 1] = 0x00;
        mbr[446 + 2] = 0x02;
        mbr[446 + 4] = (byte) 0xEE;
        mbr[446 + 5] = (byte) 0xFF;
        mbr[446 + 6] = (byte) 0xFF;
        mbr[446 + 7] = (byte) 0xFF;
        m.putInt(446 + 8, 1);
        m.putInt(446 + 12, (int) Math.min(last, 0xFFFF_FFFFL));
        m.putShort(510, (short) 0xAA55);
        disk.write(0, mbr);

        byte[] entries = new byte[ENTRIES * ENTRY_SIZE];
        System.arraycopy(entry(type, unique, name, startLba, blocks), 0, entries, 0, ENTRY_SIZE);
        CRC32 crc = new CRC32();
        crc.update(entries);
        int entriesCrc = (int) crc.getValue();
        long backupEntries = last - ENTRY_BLOCKS;
        disk.write(2L * DiskImage.BLOCK_SIZE, entries);
        disk.write(backupEntries * DiskImage.BLOCK_SIZE, entries);
        disk.write(DiskImage.BLOCK_SIZE, header(1, last, lastUsable, 2, diskGuid, entriesCrc));
        disk.write(last * DiskImage.BLOCK_SIZE, header(last, 1, lastUsable, backupEntries, diskGuid, entriesCrc));
    }

    /** One 128-byte EFI_PARTITION_ENTRY. */
    public static byte[] entry(Guid type, Guid unique, String name, long startLba, long blocks) {
        byte[] entry = new byte[ENTRY_SIZE];
        ByteBuffer e = ByteBuffer.wrap(entry).order(ByteOrder.LITTLE_ENDIAN);
        type.writeTo(entry, 0);
        unique.writeTo(entry, 16);
        e.putLong(32, startLba);
        e.putLong(40, startLba + blocks - 1);
        byte[] n = name.getBytes(StandardCharsets.UTF_16LE);
        System.arraycopy(n, 0, entry, 56, Math.min(n.length, 70));
        return entry;
    }

    private static byte[] header(long my, long alternate, long lastUsable, long entryLba, Guid diskGuid, int entriesCrc) {
        byte[] h = new byte[DiskImage.BLOCK_SIZE];
        ByteBuffer b = ByteBuffer.wrap(h).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(0, PartitionScanner.GPT_SIGNATURE);
        b.putInt(8, 0x00010000);
        b.putInt(12, 92);
        b.putLong(24, my);
        b.putLong(32, alternate);
        b.putLong(40, firstUsable());
        b.putLong(48, lastUsable);
        diskGuid.writeTo(h, 56);
        b.putLong(72, entryLba);
        b.putInt(80, ENTRIES);
        b.putInt(84, ENTRY_SIZE);
        b.putInt(88, entriesCrc);
        b.putInt(16, PartitionScanner.headerCrc(h, 92));
        return h;
    }
}
