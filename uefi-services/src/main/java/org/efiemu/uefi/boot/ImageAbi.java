package org.efiemu.uefi.boot;

import org.efiemu.uefi.boot.ServiceCall.Align;

import static org.efiemu.uefi.boot.ServiceCall.hex;
import static org.efiemu.uefi.boot.ServiceCall.ptr;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.efiemu.core.engine.Engine;
import org.efiemu.core.engine.X86Reg;
import org.efiemu.core.gate.CallGate;
import org.efiemu.uefi.DevicePaths;
import org.efiemu.uefi.devicepath.DevicePath;
import org.efiemu.uefi.devicepath.DevicePathNode;
import org.efiemu.uefi.firmware.FirmwareState;
import org.efiemu.uefi.handle.DevicePathMatch;
import org.efiemu.uefi.handle.HandleDatabase;
import org.efiemu.uefi.image.LoadedImageProtocol;
import org.efiemu.uefi.spec.EfiException;
import org.efiemu.uefi.spec.EfiStatus;
import org.efiemu.uefi.spec.Guid;

/**
 * ABI adapters of the Image Services (UEFI 2.10 §7.4.1-§7.4.5) as EDK2's {@code CoreLoadImage}, {@code CoreStartImage},
 * {@code CoreExit} and {@code CoreUnloadImage}. StartImage calls the child's entry point in the guest; Exit from the
 * child unwinds the guest stack to that call (EDK2 uses a long jump) and StartImage returns the exit status and a
 * pool copy of ExitData. Exit from the image efiemu booted ends the run like a return from its entry point.
 */
public final class ImageAbi {
    private final ImageServices images;
    private final HandleDatabase handles;
    private final FirmwareState state;
    private final Engine engine;
    private final long gateBase;
    private final long systemTable;
    private final LongSupplier mainImage;
    /** Non-volatile general registers of the Microsoft x64 convention, restored when Exit unwinds (EDK2 SetJump/LongJump). */
    private static final X86Reg[] NON_VOLATILE = {X86Reg.RBX, X86Reg.RBP, X86Reg.RDI, X86Reg.RSI, X86Reg.R12,
        X86Reg.R13, X86Reg.R14, X86Reg.R15};

    /** @param mainImage the handle of the image efiemu booted */
    public ImageAbi(ImageServices images, HandleDatabase handles, FirmwareState state, Engine engine, long gateBase,
            long systemTable, LongSupplier mainImage) {
        this.images = images;
        this.handles = handles;
        this.state = state;
        this.engine = engine;
        this.gateBase = gateBase;
        this.systemTable = systemTable;
        this.mainImage = mainImage;
    }

    private boolean isImage(long handle) {
        return handle != 0 && handles.isValid(handle)
                && handles.handleProtocol(handle, Guid.EFI_LOADED_IMAGE_PROTOCOL_GUID).status() == EfiStatus.SUCCESS;
    }

    /** The text of the File Path nodes of {@code nodes} joined with {@code \}, or null when another node is there. */
    private static String filePathText(List<DevicePathNode> nodes) {
        List<String> parts = new ArrayList<>();
        for (DevicePathNode n : nodes) {
            if (n.isEnd()) {
                break;
            }
            if (n.type() != DevicePathNode.MEDIA || n.subType() != DevicePathNode.SUB_MEDIA_FILEPATH) {
                return null;
            }
            parts.add(n.pathName());
        }
        String joined = String.join("\\", parts).replaceAll("\\\\+", "\\\\");
        return joined.isEmpty() ? null : joined;
    }

