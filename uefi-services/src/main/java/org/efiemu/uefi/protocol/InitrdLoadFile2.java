package org.efiemu.uefi.protocol;

import static org.efiemu.uefi.boot.ServiceCall.hex;
import static org.efiemu.uefi.boot.ServiceCall.ptr;

import org.efiemu.core.memory.GuestMemory;
import org.efiemu.uefi.boot.ServiceCall;
import org.efiemu.uefi.boot.ServiceDispatcher;
import org.efiemu.uefi.devicepath.DevicePath;
import org.efiemu.uefi.devicepath.DevicePathNode;
import org.efiemu.uefi.firmware.FirmwareArena;
import org.efiemu.uefi.handle.HandleDatabase;
import org.efiemu.uefi.spec.EfiStatus;
import org.efiemu.uefi.spec.Guid;

/**
 * An initial RAM disk served the way GRUB ({@code linux}/{@code initrd} with the EFI stub) and systemd-boot hand it to
 * the Linux kernel's EFI stub: a handle carrying the device path {@code VenMedia(LINUX_EFI_INITRD_MEDIA_GUID)/End}
 * and an EFI_LOAD_FILE2_PROTOCOL (UEFI 2.10 §13.2) whose LoadFile returns the file's bytes. The stub finds the handle
 * with LocateDevicePath(EFI_LOAD_FILE2_PROTOCOL_GUID, that path), asks for the size with a NULL buffer
 * (EFI_BUFFER_TOO_SMALL and the size), allocates and calls again.
 */
public final class InitrdLoadFile2 {
    /** {@code LINUX_EFI_INITRD_MEDIA_GUID} (Linux include/linux/efi.h): the vendor media node's GUID. */
    public static final Guid LINUX_EFI_INITRD_MEDIA_GUID = Guid.parse("5568E427-68FC-4F3D-AC74-CA555231CC68");
    /** {@code EFI_LOAD_FILE2_PROTOCOL_GUID} (UEFI 2.10 §13.2). */
    public static final Guid EFI_LOAD_FILE2_PROTOCOL_GUID = Guid.parse("4006C0C1-FCB3-403E-996D-4A6C8724E06D");

    private final byte[] data;
    private final long address;
    private final long handle;

    /** The device path the kernel's EFI stub looks for. */
    public static DevicePath devicePath() {
        return DevicePath.of(DevicePath.vendor(DevicePathNode.MEDIA, LINUX_EFI_INITRD_MEDIA_GUID, new byte[0]),
                DevicePath.end());
    }

    /** Builds the protocol in {@code arena}, registers {@code InitrdLoadFile2.LoadFile} and installs the handle. */
    public InitrdLoadFile2(byte[] data, GuestMemory memory, FirmwareArena.Region arena, ServiceDispatcher dispatcher,
            HandleDatabase handles) {
        this.data = data.clone();
        address = arena.take("initrd EFI_LOAD_FILE2_PROTOCOL", 8, 8);
        memory.putU64(address, dispatcher.registerBootTime("InitrdLoadFile2.LoadFile", 5, this::loadFile));
        byte[] dp = devicePath().toBytes();
        long path = arena.take("initrd device path " + devicePath(), dp.length, 8);
        memory.write(path, dp);
        handle = handles.installProtocolInterface(0, Guid.EFI_DEVICE_PATH_PROTOCOL_GUID, path).handle();
        handles.installProtocolInterface(handle, EFI_LOAD_FILE2_PROTOCOL_GUID, address);
    }

    /** The protocol structure's guest address. */
    public long address() {
        return address;
    }

    /** The handle with the initrd device path. */
    public long handle() {
        return handle;
    }

    /**
     * {@code LoadFile(This, FilePath, BootPolicy, *BufferSize, Buffer)} (UEFI 2.10 §13.2.1): BootPolicy must be FALSE
     * for LoadFile2 and BufferSize non-NULL (else EFI_INVALID_PARAMETER); a NULL Buffer or a smaller size gets
     * EFI_BUFFER_TOO_SMALL with the file's size; else the file is copied and its size returned.
     */
    EfiStatus loadFile(ServiceCall c) {
        long self = c.arg(0);
        long filePath = c.arg(1);
        long bootPolicy = c.arg(2) & 0xFF;
        long sizePtr = c.arg(3);
        long buffer = c.arg(4);
        boolean sizeOk = c.isRam(sizePtr, 8);
        long size = sizeOk ? c.memory().u64(sizePtr) : 0;
        c.arguments(hex(self), ptr(filePath), bootPolicy != 0 ? "TRUE" : "FALSE", sizeOk ? "&" + size : ptr(sizePtr),
                ptr(buffer));
        if (self != address || filePath == 0 || bootPolicy != 0 || !sizeOk) {
            return EfiStatus.INVALID_PARAMETER;
        }
        c.memory().putU64(sizePtr, data.length);
        c.output("BufferSize=" + data.length);
        if (buffer == 0 || size < data.length) {
            return EfiStatus.BUFFER_TOO_SMALL;
        }
        if (!c.isRam(buffer, data.length)) {
            c.output("Buffer " + hex(buffer) + " is not " + data.length + " bytes of RAM");
            return EfiStatus.INVALID_PARAMETER;
        }
        c.memory().write(buffer, data);
        return EfiStatus.SUCCESS;
    }
}
