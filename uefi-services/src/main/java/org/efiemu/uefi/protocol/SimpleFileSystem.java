package org.efiemu.uefi.protocol;

import org.efiemu.uefi.boot.ServiceCall.Align;

import static org.efiemu.uefi.boot.ServiceCall.hex;
import static org.efiemu.uefi.boot.ServiceCall.ptr;

import java.util.HashMap;
import java.util.Map;
import java.util.function.LongConsumer;
import java.util.function.LongUnaryOperator;
import org.efiemu.core.memory.GuestMemory;
import org.efiemu.core.memory.GuestMemoryException;
import org.efiemu.uefi.boot.ServiceCall;
import org.efiemu.uefi.boot.ServiceDispatcher;
import org.efiemu.uefi.firmware.FirmwareArena;
import org.efiemu.uefi.fs.BufferResult;
import org.efiemu.uefi.fs.EspVolume;
import org.efiemu.uefi.fs.FileHandle;
import org.efiemu.uefi.fs.FileModes;
import org.efiemu.uefi.fs.OpenResult;
import org.efiemu.uefi.spec.EfiStatus;
import org.efiemu.uefi.spec.Guid;

/**
 * {@code EFI_SIMPLE_FILE_SYSTEM_PROTOCOL} (UEFI 2.10 §13.4) and {@code EFI_FILE_PROTOCOL} revision 1 (§13.5) over an
 * {@link EspVolume}. Every open file is a 88-byte {@code EFI_FILE_PROTOCOL} in EfiBootServicesData pool (as EDK2's FAT
 * driver allocates its {@code IFILE}), all sharing one set of function stubs; {@code This} selects the
 * {@link FileHandle}. Close and Delete free the structure; a closed or unknown {@code This} is EFI_INVALID_PARAMETER.
 */
public final class SimpleFileSystem {
    public static final long REVISION = 0x00010000L;
    /** EFI_FILE_PROTOCOL revision 1: Revision and ten functions. */
    public static final int FILE_SIZE = 88;
    private static final String[] FILE_FUNCTIONS = {"Open", "Close", "Delete", "Read", "Write", "GetPosition",
        "SetPosition", "GetInfo", "SetInfo", "Flush"};
    private static final int[] ARITY = {5, 1, 1, 3, 3, 2, 2, 4, 4, 1};
    private static final long MAX_IO = 1L << 30;

    private final GuestMemory memory;
    private final LongUnaryOperator pool;
    private final LongConsumer freePool;
    private final ServiceDispatcher dispatcher;
    private final long address;
    private final long[] stubs = new long[FILE_FUNCTIONS.length];
    private final Map<Long, FileHandle> files = new HashMap<>();
    private final Map<Long, EspVolume> volumes = new HashMap<>();
    /** The Simple File System interface each open file came from (its volume, as EDK2's {@code OFile->Volume}). */
    private final Map<Long, Long> fileVolumes = new HashMap<>();
    /** Interfaces whose volume the FAT driver's Stop abandoned ({@link #abandon}), with the error their files got. */
    private final Map<Long, EfiStatus> abandoned = new HashMap<>();
    private long diskOpenVolume;
    private LongUnaryOperator volumeStructures;

    /**
     * Builds the protocol structure in {@code arena} and registers {@code Esp.OpenVolume} and {@code File.<Function>}.
     *
     * @param pool allocates EfiBootServicesData pool (file structures); {@code freePool} frees them
     */
    public SimpleFileSystem(EspVolume volume, GuestMemory memory, FirmwareArena.Region arena, ServiceDispatcher dispatcher,
            LongUnaryOperator pool, LongConsumer freePool) {
        this(memory, dispatcher, pool, freePool, arena.take("ESP EFI_SIMPLE_FILE_SYSTEM_PROTOCOL", 16, 16));
        memory.putU64(address, REVISION);
        memory.putU64(address + 8, dispatcher.registerBootTime("Esp.OpenVolume", 2, this::openVolume));
        volumes.put(address, volume);
    }

