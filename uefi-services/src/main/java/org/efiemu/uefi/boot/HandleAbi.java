package org.efiemu.uefi.boot;

import org.efiemu.uefi.boot.ServiceCall.Align;

import static org.efiemu.uefi.boot.ServiceCall.hex;
import static org.efiemu.uefi.boot.ServiceCall.ptr;

import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.LongUnaryOperator;
import org.efiemu.uefi.handle.DevicePathMatch;
import org.efiemu.uefi.handle.HandleDatabase;
import org.efiemu.uefi.handle.HandleResult;
import org.efiemu.uefi.handle.LocateResult;
import org.efiemu.uefi.handle.LocateSearchType;
import org.efiemu.uefi.handle.OpenProtocolEntry;
import org.efiemu.uefi.spec.EfiStatus;
import org.efiemu.uefi.spec.Guid;

/**
 * ABI adapters of the Protocol Handler Services that change or enumerate the handle database (UEFI 2.10 §7.3):
 * install/reinstall/uninstall (single and variadic), RegisterProtocolNotify, LocateHandle(Buffer), LocateDevicePath,
 * OpenProtocolInformation, ProtocolsPerHandle and the driver-model Connect/DisconnectController ({@link DriverAbi}). Buffers the
 * firmware returns are EfiBootServicesData pool blocks the caller frees with FreePool (EDK2 {@code AllocatePool}).
 * Protocol notify events are signalled by the database; their notification functions run in the guest
 * ({@link GuestCallbacks}).
 */
public final class HandleAbi {
    /** Pairs read from a variadic list before giving up (a list without its NULL terminator). */
    private static final int MAX_PAIRS = 64;

    private final HandleDatabase handles;
    private final GuestCallbacks callbacks;
    private final LongUnaryOperator pool;
    private final DriverAbi drivers;

    /**
     * @param pool allocates an EfiBootServicesData pool block of the given size for the caller, returns its address
     * @param drivers the driver model (ConnectController, DisconnectController)
     */
    public HandleAbi(HandleDatabase handles, GuestCallbacks callbacks, LongUnaryOperator pool, DriverAbi drivers) {
        this.handles = handles;
        this.callbacks = callbacks;
        this.pool = pool;
        this.drivers = drivers;
    }

    private static Object guid(ServiceCall c, long p) {
        return c.isRam(p, Guid.SIZE) ? Guid.fromBytes(c.memory().read(p, Guid.SIZE)) : ptr(p); // display only
    }

    /** {@code InstallProtocolInterface(*Handle, *Protocol, InterfaceType, Interface)}: only EFI_NATIVE_INTERFACE (0). */
    public EfiStatus installProtocolInterface(ServiceCall c) {
        long handlePtr = c.arg(0);
        Guid protocol = c.guidAt("Protocol", c.arg(1));
        long type = c.arg(2) & 0xFFFF_FFFFL;
        long iface = c.arg(3);
        c.arguments(ptr(handlePtr), guid(c, c.arg(1)), type == 0 ? "EFI_NATIVE_INTERFACE" : hex(type), ptr(iface));
        if (!c.isRam("Handle", handlePtr, 8, Align.UINT64) || protocol == null || type != 0) {
            return EfiStatus.INVALID_PARAMETER;
        }
        long in = c.memory().u64(handlePtr);
        HandleResult r = callbacks.within(c, () -> handles.installProtocolInterface(in, protocol, iface));
        if (r.status() == EfiStatus.SUCCESS) {
            c.memory().putU64(handlePtr, r.handle());
            c.output(hex(r.handle()));
        }
        return r.status();
    }

    /** {@code ReinstallProtocolInterface(Handle, *Protocol, OldInterface, NewInterface)}. */
    public EfiStatus reinstallProtocolInterface(ServiceCall c) {
        Guid protocol = c.guidAt("Protocol", c.arg(1));
        c.arguments(ptr(c.arg(0)), guid(c, c.arg(1)), ptr(c.arg(2)), ptr(c.arg(3)));
        if (protocol == null) {
            return EfiStatus.INVALID_PARAMETER;
        }
        HandleDatabase.DriverHooks hooks = drivers.hooks(c);
        return callbacks.within(c, () -> handles.reinstallProtocolInterface(c.arg(0), protocol, c.arg(2), c.arg(3), hooks));
    }