    /** {@code LoadImage(BootPolicy, ParentImageHandle, *DevicePath, *SourceBuffer, SourceSize, *ImageHandle)}. */
    public EfiStatus loadImage(ServiceCall c) {
        long parent = c.arg(1);
        long pathPtr = c.arg(2);
        long source = c.arg(3);
        long size = c.arg(4);
        long out = c.arg(5);
        byte[] pathBytes = pathPtr == 0 ? null : DevicePaths.read(c.memory(), pathPtr);
        DevicePath path = pathBytes == null ? null : DevicePath.parse(pathBytes);
        c.arguments(c.arg(0) & 0xFF, ptr(parent), path != null ? path : ptr(pathPtr), ptr(source),
                Long.toUnsignedString(size), ptr(out));
        if (!c.isRam("ImageHandle", out, 8, Align.UINT64) || !isImage(parent) || (pathPtr != 0 && path == null)) {
            return EfiStatus.INVALID_PARAMETER;
        }
        if (source == 0 && path == null) {
            return EfiStatus.INVALID_PARAMETER;
        }
        long device = 0;
        int deviceBytes = 0;
        String file = null;
        if (path != null) {
            DevicePathMatch m = handles.locateDevicePath(Guid.EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID, pathBytes);
            if (m.status() == EfiStatus.SUCCESS) {
                device = m.handle();
                deviceBytes = m.consumedBytes();
                byte[] rest = java.util.Arrays.copyOfRange(pathBytes, m.consumedBytes(), pathBytes.length);
                file = filePathText(DevicePath.parse(rest).nodes());
            }
        }
        byte[] bytes;
        if (source != 0) {
            if (size == 0 || Long.compareUnsigned(size, 1L << 30) > 0 || !c.isRam(source, size)) {
                c.output("SourceBuffer is not " + Long.toUnsignedString(size) + " bytes of RAM");
                return EfiStatus.LOAD_ERROR;
            }
            bytes = c.memory().read(source, (int) size);
        } else {
            Optional<byte[]> f = file != null ? images.fileOn(device, file) : Optional.empty();
            if (f.isEmpty() && device != 0 && !images.isVolume(device) && guestPool != null) {
                // a Simple File System efiemu did not install (a guest driver's): read through its guest code
                var fs = handles.handleProtocol(device, Guid.EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID);
                if (fs.status() == EfiStatus.SUCCESS && fs.interfacePointer() != 0) {
                    byte[] rest = java.util.Arrays.copyOfRange(pathBytes, deviceBytes, pathBytes.length);
                    f = new GuestFileRead(c, guestPool, guestFree).read(fs.interfacePointer(), rest);
                }
            }
            if (f.isEmpty()) {
                c.output("no file at " + path);
                return EfiStatus.NOT_FOUND;
            }
            bytes = f.get();
        }
        String name = file != null ? file.substring(file.lastIndexOf('\\') + 1) : images.bufferName(source);
        ImageServices.Child child = images.load(bytes, name, parent, device, file != null ? file : "", path);
        c.memory().putU64(out, child.handle());
        c.output(hex(child.handle())).output(child.image().toString());
        return EfiStatus.SUCCESS;
    }

    /** {@code StartImage(ImageHandle, *ExitDataSize, **ExitData)}: runs the entry point; returns its status. */
    public EfiStatus startImage(ServiceCall c) {
        long handle = c.arg(0);
        long sizePtr = c.arg(1);
        long dataPtr = c.arg(2);
        c.arguments(ptr(handle), ptr(sizePtr), ptr(dataPtr));
        c.requireAligned("ExitDataSize", sizePtr, Align.UINT64, EfiStatus.INVALID_PARAMETER);
        c.requireAligned("ExitData", dataPtr, Align.UINT64, EfiStatus.INVALID_PARAMETER);
        Optional<ImageServices.Child> found = images.child(handle);
        if (found.isEmpty() || found.get().started) {
            return EfiStatus.INVALID_PARAMETER;
        }
        ImageServices.Child child = found.get();
        child.started = true;
        // CallGate.enterGuest's frame for a two-argument call: the entry RSP Exit unwinds to
        child.entryRsp = ((c.context().stackPointer() - 0x60) & ~0xFL) - 8;
        child.savedRegisters = new long[NON_VOLATILE.length];
        for (int i = 0; i < NON_VOLATILE.length; i++) {
            child.savedRegisters[i] = engine.reg(NON_VOLATILE[i]);
        }
        child.savedXmm = new long[10][];
        for (int i = 0; i < 10; i++) {
            child.savedXmm[i] = engine.xmm(6 + i);
        }
        long key = handles.databaseKey();
        long status = c.context().callGuest(child.image().entryPoint(), handle, systemTable);
        child.entryRsp = 0;
        boolean application = child.image().pe().subsystem() == org.efiemu.core.pe.Subsystem.EFI_APPLICATION;
        if (!application && drivers != null) {
            // EDK2 CoreStartImage: a driver's new or changed handles are connected (Recursive) before StartImage returns
            drivers.connectHandlesByKey(c, key);
        }
        if (sizePtr != 0 && c.isRam(sizePtr, 8)) {
            c.memory().putU64(sizePtr, child.exitDataSize);
        }
        if (dataPtr != 0 && c.isRam(dataPtr, 8)) {
            c.memory().putU64(dataPtr, child.exitData);
        }
        c.output(child.image().name() + " returned " + EfiStatus.nameOf(status));
        if (application) {
            images.unload(child);
            c.output("application unloaded");
        } else if (status < 0) {
            // CoreStartImage unloads an image whose entry point returned an error; a driver that returned success
            // stays resident (its pages stay EfiBootServicesCode/Data or, for a runtime driver, EfiRuntimeServices*)
            images.unload(child);
            c.output("driver returned an error: unloaded");
        } else {
            c.output("driver stays resident");
        }
        Optional<EfiStatus> known = EfiStatus.of(status);
        if (known.isPresent()) {
            return known.get();
        }
        c.returnValue(status);
        return null;
    }

