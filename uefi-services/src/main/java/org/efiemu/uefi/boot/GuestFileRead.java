package org.efiemu.uefi.boot;

import static org.efiemu.uefi.boot.ServiceCall.hex;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.LongConsumer;
import java.util.function.LongUnaryOperator;
import org.efiemu.core.memory.GuestMemory;
import org.efiemu.uefi.devicepath.DevicePath;
import org.efiemu.uefi.devicepath.DevicePathNode;
import org.efiemu.uefi.spec.EfiStatus;
import org.efiemu.uefi.spec.Guid;

/**
 * LoadImage's source read through an EFI_SIMPLE_FILE_SYSTEM_PROTOCOL whose code is the guest's (a file-system driver a
 * loader loaded and connected, e.g. rEFInd's or systemd-boot's ext4 driver), as EDK2's {@code CoreLoadImageCommon}
 * reads it with DxeServicesLib's {@code GetFileBufferByFilePath} (UEFI 2.10 §7.4.1 LoadImage: "the image is loaded
 * from the device path ... using the EFI_SIMPLE_FILE_SYSTEM_PROTOCOL"; §13.4 OpenVolume, §13.5 EFI_FILE_PROTOCOL):
 * OpenVolume; one Open(EFI_FILE_MODE_READ) per File Path node, each closing the node before it; GetInfo(EFI_FILE_INFO_ID)
 * first with size 0 then with the size it asked for; no read of a directory; Read of FileSize bytes into a pool buffer;
 * Close. Every guest call made is one output line of the LoadImage call in the trace.
 */
final class GuestFileRead {
    /** EFI_SIMPLE_FILE_SYSTEM_PROTOCOL.OpenVolume (after Revision). */
    static final int OPEN_VOLUME = 8;
    /** EFI_FILE_PROTOCOL offsets (§13.5): Revision, Open, Close, Delete, Read, Write, GetPosition, SetPosition, GetInfo. */
    static final int OPEN = 8;
    static final int CLOSE = 16;
    static final int READ = 32;
    static final int GET_INFO = 64;
    /** EFI_FILE_INFO: Size, FileSize, PhysicalSize, 3 EFI_TIMEs, Attribute (§13.5.16). */
    static final int INFO_FILE_SIZE = 8;
    static final int INFO_ATTRIBUTE = 72;
    static final long EFI_FILE_DIRECTORY = 0x10;
    static final long EFI_FILE_MODE_READ = 1;
    /** The largest image LoadImage reads (as a SourceBuffer: 1 GiB). */
    static final long MAX_FILE = 1L << 30;

    private final ServiceCall c;
    private final GuestMemory memory;
    private final LongUnaryOperator pool;
    private final LongConsumer freePool;
    private final List<Long> blocks = new ArrayList<>();

    GuestFileRead(ServiceCall c, LongUnaryOperator pool, LongConsumer freePool) {
        this.c = c;
        this.memory = c.memory();
        this.pool = pool;
        this.freePool = freePool;
    }

    private long alloc(long size) {
        long a = pool.applyAsLong(size);
        if (a != 0) {
            blocks.add(a);
        }
        return a;
    }

    private long call(String what, long fn, long... args) {
        if (fn == 0) {
            c.output("guest file system: " + what + ": the function pointer is not in RAM");
            return EfiStatus.INVALID_PARAMETER.code();
        }
        long raw = c.context().callGuest(fn, args);
        c.output("guest file system: " + what + " = " + EfiStatus.nameOf(raw));
        return raw;
    }

    /** The function pointer at {@code offset} of the guest interface {@code iface}, or 0 when it is not RAM. */
    private long fn(long iface, int offset) {
        return c.isRam(iface + offset, 8) ? memory.u64(iface + offset) : 0;
    }

    /**
     * The bytes of the file the File Path nodes {@code rest} (the device path after the Simple File System's own
     * device) name on the guest file system {@code sfs}, or empty (LoadImage then returns EFI_NOT_FOUND, as EDK2).
     */
    Optional<byte[]> read(long sfs, byte[] rest) {
        try {
            return readFile(sfs, rest);
        } finally {
            for (long b : blocks) {
                freePool.accept(b);
            }
        }
    }