    /**
     * The file functions only, for volumes added with {@link #addVolume} (FAT partitions of disks); {@link #address()}
     * is 0.
     *
     * @param pool              EfiBootServicesData pool for open files ({@code freePool} frees them)
     * @param volumeStructures  where each volume's 16-byte protocol structure goes
     */
    public SimpleFileSystem(GuestMemory memory, ServiceDispatcher dispatcher, LongUnaryOperator pool,
            LongConsumer freePool, LongUnaryOperator volumeStructures) {
        this(memory, dispatcher, pool, freePool, 0);
        this.volumeStructures = volumeStructures;
    }

    private SimpleFileSystem(GuestMemory memory, ServiceDispatcher dispatcher, LongUnaryOperator pool,
            LongConsumer freePool, long address) {
        this.memory = memory;
        this.pool = pool;
        this.freePool = freePool;
        this.dispatcher = dispatcher;
        this.address = address;
        for (int i = 0; i < FILE_FUNCTIONS.length; i++) {
            String fn = FILE_FUNCTIONS[i];
            stubs[i] = dispatcher.registerBootTime("File." + fn, ARITY[i], c -> file(fn, c));
        }
    }

    /**
     * Builds an EFI_SIMPLE_FILE_SYSTEM_PROTOCOL for {@code volume} in pool (as EDK2's FAT driver allocates its
     * FAT_VOLUME), sharing one {@code Fs.OpenVolume} stub; returns its address.
     */
    public long addVolume(EspVolume volume) {
        if (diskOpenVolume == 0) {
            diskOpenVolume = dispatcher.registerBootTime("Fs.OpenVolume", 2, this::openVolume);
        }
        long at = (volumeStructures != null ? volumeStructures : pool).applyAsLong(16);
        memory.putU64(at, REVISION);
        memory.putU64(at + 8, diskOpenVolume);
        volumes.put(at, volume);
        return at;
    }

    /** The ESP's protocol (0 for an instance made for disk volumes only). */
    public long address() {
        return address;
    }

    /**
     * {@code FatAbandonVolume} (EDK2 2022.11 FatPkg/EnhancedFatDxe/Init.c, run by the FAT driver's Stop, UEFI 2.10
     * §11.1.3): every file open on the volume behind interface {@code volumeInterface} gets the permanent error
     * {@code status} ({@code EFI_MEDIA_CHANGED} while the media is present) and answers it from then on (see
     * {@link FileHandle#abandon}); OpenVolume on that interface gives a root in the same error. The volume's contents
     * stay, for the interface a later Start makes ({@link #remount}).
     *
     * @return how many open files were abandoned; -1 when {@code volumeInterface} is no interface of this instance
     */
    public int abandon(long volumeInterface, EfiStatus status) {
        if (!volumes.containsKey(volumeInterface)) {
            return -1;
        }
        abandoned.putIfAbsent(volumeInterface, status);
        int n = 0;
        for (Map.Entry<Long, Long> e : fileVolumes.entrySet()) {
            if (e.getValue() == volumeInterface) {
                files.get(e.getKey()).abandon(status);
                n++;
            }
        }
        return n;
    }

    /**
     * {@code FatAllocateVolume} on a later Start: a new EFI_SIMPLE_FILE_SYSTEM_PROTOCOL (a new 16-byte structure
     * sharing the OpenVolume stub of {@code volumeInterface}) for the same volume contents, so files opened through it
     * work while those of the abandoned interface keep their error.
     *
     * @return the new interface; 0 when {@code volumeInterface} is no interface of this instance
     */
    public long remount(long volumeInterface) {
        EspVolume volume = volumes.get(volumeInterface);
        if (volume == null) {
            return 0;
        }
        long at = (volumeStructures != null ? volumeStructures : pool).applyAsLong(16);
        memory.putU64(at, REVISION);
        memory.putU64(at + 8, memory.u64(volumeInterface + 8));
        volumes.put(at, volume);
        return at;
    }

    private long newFile(FileHandle h, ServiceCall c, long volumeInterface) {
        long at = pool.applyAsLong(FILE_SIZE);
        memory.putU64(at, REVISION);
        for (int i = 0; i < stubs.length; i++) {
            memory.putU64(at + 8 + 8L * i, stubs[i]);
        }
        files.put(at, h);
        fileVolumes.put(at, volumeInterface);
        c.output(hex(at) + " " + h.path());
        return at;
    }

