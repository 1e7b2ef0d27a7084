package org.efiemu.uefi.protocol;

import static org.efiemu.uefi.boot.ServiceCall.hex;
import static org.efiemu.uefi.boot.ServiceCall.ptr;

import java.util.HashMap;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.LongUnaryOperator;
import org.efiemu.core.memory.GuestMemory;
import org.efiemu.uefi.boot.ServiceCall;
import org.efiemu.uefi.boot.ServiceCall.Align;
import org.efiemu.uefi.boot.ServiceDispatcher;
import org.efiemu.uefi.disk.BlockMedia;
import org.efiemu.uefi.spec.EfiStatus;

/**
 * {@code EFI_DISK_IO_PROTOCOL} (UEFI 2.10 §13.7) and {@code EFI_DISK_IO2_PROTOCOL} (§13.8) for every disk and partition:
 * byte-granular reads and writes on a {@link BlockMedia}. DiskIo2 completes every request before it returns: with a
 * Token whose Event is not NULL it writes {@code Token->TransactionStatus} and signals the event (its notification
 * runs as EDK2's DiskIo2 signals a finished request); with no token or a NULL event it is synchronous. Cancel has
 * nothing in flight and returns EFI_SUCCESS.
 */
public final class DiskIo {
    public static final long REVISION = 0x00010000L;
    public static final long REVISION2 = 0x00020000L;
    private static final long MAX_IO = 1L << 30;

    private final GuestMemory memory;
    private final LongUnaryOperator pool;
    private final BiFunction<ServiceCall, Long, EfiStatus> signal;
    private final long readDisk;
    private final long writeDisk;
    private final long cancel;
    private final long readDiskEx;
    private final long writeDiskEx;
    private final long flushDiskEx;
    private final Map<Long, BlockMedia> disks = new HashMap<>();
    private final Map<Long, BlockMedia> disks2 = new HashMap<>();

    /** @param signal signals an event from within a service call (its notify function may run guest code) */
    public DiskIo(GuestMemory memory, ServiceDispatcher dispatcher, LongUnaryOperator pool,
            BiFunction<ServiceCall, Long, EfiStatus> signal) {
        this.memory = memory;
        this.pool = pool;
        this.signal = signal;
        readDisk = dispatcher.registerBootTime("DiskIo.ReadDisk", 5, c -> transfer(c, false));
        writeDisk = dispatcher.registerBootTime("DiskIo.WriteDisk", 5, c -> transfer(c, true));
        cancel = dispatcher.registerBootTime("DiskIo2.Cancel", 1, this::cancel);
        readDiskEx = dispatcher.registerBootTimeCallingGuest("DiskIo2.ReadDiskEx", 6, c -> transferEx(c, false));
        writeDiskEx = dispatcher.registerBootTimeCallingGuest("DiskIo2.WriteDiskEx", 6, c -> transferEx(c, true));
        flushDiskEx = dispatcher.registerBootTimeCallingGuest("DiskIo2.FlushDiskEx", 2, this::flushEx);
    }

    /** Builds EFI_DISK_IO_PROTOCOL for {@code media}; returns its address. */
    public long install(BlockMedia media) {
        long at = pool.applyAsLong(24);
        memory.putU64(at, REVISION);
        memory.putU64(at + 8, readDisk);
        memory.putU64(at + 16, writeDisk);
        disks.put(at, media);
        return at;
    }

    /** Builds EFI_DISK_IO2_PROTOCOL for {@code media}; returns its address. */
    public long install2(BlockMedia media) {
        long at = pool.applyAsLong(40);
        memory.putU64(at, REVISION2);
        memory.putU64(at + 8, cancel);
        memory.putU64(at + 16, readDiskEx);
        memory.putU64(at + 24, writeDiskEx);
        memory.putU64(at + 32, flushDiskEx);
        disks2.put(at, media);
        return at;
    }

    /** {@code ReadDisk/WriteDisk(This, MediaId, Offset, BufferSize, Buffer)}. */
    private EfiStatus transfer(ServiceCall c, boolean write) {
        long mediaId = c.arg(1) & 0xFFFF_FFFFL;
        c.arguments(hex(c.arg(0)), mediaId, "Offset=" + hex(c.arg(2)), Long.toUnsignedString(c.arg(3)), ptr(c.arg(4)));
        BlockMedia d = disks.get(c.arg(0));
        if (d == null) {
            c.output("This " + hex(c.arg(0)) + " is not an EFI_DISK_IO_PROTOCOL");
            return EfiStatus.INVALID_PARAMETER;
        }
        return move(c, d, mediaId, c.arg(2), c.arg(3), c.arg(4), write);
    }

    private EfiStatus move(ServiceCall c, BlockMedia d, long mediaId, long offset, long size, long buffer, boolean write) {
        EfiStatus refused = d.checkBytes(mediaId, offset, size, write);
        if (refused != null) {
            return refused;
        }
        if (size == 0) {
            return EfiStatus.SUCCESS;
        }
        if (Long.compareUnsigned(size, MAX_IO) > 0 || !c.isRam(buffer, size)) {
            c.output("Buffer is not " + Long.toUnsignedString(size) + " bytes of RAM");
            return EfiStatus.INVALID_PARAMETER;
        }
        if (write) {
            d.write(offset, memory.read(buffer, (int) size));
        } else {
            memory.write(buffer, d.read(offset, (int) size));
        }
        return EfiStatus.SUCCESS;
    }

    private EfiStatus cancel(ServiceCall c) {
        c.arguments(hex(c.arg(0)));
        return disks2.containsKey(c.arg(0)) ? EfiStatus.SUCCESS : EfiStatus.INVALID_PARAMETER;
    }

    /** {@code ReadDiskEx/WriteDiskEx(This, MediaId, Offset, Token, BufferSize, Buffer)}. */
    private EfiStatus transferEx(ServiceCall c, boolean write) {
        long mediaId = c.arg(1) & 0xFFFF_FFFFL;
        long token = c.arg(3);
        c.arguments(hex(c.arg(0)), mediaId, "Offset=" + hex(c.arg(2)), ptr(token), Long.toUnsignedString(c.arg(4)),
                ptr(c.arg(5)));
        BlockMedia d = disks2.get(c.arg(0));
        if (d == null) {
            c.output("This " + hex(c.arg(0)) + " is not an EFI_DISK_IO2_PROTOCOL");
            return EfiStatus.INVALID_PARAMETER;
        }
        if (token != 0 && !c.isRam("Token", token, 16, Align.UINT64)) {
            return EfiStatus.INVALID_PARAMETER;
        }
        EfiStatus s = move(c, d, mediaId, c.arg(2), c.arg(4), c.arg(5), write);
        return complete(c, token, s);
    }

    /** {@code FlushDiskEx(This, Token)}. */
    private EfiStatus flushEx(ServiceCall c) {
        long token = c.arg(1);
        c.arguments(hex(c.arg(0)), ptr(token));
        if (!disks2.containsKey(c.arg(0)) || (token != 0 && !c.isRam("Token", token, 16, Align.UINT64))) {
            return EfiStatus.INVALID_PARAMETER;
        }
        return complete(c, token, EfiStatus.SUCCESS);
    }

    private EfiStatus complete(ServiceCall c, long token, EfiStatus s) {
        return AsyncToken.complete(memory, signal, c, token, s);
    }
}
