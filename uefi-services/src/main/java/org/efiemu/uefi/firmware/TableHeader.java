package org.efiemu.uefi.firmware;

import java.util.zip.CRC32;
import org.efiemu.core.memory.GuestMemory;

/**
 * {@code EFI_TABLE_HEADER} (UEFI 2.10 §4.2): Signature (UINT64), Revision, HeaderSize, CRC32, Reserved (UINT32 each).
 * The CRC32 covers HeaderSize bytes from the start of the table, computed with the CRC32 field set to 0 (§4.2, the
 * same CRC as {@code CalculateCrc32}, §7.5.1).
 */
public final class TableHeader {
    public static final int SIZE = 24;
    public static final int OFFSET_CRC32 = 16;

    private TableHeader() {}

    /** Writes the header of a {@code headerSize}-byte table at {@code table} (CRC32 left 0; see {@link #seal}). */
    public static void write(GuestMemory memory, long table, long signature, int revision, int headerSize) {
        memory.putU64(table, signature);
        memory.putU32(table + 8, revision & 0xFFFF_FFFFL);
        memory.putU32(table + 12, headerSize);
        memory.putU32(table + OFFSET_CRC32, 0);
        memory.putU32(table + 20, 0);
    }

    /** Recomputes the table's CRC32 over HeaderSize bytes with the CRC field zero, and stores it. */
    public static long seal(GuestMemory memory, long table) {
        long crc = compute(memory, table);
        memory.putU32(table + OFFSET_CRC32, crc);
        return crc;
    }

    /** The CRC32 the table should carry (HeaderSize bytes from {@code table}, CRC field taken as zero). */
    public static long compute(GuestMemory memory, long table) {
        int size = (int) memory.u32(table + 12);
        byte[] bytes = memory.read(table, size);
        for (int i = 0; i < 4; i++) {
            bytes[OFFSET_CRC32 + i] = 0;
        }
        CRC32 crc = new CRC32();
        crc.update(bytes);
        return crc.getValue();
    }
}
