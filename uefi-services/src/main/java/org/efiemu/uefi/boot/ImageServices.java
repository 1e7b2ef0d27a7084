package org.efiemu.uefi.boot;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongConsumer;
import java.util.function.LongUnaryOperator;
import org.efiemu.core.memory.GuestMemory;
import org.efiemu.core.pe.PeFormatException;
import org.efiemu.core.pe.PeImage;
import org.efiemu.core.pe.PeParser;
import org.efiemu.uefi.devicepath.DevicePath;
import org.efiemu.uefi.firmware.FirmwareArena;
import org.efiemu.uefi.fs.EspVolume;
import org.efiemu.uefi.handle.HandleDatabase;
import org.efiemu.uefi.handle.HandleResult;
import org.efiemu.uefi.image.ImageLoader;
import org.efiemu.uefi.image.ImageRegistry;
import org.efiemu.uefi.image.LoadedImage;
import org.efiemu.uefi.image.LoadedImageProtocol;
import org.efiemu.uefi.memory.MemoryMap;
import org.efiemu.uefi.spec.EfiException;
import org.efiemu.uefi.spec.EfiStatus;
import org.efiemu.uefi.spec.Guid;

/**
 * The typed image operations behind LoadImage/StartImage/Exit/UnloadImage (UEFI 2.10 §7.4; EDK2
 * {@code MdeModulePkg/Core/Dxe/Image/Image.c}): child images are placed by {@link ImageLoader} (EDK2's
 * {@code CoreLoadPeImage} policy), get an {@code EFI_LOADED_IMAGE_PROTOCOL} and an
 * {@code EFI_LOADED_IMAGE_DEVICE_PATH_PROTOCOL} on a new handle, and are unloaded (pages freed, protocols removed)
 * by UnloadImage or after an application's StartImage returns.
 */
public final class ImageServices {
    private org.efiemu.uefi.image.DebugImageInfoTable debugImages;
    /** A loaded child image and its state. */
    public static final class Child {
        final LoadedImage image;
        final long handle;
        final long protocol;
        final long devicePath;
        boolean started;
        /** Guest RSP at the child's entry point while it runs (Exit unwinds to it). */
        long entryRsp;
        long exitDataSize;
        long exitData;
        /** The caller's non-volatile registers at StartImage (MS x64: RBX, RBP, RDI, RSI, R12-R15, XMM6-XMM15). */
        long[] savedRegisters;
        long[][] savedXmm;

        Child(LoadedImage image, long handle, long protocol, long devicePath) {
            this.image = image;
            this.handle = handle;
            this.protocol = protocol;
            this.devicePath = devicePath;
        }

        public LoadedImage image() {
            return image;
        }

        public long handle() {
            return handle;
        }
    }

    private final GuestMemory memory;
    private final MemoryMap map;
    private final HandleDatabase handles;
    private final ImageRegistry registry;
    private final FirmwareArena.Region bootData;
    private final long systemTable;
    private final LongConsumer declareCode;
    private final LongUnaryOperator pool;
    private final Map<Long, Child> children = new HashMap<>();
    private EspVolume esp;
    private final Map<Long, EspVolume> volumes = new HashMap<>();
    private long espHandle;
    private DevicePath espPath;

    /**
     * @param declareCode told the base of each loaded image (the machine scans it for RDTSC)
     * @param pool allocates EfiBootServicesData pool for ExitData copies
     */
    public ImageServices(GuestMemory memory, MemoryMap map, HandleDatabase handles, ImageRegistry registry,
            FirmwareArena.Region bootData, long systemTable, LongConsumer declareCode, LongUnaryOperator pool) {
        this.memory = memory;
        this.map = map;
        this.handles = handles;
        this.registry = registry;
        this.bootData = bootData;
        this.systemTable = systemTable;
        this.declareCode = declareCode;
        this.pool = pool;
    }

