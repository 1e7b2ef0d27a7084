package org.efiemu.uefi.protocol;

import java.util.function.LongUnaryOperator;
import org.efiemu.core.memory.GuestMemory;
import org.efiemu.uefi.disk.Partition;
import org.efiemu.uefi.disk.PartitionTable;

/**
 * {@code EFI_PARTITION_INFO_PROTOCOL} (UEFI 2.10 §13.18): data only, packed — Revision 0x1000, Type (1 MBR, 2 GPT),
 * System (1 for an EFI System Partition), 7 reserved bytes, then the partition's MBR record (16 bytes) or GPT entry
 * (128 bytes) in a 128-byte union: 144 bytes in EfiBootServicesData pool, as EDK2's PartitionDxe installs it on each
 * partition handle.
 */
public final class PartitionInfo {
    public static final int REVISION = 0x00001000;
    public static final int TYPE_MBR = 1;
    public static final int TYPE_GPT = 2;
    public static final int SIZE = 144;

    private PartitionInfo() {
    }

    /** The structure's bytes for {@code p}. */
    public static byte[] bytes(Partition p) {
        byte[] out = new byte[SIZE];
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(out).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, REVISION);
        b.putInt(4, p.scheme() == PartitionTable.Scheme.GPT ? TYPE_GPT : TYPE_MBR);
        out[8] = (byte) (p.isEfiSystemPartition() ? 1 : 0);
        byte[] entry = p.entry();
        System.arraycopy(entry, 0, out, 16, Math.min(entry.length, 128));
        return out;
    }

    /** Writes the structure for {@code p} into pool; returns its address. */
    public static long install(GuestMemory memory, LongUnaryOperator pool, Partition p) {
        long at = pool.applyAsLong(SIZE);
        memory.write(at, bytes(p));
        return at;
    }
}