    /** {@code OpenVolume(This, **Root)}. */
    private EfiStatus openVolume(ServiceCall c) {
        long root = c.arg(1);
        c.arguments(ptr(c.arg(0)), ptr(root));
        EspVolume volume = volumes.get(c.arg(0));
        if (volume == null || !c.isRam("Root", root, 8, Align.UINT64)) {
            return EfiStatus.INVALID_PARAMETER;
        }
        OpenResult r = volume.openVolume();
        if (r.status() == EfiStatus.SUCCESS) {
            EfiStatus error = abandoned.get(c.arg(0));
            if (error != null) { // FatOpenVolume on an abandoned FAT_VOLUME: a root in the volume's error
                r.handle().abandon(error);
                c.output("volume abandoned by the FAT driver's Stop: the root answers " + error);
            }
            memory.putU64(root, newFile(r.handle(), c, c.arg(0)));
        }
        return r.status();
    }

    private EfiStatus file(String fn, ServiceCall c) {
        long self = c.arg(0);
        FileHandle h = files.get(self);
        if (h == null) {
            c.arguments(ptr(self));
            c.output("This " + hex(self) + " is not an open EFI_FILE_PROTOCOL");
            return EfiStatus.INVALID_PARAMETER;
        }
        return switch (fn) {
            case "Open" -> open(c, h);
            case "Close" -> {
                c.arguments(hex(self));
                forget(self);
                yield h.close();
            }
            case "Delete" -> {
                c.arguments(hex(self));
                forget(self);
                yield h.delete();
            }
            case "Read" -> read(c, h);
            case "Write" -> write(c, h);
            case "GetPosition" -> getPosition(c, h);
            case "SetPosition" -> {
                c.arguments(hex(self), hex(c.arg(1)));
                yield h.setPosition(c.arg(1));
            }
            case "GetInfo" -> getInfo(c, h);
            case "SetInfo" -> setInfo(c, h);
            default -> {
                c.arguments(hex(self));
                yield h.flush();
            }
        };
    }

    private void forget(long self) {
        files.remove(self);
        fileVolumes.remove(self);
        freePool.accept(self);
    }

    /** {@code Open(This, **NewHandle, *FileName, OpenMode, Attributes)}. */
    private EfiStatus open(ServiceCall c, FileHandle h) {
        long out = c.arg(1);
        long namePtr = c.arg(2);
        long mode = c.arg(3);
        long attributes = c.arg(4);
        String name = c.char16At("FileName", namePtr, 4096);
        c.arguments(hex(c.arg(0)), ptr(out), name != null ? "\"" + name + "\"" : ptr(namePtr), FileModes.modeName(mode),
                hex(attributes));
        if (!c.isRam("NewHandle", out, 8, Align.UINT64) || name == null) {
            return EfiStatus.INVALID_PARAMETER;
        }
        OpenResult r = h.open(name, mode, attributes);
        if (r.status() == EfiStatus.SUCCESS) {
            memory.putU64(out, newFile(r.handle(), c, fileVolumes.getOrDefault(c.arg(0), 0L)));
        }
        return r.status();
    }

    /** {@code Read(This, *BufferSize, *Buffer)}: *BufferSize gets the bytes read, or the size needed. */
    private EfiStatus read(ServiceCall c, FileHandle h) {
        long sizePtr = c.arg(1);
        long buffer = c.arg(2);
        boolean sizeOk = c.isRam(sizePtr, 8);
        long size = sizeOk ? memory.u64(sizePtr) : 0;
        c.arguments(hex(c.arg(0)), sizeOk ? "&" + size : ptr(sizePtr), ptr(buffer));
        if (!sizeOk || Long.compareUnsigned(size, MAX_IO) > 0 || (size > 0 && !c.isRam(buffer, size))) {
            return EfiStatus.INVALID_PARAMETER;
        }
        BufferResult r = h.read(size);
        if (r.status() == EfiStatus.SUCCESS || r.status() == EfiStatus.BUFFER_TOO_SMALL) {
            if (r.status() == EfiStatus.SUCCESS && r.bufferSize() > 0) {
                memory.write(buffer, r.data());
            }
            memory.putU64(sizePtr, r.bufferSize());
            c.output("BufferSize=" + r.bufferSize());
        }
        return r.status();
    }