    private Optional<byte[]> readFile(long sfs, byte[] rest) {
        List<DevicePathNode> nodes = DevicePath.parse(rest).nodes();
        if (nodes.isEmpty() || nodes.get(0).isEnd()) {
            c.output("guest file system: no File Path node after the volume");
            return Optional.empty();
        }
        long openVolume = fn(sfs, OPEN_VOLUME);
        if (openVolume == 0) {
            return Optional.empty();
        }
        long slot = alloc(8 + 8);
        // EDK2 duplicates the device path so that the File Path nodes' names are 2-byte aligned
        long copy = alloc(rest.length);
        if (slot == 0 || copy == 0) {
            return Optional.empty();
        }
        memory.write(copy, rest);
        memory.putU64(slot, 0);
        if (EfiStatus.of(call("OpenVolume(" + hex(sfs) + ")", openVolume, sfs, slot)).orElse(EfiStatus.DEVICE_ERROR)
                .isError()) {
            return Optional.empty();
        }
        long file = memory.u64(slot);
        long offset = 0;
        for (DevicePathNode n : nodes) {
            if (n.isEnd()) {
                break;
            }
            long last = file;
            if (n.type() != DevicePathNode.MEDIA || n.subType() != DevicePathNode.SUB_MEDIA_FILEPATH) {
                c.output("guest file system: a node that is no File Path (type " + n.type() + ", sub-type "
                        + n.subType() + "): EFI_UNSUPPORTED");
                call("Close(" + hex(last) + ")", fn(last, CLOSE), last);
                return Optional.empty();
            }
            memory.putU64(slot, 0);
            long raw = call("Open(" + hex(last) + ", \"" + n.pathName() + "\", EFI_FILE_MODE_READ)", fn(last, OPEN),
                    last, slot, copy + offset + 4, EFI_FILE_MODE_READ, 0);
            call("Close(" + hex(last) + ")", fn(last, CLOSE), last);
            if (raw != 0) {
                return Optional.empty();
            }
            file = memory.u64(slot);
            offset += DevicePathNode.HEADER_SIZE + n.data().length;
        }
        try {
            long size = slot + 8;
            memory.putU64(size, 0);
            long guid = alloc(16);
            if (guid == 0) {
                return Optional.empty();
            }
            memory.write(guid, Guid.EFI_FILE_INFO_ID.toBytes());
            long raw = call("GetInfo(" + hex(file) + ", EFI_FILE_INFO_ID, 0)", fn(file, GET_INFO), file, guid, size, 0);
            if (raw != EfiStatus.BUFFER_TOO_SMALL.code()) {
                return Optional.empty();
            }
            long infoSize = memory.u64(size);
            if (infoSize < INFO_ATTRIBUTE + 8 || infoSize > 0x10000) {
                c.output("guest file system: GetInfo asked for " + Long.toUnsignedString(infoSize)
                        + " bytes, not an EFI_FILE_INFO");
                return Optional.empty();
            }
            long info = alloc(infoSize);
            if (info == 0 || call("GetInfo(" + hex(file) + ", EFI_FILE_INFO_ID, " + infoSize + ")", fn(file, GET_INFO),
                    file, guid, size, info) != 0) {
                return Optional.empty();
            }
            if ((memory.u64(info + INFO_ATTRIBUTE) & EFI_FILE_DIRECTORY) != 0) {
                c.output("guest file system: the path names a directory");
                return Optional.empty();
            }
            long fileSize = memory.u64(info + INFO_FILE_SIZE);
            if (fileSize == 0 || Long.compareUnsigned(fileSize, MAX_FILE) > 0) {
                c.output("guest file system: FileSize " + Long.toUnsignedString(fileSize) + " is no image size");
                return Optional.empty();
            }
            long buffer = alloc(fileSize);
            if (buffer == 0) {
                return Optional.empty();
            }
            memory.putU64(size, fileSize);
            if (call("Read(" + hex(file) + ", " + fileSize + ")", fn(file, READ), file, size, buffer) != 0) {
                return Optional.empty();
            }
            long got = memory.u64(size);
            if (Long.compareUnsigned(got, fileSize) > 0) {
                return Optional.empty();
            }
            return Optional.of(memory.read(buffer, (int) got));
        } finally {
            call("Close(" + hex(file) + ")", fn(file, CLOSE), file);
        }
    }
}