    /** The ESP LoadImage reads device-path sources from: its volume, its handle and its device path. */
    public void esp(EspVolume volume, long handle, DevicePath path) {
        this.esp = volume;
        this.espHandle = handle;
        this.espPath = path;
        volumes.put(handle, volume);
    }

    /** A file system LoadImage may read device-path sources from (a FAT partition of a disk), on {@code handle}. */
    public void volume(long handle, EspVolume volume) {
        volumes.put(handle, volume);
    }

    /**
     * The file system of handle {@code from} is now on handle {@code to}: a driver's Stop destroyed the partition handle
     * and a later ConnectController made it again (UEFI 2.10 §7.3.12-13; EDK2 PartitionDxe and the FAT driver).
     */
    public void moveVolume(long from, long to) {
        EspVolume v = volumes.remove(from);
        if (v != null) {
            volumes.put(to, v);
        }
        if (espHandle == from) {
            espHandle = to;
        }
    }

    /** Whether {@code handle} holds a file system efiemu installed (the ESP or a FAT partition of a disk). */
    public boolean isVolume(long handle) {
        return volumes.containsKey(handle);
    }

    /** The bytes of file {@code path} on the volume of {@code handle} (the ESP or a disk partition), or empty. */
    public Optional<byte[]> fileOn(long handle, String path) {
        EspVolume v = volumes.get(handle);
        return v == null ? Optional.empty() : fileOn(v, path);
    }

    /** The bytes of file {@code path} on {@code volume}, or empty when there is none. */
    public static Optional<byte[]> fileOn(EspVolume volume, String path) {
        org.efiemu.uefi.fs.OpenResult root = volume.openVolume();
        org.efiemu.uefi.fs.OpenResult f = root.handle().open(path, org.efiemu.uefi.fs.FileModes.MODE_READ, 0);
        root.handle().close();
        if (f.status() != EfiStatus.SUCCESS || f.handle().isDirectory()) {
            return Optional.empty();
        }
        org.efiemu.uefi.fs.BufferResult r = f.handle().read(Long.MAX_VALUE);
        f.handle().close();
        return r.status() == EfiStatus.SUCCESS ? Optional.of(r.data()) : Optional.empty();
    }

    public long espHandle() {
        return espHandle;
    }

    /** The bytes of the file at ESP path {@code path} (e.g. {@code \EFI\BOOT\GRUBX64.EFI}), or empty. */
    public Optional<byte[]> espFile(String path) {
        return esp == null ? Optional.empty() : fileOn(esp, path);
    }

    /** The device path of ESP file {@code path}: the volume's path followed by a File Path node. */
    public DevicePath espFilePath(String path) {
        return espPath.append(DevicePath.of(DevicePath.filePath(path), DevicePath.end()));
    }

    /**
     * Loads {@code bytes} as a child of {@code parent}.
     *
     * @throws EfiException EFI_LOAD_ERROR for a file that is not a loadable PE32+ image, EFI_OUT_OF_RESOURCES when
     *                      it cannot be placed
     */
    /** The debug image info table every image this service loads is added to (and removed from when unloaded). */
    public void debugImages(org.efiemu.uefi.image.DebugImageInfoTable table) {
        this.debugImages = table;
    }

    /**
     * The name of an image LoadImage reads from a SourceBuffer without a file path: where the buffer lies in an image
     * already loaded, that image's name and the section ({@code uki.efi[.linux]}: a Unified Kernel Image's kernel, as
     * systemd-stub starts it), with the offset when the buffer does not start the section; else {@code image@0xSOURCE}.
     * So call sites of the child read {@code uki.efi[.linux]+0x1A2B}, not a pool address.
     */
    public String bufferName(long source) {
        Optional<LoadedImage> holder = registry.imageAt(source);
        if (holder.isEmpty()) {
            return String.format("image@0x%X", source);
        }
        LoadedImage h = holder.get();
        long rva = source - h.base();
        return h.pe().sections().stream()
                .filter(s -> rva >= s.virtualAddress() && rva < s.virtualAddress() + Math.max(s.virtualSize(),
                        s.sizeOfRawData()))
                .findFirst()
                .map(s -> h.name() + "[" + s.name() + (rva == s.virtualAddress() ? "" : String.format("+0x%X",
                        rva - s.virtualAddress())) + "]")
                .orElse(String.format("%s[+0x%X]", h.name(), rva));
    }