    /** {@code Write(This, *BufferSize, *Buffer)}. */
    private EfiStatus write(ServiceCall c, FileHandle h) {
        long sizePtr = c.arg(1);
        long buffer = c.arg(2);
        boolean sizeOk = c.isRam(sizePtr, 8);
        long size = sizeOk ? memory.u64(sizePtr) : 0;
        c.arguments(hex(c.arg(0)), sizeOk ? "&" + size : ptr(sizePtr), ptr(buffer));
        if (!sizeOk || Long.compareUnsigned(size, MAX_IO) > 0 || (size > 0 && !c.isRam(buffer, size))) {
            return EfiStatus.INVALID_PARAMETER;
        }
        BufferResult r = h.write(size == 0 ? new byte[0] : memory.read(buffer, (int) size));
        // EDK2's FatIFileAccess leaves *BufferSize as it was on an error, but for a file it could not grow (0)
        if (!r.status().isError() || r.status() == EfiStatus.VOLUME_FULL) {
            memory.putU64(sizePtr, r.bufferSize());
            c.output("BufferSize=" + r.bufferSize());
        }
        return r.status();
    }

    /** {@code GetPosition(This, *Position)}. */
    private EfiStatus getPosition(ServiceCall c, FileHandle h) {
        long out = c.arg(1);
        c.arguments(hex(c.arg(0)), ptr(out));
        if (!c.isRam("Position", out, 8, Align.UINT64)) {
            return EfiStatus.INVALID_PARAMETER;
        }
        BufferResult r = h.getPosition();
        if (r.status() == EfiStatus.SUCCESS) {
            memory.putU64(out, r.bufferSize());
            c.output(Long.toUnsignedString(r.bufferSize()));
        }
        return r.status();
    }

    /** {@code GetInfo(This, *InformationType, *BufferSize, *Buffer)}. */
    private EfiStatus getInfo(ServiceCall c, FileHandle h) {
        Guid type = c.guidAt("InformationType", c.arg(1));
        long sizePtr = c.arg(2);
        long buffer = c.arg(3);
        boolean sizeOk = c.isRam(sizePtr, 8);
        long size = sizeOk ? memory.u64(sizePtr) : 0;
        c.arguments(hex(c.arg(0)), type != null ? type : ptr(c.arg(1)), sizeOk ? "&" + size : ptr(sizePtr), ptr(buffer));
        if (type == null || !sizeOk) {
            return EfiStatus.INVALID_PARAMETER;
        }
        BufferResult r = h.getInfo(type, size);
        if (r.status() == EfiStatus.SUCCESS && !c.isRam(buffer, r.bufferSize())) {
            return EfiStatus.INVALID_PARAMETER;
        }
        if (r.status() == EfiStatus.SUCCESS || r.status() == EfiStatus.BUFFER_TOO_SMALL) {
            if (r.status() == EfiStatus.SUCCESS) {
                memory.write(buffer, r.data());
            }
            memory.putU64(sizePtr, r.bufferSize());
            c.output("BufferSize=" + r.bufferSize());
        }
        return r.status();
    }

    /** {@code SetInfo(This, *InformationType, BufferSize, *Buffer)}. */
    private EfiStatus setInfo(ServiceCall c, FileHandle h) {
        Guid type = c.guidAt("InformationType", c.arg(1));
        long size = c.arg(2);
        long buffer = c.arg(3);
        c.arguments(hex(c.arg(0)), type != null ? type : ptr(c.arg(1)), Long.toUnsignedString(size), ptr(buffer));
        if (type == null || Long.compareUnsigned(size, MAX_IO) > 0 || !c.isRam(buffer, Math.max(size, 1))) {
            return EfiStatus.INVALID_PARAMETER;
        }
        return h.setInfo(type, memory.read(buffer, (int) size));
    }
}
