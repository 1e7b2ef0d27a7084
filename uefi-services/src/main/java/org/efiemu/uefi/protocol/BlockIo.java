package org.efiemu.uefi.protocol;

import static org.efiemu.uefi.boot.ServiceCall.hex;
import static org.efiemu.uefi.boot.ServiceCall.ptr;

import java.util.function.LongUnaryOperator;
import org.efiemu.core.memory.GuestMemory;
import org.efiemu.uefi.boot.ServiceCall;
import org.efiemu.uefi.boot.ServiceDispatcher;
import org.efiemu.uefi.disk.BlockMedia;
import org.efiemu.uefi.spec.EfiStatus;

/**
 * {@code EFI_BLOCK_IO_PROTOCOL} (UEFI 2.10 §13.9) for every disk and partition of a machine: one set of function stubs
 * ({@code BlockIo.Reset}, {@code ReadBlocks}, {@code WriteBlocks}, {@code FlushBlocks}); {@code This} selects the
 * {@link BlockMedia}. Each instance is a 48-byte protocol followed by its 48-byte {@code EFI_BLOCK_IO_MEDIA} in
 * EfiBootServicesData pool, as EDK2's drivers keep them in their private data. Revision 2 (0x20001) with
 * LowestAlignedLba 0; a disk reports LogicalBlocksPerPhysicalBlock 1, a partition 0 — what OVMF's AHCI disk and its
 * partitions report (measured with the disk-probe payload on QEMU q35 + Debian's OVMF 2022.11).
 */
public final class BlockIo {
    public static final long REVISION2 = 0x00020001L;
    /** Protocol (Revision, Media, four functions) plus the media structure. */
    static final int SIZE = 48 + 48;

    private final GuestMemory memory;
    private final LongUnaryOperator pool;
    private final long reset;
    private final long readBlocks;
    private final long writeBlocks;
    private final long flushBlocks;
    private final BlockInstances devices = new BlockInstances("EFI_BLOCK_IO_PROTOCOL");

    public BlockIo(GuestMemory memory, ServiceDispatcher dispatcher, LongUnaryOperator pool) {
        this.memory = memory;
        this.pool = pool;
        reset = dispatcher.registerBootTime("BlockIo.Reset", 2, devices::reset);
        readBlocks = dispatcher.registerBootTime("BlockIo.ReadBlocks", 5, c -> transfer(c, false));
        writeBlocks = dispatcher.registerBootTime("BlockIo.WriteBlocks", 5, c -> transfer(c, true));
        flushBlocks = dispatcher.registerBootTime("BlockIo.FlushBlocks", 1, this::flush);
    }

    /** Builds an instance for {@code media}; returns the protocol's address. */
    public long install(BlockMedia media) {
        long at = pool.applyAsLong(SIZE);
        long m = at + 48;
        memory.putU64(at, REVISION2);
        memory.putU64(at + 8, m);
        memory.putU64(at + 16, reset);
        memory.putU64(at + 24, readBlocks);
        memory.putU64(at + 32, writeBlocks);
        memory.putU64(at + 40, flushBlocks);
        memory.write(m, new byte[48]);
        memory.putU32(m, BlockMedia.MEDIA_ID);
        memory.putU8(m + 4, 0);                          // RemovableMedia
        memory.putU8(m + 5, 1);                          // MediaPresent
        memory.putU8(m + 6, media.logicalPartition() ? 1 : 0);
        memory.putU8(m + 7, media.readOnly() ? 1 : 0);
        memory.putU8(m + 8, 0);                          // WriteCaching
        memory.putU32(m + 12, media.blockSize());
        memory.putU32(m + 16, media.ioAlign());
        memory.putU64(m + 24, media.lastBlock());
        memory.putU64(m + 32, 0);                        // LowestAlignedLba
        memory.putU32(m + 40, media.logicalPartition() ? 0 : 1); // LogicalBlocksPerPhysicalBlock
        memory.putU32(m + 44, 0);                        // OptimalTransferLengthGranularity
        devices.add(at, media);
        return at;
    }

    /** {@code FlushBlocks(This)}: writes are in the overlay at once. */
    private EfiStatus flush(ServiceCall c) {
        c.arguments(hex(c.arg(0)));
        return devices.device(c) == null ? EfiStatus.INVALID_PARAMETER : EfiStatus.SUCCESS;
    }

    /** {@code ReadBlocks/WriteBlocks(This, MediaId, Lba, BufferSize, Buffer)}. */
    private EfiStatus transfer(ServiceCall c, boolean write) {
        long mediaId = c.arg(1) & 0xFFFF_FFFFL;
        long lba = c.arg(2);
        long size = c.arg(3);
        long buffer = c.arg(4);
        c.arguments(hex(c.arg(0)), mediaId, "Lba=" + hex(lba), Long.toUnsignedString(size), ptr(buffer));
        BlockMedia d = devices.device(c);
        if (d == null) {
            return EfiStatus.INVALID_PARAMETER;
        }
        EfiStatus refused = d.checkBlocks(mediaId, lba, size, buffer, write);
        if (refused != null) {
            return refused;
        }
        return BlockInstances.move(memory, c, d, lba, size, buffer, write);
    }
}
