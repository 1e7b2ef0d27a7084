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
 *
 * <p>A Disk I/O can also stand over a Block I/O that is guest code (a driver's, e.g. a RAM disk:
 * {@link #installOverBlockIo}), as EDK2 2022.11's DiskIoDxe puts one on any Block I/O: a request becomes that Block
 * I/O's ReadBlocks/WriteBlocks calls in the order of DiskIoDxe's blocking subtasks ({@code DiskIoCreateSubtaskList}:
 * the partial first block through a one-block working buffer, read first when written; the partial last block the same
 * way; then the whole blocks between, straight into the caller's buffer when it meets the media's IoAlign, else in
 * pieces of {@link #DATA_BUFFER_BLOCKS} blocks through the working buffer), stopping at the first error, which is the
 * request's status. Disk I/O 2's requests there are done the same way, blocking, then the token completed.
 */
public final class DiskIo {
    public static final long REVISION = 0x00010000L;
    public static final long REVISION2 = 0x00020000L;
    private static final long MAX_IO = 1L << 30;
    /** {@code PcdDiskIoDataBufferBlockNum} (MdeModulePkg.dec, 64): the blocks of DiskIoDxe's shared working buffer. */
    public static final int DATA_BUFFER_BLOCKS = 64;

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
    /** Disk I/O (2) interfaces over a guest Block I/O, with that Block I/O and the working buffer. */
    private final Map<Long, GuestBlocks> guest = new HashMap<>();

    /** A guest's Block I/O under a Disk I/O, and the working buffer ({@link #DATA_BUFFER_BLOCKS} blocks, aligned). */
    private record GuestBlocks(long blockIo, long workingBuffer) {
    }

    /** @param signal signals an event from within a service call (its notify function may run guest code) */
    public DiskIo(GuestMemory memory, ServiceDispatcher dispatcher, LongUnaryOperator pool,
            BiFunction<ServiceCall, Long, EfiStatus> signal) {
        this.memory = memory;
        this.pool = pool;
        this.signal = signal;
        // on efiemu's own media they run inline; over a guest's Block I/O they call its ReadBlocks/WriteBlocks
        readDisk = dispatcher.registerBootTimeCallingGuest("DiskIo.ReadDisk", 5, c -> transfer(c, false),
                ctx -> guest.containsKey(ctx.arg(0)));
        writeDisk = dispatcher.registerBootTimeCallingGuest("DiskIo.WriteDisk", 5, c -> transfer(c, true),
                ctx -> guest.containsKey(ctx.arg(0)));
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

    /**
     * Builds EFI_DISK_IO_PROTOCOL (and, when {@code two}, EFI_DISK_IO2_PROTOCOL) over the guest Block I/O at
     * {@code blockIo}, as DiskIoDxe's Start does on a Block I/O it does not own ({@code DiskIoDriverBindingStart}: the
     * shared working buffer of {@link #DATA_BUFFER_BLOCKS} blocks aligned to the media's IoAlign, then the interfaces).
     *
     * @return {Disk I/O, Disk I/O 2 or 0}; null when the Block I/O or its Media is not readable RAM or its BlockSize is
     *     0 (no working buffer can be sized)
     */
    public long[] installOverBlockIo(long blockIo, boolean two, java.util.function.LongPredicate isRam) {
        if (!isRam.test(blockIo) || !isRam.test(blockIo + 47)) {
            return null;
        }
        long media = memory.u64(blockIo + 8);
        if (!isRam.test(media) || !isRam.test(media + 31)) {
            return null;
        }
        long blockSize = memory.u32(media + 12);
        long ioAlign = Math.max(1, memory.u32(media + 16));
        if (blockSize == 0 || blockSize > (1 << 20) || ioAlign > (1 << 20)) {
            return null;
        }
        long raw = pool.applyAsLong(DATA_BUFFER_BLOCKS * blockSize + ioAlign);
        long working = (raw + ioAlign - 1) / ioAlign * ioAlign;
        GuestBlocks g = new GuestBlocks(blockIo, working);
        long io = pool.applyAsLong(24);
        memory.putU64(io, REVISION);
        memory.putU64(io + 8, readDisk);
        memory.putU64(io + 16, writeDisk);
        guest.put(io, g);
        long io2 = 0;
        if (two) {
            io2 = pool.applyAsLong(40);
            memory.putU64(io2, REVISION2);
            memory.putU64(io2 + 8, cancel);
            memory.putU64(io2 + 16, readDiskEx);
            memory.putU64(io2 + 24, writeDiskEx);
            memory.putU64(io2 + 32, flushDiskEx);
            guest.put(io2, g);
        }
        return new long[] {io, io2};
    }

    /** Forgets a Disk I/O (2) interface {@link #installOverBlockIo} made (its driver's Stop uninstalled it). */
    public void forget(long diskIo) {
        guest.remove(diskIo);
    }

    /** {@code ReadDisk/WriteDisk(This, MediaId, Offset, BufferSize, Buffer)}. */
    private EfiStatus transfer(ServiceCall c, boolean write) {
        long mediaId = c.arg(1) & 0xFFFF_FFFFL;
        c.arguments(hex(c.arg(0)), mediaId, "Offset=" + hex(c.arg(2)), Long.toUnsignedString(c.arg(3)), ptr(c.arg(4)));
        BlockMedia d = disks.get(c.arg(0));
        if (d == null) {
            GuestBlocks g = guest.get(c.arg(0));
            if (g != null) {
                return guestMove(c, g, mediaId, c.arg(2), c.arg(3), c.arg(4), write);
            }
            c.output("This " + hex(c.arg(0)) + " is not an EFI_DISK_IO_PROTOCOL");
            return EfiStatus.INVALID_PARAMETER;
        }
        return move(c, d, mediaId, c.arg(2), c.arg(3), c.arg(4), write);
    }

    /**
     * A request on a guest's Block I/O in DiskIoDxe's blocking subtasks (EDK2 2022.11 {@code DiskIoCreateSubtaskList}
     * and {@code DiskIo2ReadWriteDisk}); each Block I/O call is an output line.
     */
    private EfiStatus guestMove(ServiceCall c, GuestBlocks g, long mediaId, long offset, long size, long buffer,
            boolean write) {
        long blockIo = g.blockIo();
        if (!c.isRam(blockIo, 48) || !c.isRam(memory.u64(blockIo + 8), 32)) {
            c.output("the driver's EFI_BLOCK_IO_PROTOCOL at " + hex(blockIo) + " or its Media is not readable RAM");
            return EfiStatus.DEVICE_ERROR;
        }
        long media = memory.u64(blockIo + 8);
        long bs = memory.u32(media + 12);
        long ioAlign = Math.max(1, memory.u32(media + 16));
        if (bs == 0 || bs * DATA_BUFFER_BLOCKS + ioAlign > MAX_IO) {
            c.output("the driver's Media->BlockSize is " + bs);
            return EfiStatus.DEVICE_ERROR;
        }
        if (Long.compareUnsigned(size, MAX_IO) > 0 || (size > 0 && !c.isRam(buffer, size))) {
            c.output("Buffer is not " + Long.toUnsignedString(size) + " bytes of RAM");
            return EfiStatus.INVALID_PARAMETER;
        }
        GuestBlockCalls io = new GuestBlockCalls(c, blockIo, mediaId, bs);
        long wb = g.workingBuffer();
        long lba = Long.divideUnsigned(offset, bs);
        int under = (int) Long.remainderUnsigned(offset, bs);
        if (size == 0) { // a subtask of length 0, on the caller's buffer
            return io.blocks(write, lba, 0, buffer);
        }
        long ptr = buffer;
        long left = size;
        EfiStatus s;
        if (under != 0) {
            int len = (int) Math.min(bs - under, left);
            if ((s = io.partial(write, lba, under, len, ptr, wb)).isError()) {
                return s;
            }
            ptr += len;
            left -= len;
            lba++;
        }
        long overLba = lba + left / bs;
        int over = (int) (left % bs);
        left -= over;
        if (over != 0 && (s = io.partial(write, overLba, 0, over, ptr + left, wb)).isError()) {
            return s;
        }
        if (overLba > lba) {
            if (ptr % ioAlign == 0) {
                return io.blocks(write, lba, left, ptr);
            }
            for (; lba < overLba; lba += DATA_BUFFER_BLOCKS) {
                long n = Math.min(left, DATA_BUFFER_BLOCKS * bs);
                if (write) {
                    memory.write(wb, memory.read(ptr, (int) n));
                }
                if ((s = io.blocks(write, lba, n, wb)).isError()) {
                    return s;
                }
                if (!write) {
                    memory.write(ptr, memory.read(wb, (int) n));
                }
                ptr += n;
                left -= n;
            }
        }
        return EfiStatus.SUCCESS;
    }

    /** The ReadBlocks/WriteBlocks calls of one request on a guest's Block I/O. */
    private final class GuestBlockCalls {
        private final ServiceCall c;
        private final long blockIo;
        private final long mediaId;
        private final long bs;

        GuestBlockCalls(ServiceCall c, long blockIo, long mediaId, long bs) {
            this.c = c;
            this.blockIo = blockIo;
            this.mediaId = mediaId;
            this.bs = bs;
        }

        /** {@code ReadBlocks} or {@code WriteBlocks(This, MediaId, Lba, BufferSize, Buffer)} of the guest's Block I/O. */
        EfiStatus blocks(boolean write, long lba, long n, long buf) {
            long fn = memory.u64(blockIo + (write ? 32 : 24));
            long raw = c.context().callGuest(fn, blockIo, mediaId, lba, n, buf);
            EfiStatus s = EfiStatus.of(raw).orElse(raw < 0 ? EfiStatus.DEVICE_ERROR : EfiStatus.SUCCESS);
            c.output("BlockIo." + (write ? "WriteBlocks" : "ReadBlocks") + "(" + hex(blockIo) + ", " + mediaId + ", "
                    + lba + ", " + n + ", " + hex(buf) + "): " + EfiStatus.nameOf(raw));
            return s;
        }

        /** Part of one block ({@code len} bytes at {@code at} in it) through the working buffer; read first when written. */
        EfiStatus partial(boolean write, long lba, int at, int len, long ptr, long wb) {
            EfiStatus s = blocks(false, lba, bs, wb);
            if (s.isError()) {
                return s;
            }
            if (!write) {
                memory.write(ptr, memory.read(wb + at, len));
                return s;
            }
            memory.write(wb + at, memory.read(ptr, len));
            return blocks(true, lba, bs, wb);
        }
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
        return disks2.containsKey(c.arg(0)) || guest.containsKey(c.arg(0)) ? EfiStatus.SUCCESS
                : EfiStatus.INVALID_PARAMETER;
    }

    /** {@code ReadDiskEx/WriteDiskEx(This, MediaId, Offset, Token, BufferSize, Buffer)}. */
    private EfiStatus transferEx(ServiceCall c, boolean write) {
        long mediaId = c.arg(1) & 0xFFFF_FFFFL;
        long token = c.arg(3);
        c.arguments(hex(c.arg(0)), mediaId, "Offset=" + hex(c.arg(2)), ptr(token), Long.toUnsignedString(c.arg(4)),
                ptr(c.arg(5)));
        BlockMedia d = disks2.get(c.arg(0));
        GuestBlocks g = d == null ? guest.get(c.arg(0)) : null;
        if (d == null && g == null) {
            c.output("This " + hex(c.arg(0)) + " is not an EFI_DISK_IO2_PROTOCOL");
            return EfiStatus.INVALID_PARAMETER;
        }
        if (token != 0 && !c.isRam("Token", token, 16, Align.UINT64)) {
            return EfiStatus.INVALID_PARAMETER;
        }
        EfiStatus s = d != null ? move(c, d, mediaId, c.arg(2), c.arg(4), c.arg(5), write)
                : guestMove(c, g, mediaId, c.arg(2), c.arg(4), c.arg(5), write);
        return complete(c, token, s);
    }

    /** {@code FlushDiskEx(This, Token)}. */
    private EfiStatus flushEx(ServiceCall c) {
        long token = c.arg(1);
        c.arguments(hex(c.arg(0)), ptr(token));
        if (!(disks2.containsKey(c.arg(0)) || guest.containsKey(c.arg(0))) || (token != 0 && !c.isRam("Token", token, 16, Align.UINT64))) {
            return EfiStatus.INVALID_PARAMETER;
        }
        return complete(c, token, EfiStatus.SUCCESS);
    }

    private EfiStatus complete(ServiceCall c, long token, EfiStatus s) {
        return AsyncToken.complete(memory, signal, c, token, s);
    }
}