    /** {@code Exit(ImageHandle, ExitStatus, ExitDataSize, *ExitData)}. */
    public EfiStatus exit(ServiceCall c) {
        long handle = c.arg(0);
        long status = c.arg(1);
        long size = c.arg(2);
        long data = c.arg(3);
        c.arguments(ptr(handle), EfiStatus.nameOf(status), Long.toUnsignedString(size), ptr(data));
        if (handle != 0 && handle == mainImage.getAsLong()) {
            state.imageReturned(status);
            c.context().stop("Exit(" + EfiStatus.nameOf(status) + ") from the booted image");
            c.returnValue(status);
            return null;
        }
        Optional<ImageServices.Child> child = images.child(handle);
        if (child.isEmpty()) {
            return EfiStatus.INVALID_PARAMETER;
        }
        ImageServices.Child ch = child.get();
        if (!ch.started) {
            images.unload(ch);
            return EfiStatus.SUCCESS;
        }
        if (ch.entryRsp == 0) {
            return EfiStatus.INVALID_PARAMETER;
        }
        if (c.memory().u64(ch.entryRsp) != gateBase + CallGate.SLOT) {
            state.violation("exit-stack-smashed", "Exit: the return address StartImage gave "
                    + ch.image().name() + " was overwritten", c.callerRip());
            c.context().stop("Exit cannot unwind");
            return EfiStatus.INVALID_PARAMETER;
        }
        images.exitData(ch, size, data);
        for (int i = 0; i < NON_VOLATILE.length; i++) {
            engine.reg(NON_VOLATILE[i], ch.savedRegisters[i]);
        }
        for (int i = 0; i < 10; i++) {
            engine.xmm(6 + i, ch.savedXmm[i][0], ch.savedXmm[i][1]);
        }
        engine.reg(X86Reg.RSP, ch.entryRsp + 8);
        engine.reg(X86Reg.RIP, gateBase + CallGate.SLOT);
        c.output("unwinds to StartImage");
        c.returnValue(status);
        return null;
    }

    /** UnloadImage of an image efiemu did not load (a captured firmware driver): its outcome, or empty. */
    public interface ForeignUnload {
        Optional<EfiStatus> unloadImage(ServiceCall c, long handle);
    }

    private ForeignUnload foreignUnload = (c, h) -> Optional.empty();
    private DriverAbi drivers;

    private java.util.function.LongUnaryOperator guestPool;
    private java.util.function.LongConsumer guestFree;

    /**
     * The pool LoadImage takes its buffers from when it reads an image through a guest's Simple File System (EDK2's
     * GetFileBufferByFilePath: the device path copy, EFI_FILE_INFO, the file), and gives them back to.
     */
    public void guestFilePool(java.util.function.LongUnaryOperator pool, java.util.function.LongConsumer free) {
        this.guestPool = pool;
        this.guestFree = free;
    }

    /**
     * Whether LoadImage may run guest code beyond notifications: some handle has a Simple File System efiemu did not
     * install (a guest file-system driver's), which LoadImage reads through.
     */
    public boolean mayReadGuestFileSystem() {
        if (guestPool == null) {
            return false;
        }
        for (long h : handles.locateHandleBuffer(org.efiemu.uefi.handle.LocateSearchType.ByProtocol,
                Guid.EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID, 0).handles()) {
            if (!images.isVolume(h)) {
                return true;
            }
        }
        return false;
    }

    /** The driver model StartImage connects a driver's new handles through (EDK2 {@code CoreConnectHandlesByKey}). */
    public void drivers(DriverAbi drivers) {
        this.drivers = drivers;
    }

    /** Answers UnloadImage for the images {@code unload} knows (a captured firmware's drivers). */
    public void foreignUnload(ForeignUnload unload) {
        this.foreignUnload = java.util.Objects.requireNonNull(unload, "unload");
    }

    /**
     * {@code UnloadImage(ImageHandle)}: a loaded, not started image is freed; a started one needs its Unload function;
     * a captured firmware driver gets the captured outcome ({@link ForeignUnload}).
     */
    public EfiStatus unloadImage(ServiceCall c) {
        long handle = c.arg(0);
        c.arguments(ptr(handle));
        Optional<ImageServices.Child> child = images.child(handle);
        if (child.isEmpty()) {
            Optional<EfiStatus> foreign = foreignUnload.unloadImage(c, handle);
            if (foreign.isPresent()) {
                return foreign.get();
            }
            return isImage(handle) ? EfiStatus.UNSUPPORTED : EfiStatus.INVALID_PARAMETER;
        }
        ImageServices.Child ch = child.get();
        if (ch.started) {
            long unload = c.memory().u64(ch.protocol + LoadedImageProtocol.UNLOAD);
            if (unload == 0) {
                return EfiStatus.UNSUPPORTED;
            }
            long s = c.context().callGuest(unload, handle);
            if (s != 0) {
                return EfiStatus.of(s).orElse(EfiStatus.UNSUPPORTED);
            }
        }
        images.unload(ch);
        return EfiStatus.SUCCESS;
    }
}
