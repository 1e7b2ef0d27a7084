package org.efiemu.uefi.protocol;

import static org.efiemu.uefi.boot.ServiceCall.hex;
import static org.efiemu.uefi.boot.ServiceCall.ptr;

import java.util.function.BiFunction;
import java.util.function.LongUnaryOperator;
import org.efiemu.core.memory.GuestMemory;
import org.efiemu.uefi.boot.ServiceCall;
import org.efiemu.uefi.boot.ServiceCall.Align;
import org.efiemu.uefi.boot.ServiceDispatcher;
import org.efiemu.uefi.disk.BlockMedia;
import org.efiemu.uefi.spec.EfiStatus;

/**
 * {@code EFI_BLOCK_IO2_PROTOCOL} (UEFI 2.10 §13.10) beside every Block I/O instance, as OVMF's AtaBus and PartitionDxe
 * install it: one set of stubs ({@code BlockIo2.Reset}, {@code ReadBlocksEx}, {@code WriteBlocksEx},
 * {@code FlushBlocksEx}), {@code This} selects the device, and {@code Media} points at the same
 * {@code EFI_BLOCK_IO_MEDIA} as the device's Block I/O. A request is checked as Block I/O checks it (EFI_MEDIA_CHANGED,
 * EFI_WRITE_PROTECTED, EFI_INVALID_PARAMETER for a NULL buffer, EFI_BAD_BUFFER_SIZE, EFI_INVALID_PARAMETER past the end
 * or breaking IoAlign) and done before the call returns: with a {@code Token} whose Event is set, TransactionStatus is
 * written and the event signalled (its notify function may run), which on OVMF happens on a later timer tick — in
 * virtual time "at once"; a loader waiting for the event sees the same. BufferSize 0 with a token signals it too, as
 * AtaBus does. With no token, or a token with a NULL event, the request is synchronous.
 */
public final class BlockIo2 {
    /** Media pointer and four functions. */
    static final int SIZE = 40;

    private final GuestMemory memory;
    private final LongUnaryOperator pool;
    private final BiFunction<ServiceCall, Long, EfiStatus> signal;
    private final long reset;
    private final long readBlocks;
    private final long writeBlocks;
    private final long flushBlocks;
    private final BlockInstances devices = new BlockInstances("EFI_BLOCK_IO2_PROTOCOL");

    /** @param signal signals an event from within a service call (its notify function may run guest code) */
    public BlockIo2(GuestMemory memory, ServiceDispatcher dispatcher, LongUnaryOperator pool,
            BiFunction<ServiceCall, Long, EfiStatus> signal) {
        this.memory = memory;
        this.pool = pool;
        this.signal = signal;
        reset = dispatcher.registerBootTime("BlockIo2.Reset", 2, devices::reset);
        readBlocks = dispatcher.registerBootTimeCallingGuest("BlockIo2.ReadBlocksEx", 6, c -> transfer(c, false));
        writeBlocks = dispatcher.registerBootTimeCallingGuest("BlockIo2.WriteBlocksEx", 6, c -> transfer(c, true));
        flushBlocks = dispatcher.registerBootTimeCallingGuest("BlockIo2.FlushBlocksEx", 2, this::flush);
    }

    /** Builds an instance for {@code media} whose EFI_BLOCK_IO_MEDIA is at {@code mediaAddress}; returns its address. */
    public long install(BlockMedia media, long mediaAddress) {
        long at = pool.applyAsLong(SIZE);
        memory.putU64(at, mediaAddress);
        memory.putU64(at + 8, reset);
        memory.putU64(at + 16, readBlocks);
        memory.putU64(at + 24, writeBlocks);
        memory.putU64(at + 32, flushBlocks);
        devices.add(at, media);
        return at;
    }

    /** {@code FlushBlocksEx(This, Token)}: writes are in the overlay at once; a token's event is signalled. */
    private EfiStatus flush(ServiceCall c) {
        long token = c.arg(1);
        c.arguments(hex(c.arg(0)), ptr(token));
        if (devices.device(c) == null || (token != 0 && !c.isRam("Token", token, 16, Align.UINT64))) {
            return EfiStatus.INVALID_PARAMETER;
        }
        return complete(c, token, EfiStatus.SUCCESS);
    }

    /** {@code ReadBlocksEx/WriteBlocksEx(This, MediaId, Lba, Token, BufferSize, Buffer)}. */
    private EfiStatus transfer(ServiceCall c, boolean write) {
        long mediaId = c.arg(1) & 0xFFFF_FFFFL;
        long lba = c.arg(2);
        long token = c.arg(3);
        long size = c.arg(4);
        long buffer = c.arg(5);
        c.arguments(hex(c.arg(0)), mediaId, "Lba=" + hex(lba), ptr(token), Long.toUnsignedString(size), ptr(buffer));
        BlockMedia d = devices.device(c);
        if (d == null || (token != 0 && !c.isRam("Token", token, 16, Align.UINT64))) {
            return EfiStatus.INVALID_PARAMETER;
        }
        EfiStatus refused = d.checkBlocks(mediaId, lba, size, buffer, write);
        if (refused != null) {
            return refused == EfiStatus.SUCCESS ? complete(c, token, refused) : refused; // BufferSize 0
        }
        EfiStatus moved = BlockInstances.move(memory, c, d, lba, size, buffer, write);
        return moved == EfiStatus.SUCCESS ? complete(c, token, moved) : moved;
    }

    private EfiStatus complete(ServiceCall c, long token, EfiStatus s) {
        return AsyncToken.complete(memory, signal, c, token, s);
    }
}