    /** {@code UninstallProtocolInterface(Handle, *Protocol, Interface)}. */
    public EfiStatus uninstallProtocolInterface(ServiceCall c) {
        Guid protocol = c.guidAt("Protocol", c.arg(1));
        c.arguments(ptr(c.arg(0)), guid(c, c.arg(1)), ptr(c.arg(2)));
        if (protocol == null) {
            return EfiStatus.INVALID_PARAMETER;
        }
        return handles.uninstallProtocolInterface(c.arg(0), protocol, c.arg(2), drivers.hooks(c));
    }

    /**
     * The NULL-terminated {@code (EFI_GUID *, VOID *)} pairs of a variadic call, from argument {@code first} on;
     * null when a GUID pointer is not RAM or no terminator comes within {@value #MAX_PAIRS} pairs.
     */
    private static List<Map.Entry<Guid, Long>> pairs(ServiceCall c, int first, List<Object> shown) {
        List<Map.Entry<Guid, Long>> out = new ArrayList<>();
        for (int i = first; out.size() <= MAX_PAIRS; i += 2) {
            long guidPtr = c.arg(i);
            if (guidPtr == 0) {
                shown.add("NULL");
                return out;
            }
            Guid g = c.guidAt("Protocol", guidPtr);
            long iface = c.arg(i + 1);
            shown.add(g != null ? g : hex(guidPtr));
            shown.add(ptr(iface));
            if (g == null) {
                return null;
            }
            out.add(new AbstractMap.SimpleImmutableEntry<>(g, iface));
        }
        return null;
    }

    /** {@code InstallMultipleProtocolInterfaces(*Handle, ...)}: NULL-terminated GUID/interface pairs; all or nothing. */
    public EfiStatus installMultipleProtocolInterfaces(ServiceCall c) {
        long handlePtr = c.arg(0);
        List<Object> shown = new ArrayList<>(List.of(ptr(handlePtr)));
        List<Map.Entry<Guid, Long>> pairs = pairs(c, 1, shown);
        c.arguments(shown.toArray());
        if (!c.isRam("Handle", handlePtr, 8, Align.UINT64) || pairs == null) {
            c.output(pairs == null ? "a GUID pointer is not RAM or the list has no NULL terminator" : "Handle is not RAM");
            return EfiStatus.INVALID_PARAMETER;
        }
        long in = c.memory().u64(handlePtr);
        HandleResult r = callbacks.within(c, () -> handles.installMultipleProtocolInterfaces(in, pairs));
        if (r.status() == EfiStatus.SUCCESS) {
            c.memory().putU64(handlePtr, r.handle());
            c.output(hex(r.handle()));
        }
        return r.status();
    }

    /** {@code UninstallMultipleProtocolInterfaces(Handle, ...)}. */
    public EfiStatus uninstallMultipleProtocolInterfaces(ServiceCall c) {
        long handle = c.arg(0);
        List<Object> shown = new ArrayList<>(List.of(ptr(handle)));
        List<Map.Entry<Guid, Long>> pairs = pairs(c, 1, shown);
        c.arguments(shown.toArray());
        if (pairs == null) {
            return EfiStatus.INVALID_PARAMETER;
        }
        HandleDatabase.DriverHooks hooks = drivers.hooks(c);
        return callbacks.within(c, () -> handles.uninstallMultipleProtocolInterfaces(handle, pairs, hooks));
    }

    /** {@code RegisterProtocolNotify(*Protocol, Event, **Registration)}. */
    public EfiStatus registerProtocolNotify(ServiceCall c) {
        Guid protocol = c.guidAt("Protocol", c.arg(0));
        long event = c.arg(1);
        long out = c.arg(2);
        c.arguments(guid(c, c.arg(0)), ptr(event), ptr(out));
        if (protocol == null || !c.isRam("Registration", out, 8, Align.UINT64)) {
            return EfiStatus.INVALID_PARAMETER;
        }
        HandleResult r = handles.registerProtocolNotify(protocol, event);
        if (r.status() == EfiStatus.SUCCESS) {
            c.memory().putU64(out, r.handle());
            c.output(hex(r.handle()));
        }
        return r.status();
    }

    private static String searchType(long raw) {
        LocateSearchType t = LocateSearchType.ofValue(raw);
        return t != null ? t.name() : hex(raw);
    }