    public Child load(byte[] bytes, String name, long parent, long deviceHandle, String filePath, DevicePath fullPath) {
        PeImage pe;
        try {
            pe = PeParser.parse(bytes, name);
        } catch (PeFormatException e) {
            throw new EfiException(EfiStatus.LOAD_ERROR, name + ": " + e.getMessage());
        }
        LoadedImage image;
        try {
            image = ImageLoader.load(pe, map, memory, -1);
        } catch (IllegalArgumentException e) {
            throw new EfiException(EfiStatus.OUT_OF_RESOURCES, e.getMessage());
        }
        registry.add(image);
        declareCode.accept(image.base());
        long protocol = LoadedImageProtocol.write(memory, bootData, image, systemTable, parent, deviceHandle, filePath, "");
        if (filePath.isEmpty()) {
            // loaded from a buffer without a device path: EDK2 leaves FilePath NULL
            memory.putU64(protocol + LoadedImageProtocol.FILE_PATH, 0);
        }
        HandleResult h = handles.installProtocolInterface(0, Guid.EFI_LOADED_IMAGE_PROTOCOL_GUID, protocol);
        long dp = 0;
        if (fullPath != null) {
            byte[] b = fullPath.toBytes();
            dp = bootData.take("LoadedImageDevicePath of " + name, b.length, 8);
            memory.write(dp, b);
            handles.installProtocolInterface(h.handle(), Guid.EFI_LOADED_IMAGE_DEVICE_PATH_PROTOCOL_GUID, dp);
        }
        Child c = new Child(image, h.handle(), protocol, dp);
        children.put(h.handle(), c);
        if (debugImages != null) {
            debugImages.add(protocol, h.handle());
        }
        return c;
    }

    /** The loaded child on {@code handle}, if it is one. */
    public Optional<Child> child(long handle) {
        return Optional.ofNullable(children.get(handle));
    }

    /** The innermost started child still running, if any (the one Exit would end). */
    Optional<Child> running(long handle) {
        Child c = children.get(handle);
        return c != null && c.started && c.entryRsp != 0 ? Optional.of(c) : Optional.empty();
    }

    /** Copies Exit's ExitData into pool (EDK2 {@code CoreExit}). */
    void exitData(Child c, long size, long data) {
        if (size > 0 && data != 0 && memory.isRam(data, size)) {
            long copy = pool.applyAsLong(size);
            memory.write(copy, memory.read(data, (int) Math.min(size, 1 << 20)));
            c.exitDataSize = size;
            c.exitData = copy;
        }
    }

    /** Frees the child's pages and removes its protocols and handle (EDK2 {@code CoreUnloadAndCloseImage}). */
    public void unload(Child c) {
        children.remove(c.handle);
        // CoreUnloadAndCloseImage: every open entry whose agent is the image handle is closed
        handles.closeOpensByAgent(c.handle);
        if (debugImages != null) {
            debugImages.remove(c.handle);
        }
        handles.uninstallProtocolInterface(c.handle, Guid.EFI_LOADED_IMAGE_PROTOCOL_GUID, c.protocol);
        if (c.devicePath != 0) {
            handles.uninstallProtocolInterface(c.handle, Guid.EFI_LOADED_IMAGE_DEVICE_PATH_PROTOCOL_GUID, c.devicePath);
        }
        map.freePages(c.image.base() & -4096L, c.image.pages());
    }
}