    /**
     * {@code LocateHandle(SearchType, *Protocol, SearchKey, *BufferSize, *Buffer)}: {@code *BufferSize} receives the
     * needed size on EFI_SUCCESS and EFI_BUFFER_TOO_SMALL; a NULL BufferSize, or a NULL Buffer with a non-zero size,
     * is EFI_INVALID_PARAMETER (EDK2 {@code CoreLocateHandle}).
     */
    public EfiStatus locateHandle(ServiceCall c) {
        long rawType = c.arg(0) & 0xFFFF_FFFFL;
        long protoPtr = c.arg(1);
        long key = c.arg(2);
        long sizePtr = c.arg(3);
        long buffer = c.arg(4);
        boolean sizeOk = c.isRam(sizePtr, 8);
        long size = sizeOk ? c.memory().u64(sizePtr) : 0;
        c.arguments(searchType(rawType), guid(c, protoPtr), ptr(key), sizeOk ? "&" + size : ptr(sizePtr), ptr(buffer));
        c.requireAligned("BufferSize", sizePtr, Align.UINT64, EfiStatus.INVALID_PARAMETER);
        c.requireAligned("Buffer", buffer, Align.UINT64, EfiStatus.INVALID_PARAMETER);
        if (!sizeOk || (size > 0 && buffer == 0) || (protoPtr != 0 && c.guidAt("Protocol", protoPtr) == null)) {
            return EfiStatus.INVALID_PARAMETER;
        }
        LocateResult r = handles.locateHandle(LocateSearchType.ofValue(rawType), c.guidAt("Protocol", protoPtr), key, size);
        if (r.status() == EfiStatus.SUCCESS && !c.isRam(buffer, r.requiredSize())) {
            c.output("Buffer " + hex(buffer) + " is not " + r.requiredSize() + " bytes of RAM");
            return EfiStatus.INVALID_PARAMETER;
        }
        if (r.status() == EfiStatus.SUCCESS || r.status() == EfiStatus.BUFFER_TOO_SMALL) {
            c.memory().putU64(sizePtr, r.requiredSize());
            c.output("BufferSize=" + r.requiredSize());
        }
        if (r.status() == EfiStatus.SUCCESS) {
            writeHandles(c, buffer, r.handles());
        }
        return r.status();
    }

    private static void writeHandles(ServiceCall c, long buffer, List<Long> list) {
        List<String> shown = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            c.memory().putU64(buffer + 8L * i, list.get(i));
            shown.add(hex(list.get(i)));
        }
        c.output("[" + String.join(", ", shown) + "]");
    }

    /** {@code LocateHandleBuffer(SearchType, *Protocol, SearchKey, *NoHandles, **Buffer)}: the array is a pool block. */
    public EfiStatus locateHandleBuffer(ServiceCall c) {
        long rawType = c.arg(0) & 0xFFFF_FFFFL;
        long protoPtr = c.arg(1);
        long key = c.arg(2);
        long countPtr = c.arg(3);
        long bufferPtr = c.arg(4);
        c.arguments(searchType(rawType), guid(c, protoPtr), ptr(key), ptr(countPtr), ptr(bufferPtr));
        if (!c.isRam("NoHandles", countPtr, 8, Align.UINT64) || !c.isRam("Buffer", bufferPtr, 8, Align.UINT64)
                || (protoPtr != 0 && c.guidAt("Protocol", protoPtr) == null)) {
            return EfiStatus.INVALID_PARAMETER;
        }
        LocateResult r = handles.locateHandleBuffer(LocateSearchType.ofValue(rawType), c.guidAt("Protocol", protoPtr), key);
        if (r.status() != EfiStatus.SUCCESS) {
            c.memory().putU64(countPtr, 0);
            c.memory().putU64(bufferPtr, 0);
            return r.status();
        }
        long buffer = pool.applyAsLong(r.requiredSize());
        writeHandles(c, buffer, r.handles());
        c.memory().putU64(countPtr, r.handles().size());
        c.memory().putU64(bufferPtr, buffer);
        c.output("NoHandles=" + r.handles().size()).output("Buffer=" + hex(buffer));
        return EfiStatus.SUCCESS;
    }

    /**
     * {@code LocateDevicePath(*Protocol, **DevicePath, *Device)}: on success {@code *DevicePath} moves past the
     * matched prefix and {@code *Device} receives the handle.
     */
    public EfiStatus locateDevicePath(ServiceCall c) {
        Guid protocol = c.guidAt("Protocol", c.arg(0));
        long pathPtr = c.arg(1);
        long devicePtr = c.arg(2);
        c.arguments(guid(c, c.arg(0)), ptr(pathPtr), ptr(devicePtr));
        if (protocol == null || !c.isRam("DevicePath", pathPtr, 8, Align.UINT64)
                || !c.isRam("Device", devicePtr, 8, Align.UINT64)) {
            return EfiStatus.INVALID_PARAMETER;
        }
        long path = c.memory().u64(pathPtr);
        byte[] bytes = org.efiemu.uefi.DevicePaths.read(c.memory(), path);
        if (bytes == null) {
            c.output("DevicePath " + hex(path) + " is not a well-formed device path in RAM");
            return EfiStatus.INVALID_PARAMETER;
        }
        DevicePathMatch m = handles.locateDevicePath(protocol, bytes);
        if (m.status() == EfiStatus.SUCCESS) {
            c.memory().putU64(devicePtr, m.handle());
            c.memory().putU64(pathPtr, path + m.consumedBytes());
            c.output("Device=" + hex(m.handle())).output("DevicePath=" + hex(path + m.consumedBytes()));
        }
        return m.status();
    }

    /**
     * {@code OpenProtocolInformation(Handle, *Protocol, **EntryBuffer, *EntryCount)}: the entries are copied into a
     * pool block (EDK2 {@code CoreOpenProtocolInformation}, which allocates even for zero entries).
     */
    public EfiStatus openProtocolInformation(ServiceCall c) {
        long handle = c.arg(0);
        Guid protocol = c.guidAt("Protocol", c.arg(1));
        long bufferPtr = c.arg(2);
        long countPtr = c.arg(3);
        c.arguments(ptr(handle), guid(c, c.arg(1)), ptr(bufferPtr), ptr(countPtr));
        if (protocol == null || !c.isRam("EntryBuffer", bufferPtr, 8, Align.UINT64)
                || !c.isRam("EntryCount", countPtr, 8, Align.UINT64)) {
            return EfiStatus.INVALID_PARAMETER;
        }
        EfiStatus s = handles.openProtocolInformationStatus(handle, protocol);
        if (s != EfiStatus.SUCCESS) {
            return s;
        }
        List<OpenProtocolEntry> entries = handles.openProtocolInformation(handle, protocol);
        long buffer = pool.applyAsLong((long) Math.max(1, entries.size()) * OpenProtocolEntry.SIZE);
        for (int i = 0; i < entries.size(); i++) {
            OpenProtocolEntry e = entries.get(i);
            long at = buffer + (long) OpenProtocolEntry.SIZE * i;
            c.memory().putU64(at, e.agentHandle());
            c.memory().putU64(at + 8, e.controllerHandle());
            c.memory().putU32(at + 16, e.attributes() & 0xFFFF_FFFFL);
            c.memory().putU32(at + 20, e.openCount() & 0xFFFF_FFFFL);
            c.output(e.toString());
        }
        c.memory().putU64(bufferPtr, buffer);
        c.memory().putU64(countPtr, entries.size());
        c.output("EntryCount=" + entries.size());
        return EfiStatus.SUCCESS;
    }

    /** {@code ProtocolsPerHandle(Handle, ***ProtocolBuffer, *ProtocolBufferCount)}: an array of GUID pointers in pool. */
    public EfiStatus protocolsPerHandle(ServiceCall c) {
        long handle = c.arg(0);
        long bufferPtr = c.arg(1);
        long countPtr = c.arg(2);
        c.arguments(ptr(handle), ptr(bufferPtr), ptr(countPtr));
        if (!handles.isValid(handle) || !c.isRam("ProtocolBuffer", bufferPtr, 8, Align.UINT64)
                || !c.isRam("ProtocolBufferCount", countPtr, 8, Align.UINT64)) {
            return EfiStatus.INVALID_PARAMETER;
        }
        List<Guid> guids = handles.protocolsPerHandle(handle);
        // one block: the pointer array, then the GUIDs it points at (EDK2 points into its protocol entries)
        long buffer = pool.applyAsLong(8L * guids.size() + (long) Guid.SIZE * guids.size());
        long guidArea = buffer + 8L * guids.size();
        for (int i = 0; i < guids.size(); i++) {
            long g = guidArea + (long) Guid.SIZE * i;
            c.memory().write(g, guids.get(i).toBytes());
            c.memory().putU64(buffer + 8L * i, g);
            c.output(guids.get(i).toString());
        }
        c.memory().putU64(bufferPtr, buffer);
        c.memory().putU64(countPtr, guids.size());
        return EfiStatus.SUCCESS;
    }

    /** ConnectController: the driver model ({@link DriverAbi#connectController}). */
    public EfiStatus connectController(ServiceCall c) {
        return drivers.connectController(c);
    }

    /** DisconnectController: the driver model ({@link DriverAbi#disconnectController}). */
    public EfiStatus disconnectController(ServiceCall c) {
        return drivers.disconnectController(c);
    }

    /** The driver model these adapters use. */
    public DriverAbi drivers() {
        return drivers;
    }
}
