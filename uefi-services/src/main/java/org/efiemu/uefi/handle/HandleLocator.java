package org.efiemu.uefi.handle;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.efiemu.uefi.handle.ProtocolStore.Handle;
import org.efiemu.uefi.handle.ProtocolStore.ProtocolEntry;
import org.efiemu.uefi.handle.ProtocolStore.ProtocolInterface;
import org.efiemu.uefi.handle.ProtocolStore.ProtocolNotify;
import org.efiemu.uefi.spec.EfiStatus;
import org.efiemu.uefi.spec.Guid;

/**
 * The search services of the handle database, as EDK2's {@code MdeModulePkg/Core/Dxe/Hand/Locate.c}.
 */
final class HandleLocator {

    /** {@code sizeof (EFI_HANDLE)} on x64. */
    static final int HANDLE_SIZE = 8;
    /** {@code END_DEVICE_PATH_TYPE}; sub-types 0xFF (entire) and 0x01 (instance). */
    private static final int END_TYPE = 0x7F;

    private final ProtocolStore store;
    private final DevicePathReader devicePaths;

    HandleLocator(ProtocolStore store, DevicePathReader devicePaths) {
        this.store = store;
        this.devicePaths = devicePaths;
    }

    /**
     * {@code LocateHandle()} (§7.3.7; EDK2 {@code CoreLocateHandle}). {@code ByRegisterNotify} yields at most the
     * one next interface installed since the registration's last report, and moves the registration on only when
     * that handle was returned. {@code EFI_NOT_FOUND} when nothing matches, {@code EFI_BUFFER_TOO_SMALL} with the
     * needed size when {@code bufferSize} is too small, {@code EFI_INVALID_PARAMETER} for a null protocol
     * (ByProtocol), an unknown key (ByRegisterNotify) or an unknown search type (null).
     */
    LocateResult locateHandle(LocateSearchType type, Guid protocol, long searchKey, long bufferSize) {
        List<Long> matches = new ArrayList<>();
        ProtocolNotify notify = null;
        if (type == null) {
            return new LocateResult(EfiStatus.INVALID_PARAMETER, List.of(), bufferSize);
        }
        switch (type) {
            case AllHandles -> matches.addAll(store.handles.keySet());
            case ByRegisterNotify -> {
                notify = store.registrations.get(searchKey);
                if (notify == null) {
                    return new LocateResult(EfiStatus.INVALID_PARAMETER, List.of(), bufferSize);
                }
                ProtocolInterface next = notify.entry.after(notify.position);
                if (next != null) {
                    matches.add(next.handle.value);
                }
            }
            case ByProtocol -> {
                if (protocol == null) {
                    return new LocateResult(EfiStatus.INVALID_PARAMETER, List.of(), bufferSize);
                }
                ProtocolEntry entry = store.entry(protocol, false);
                if (entry == null) {
                    return new LocateResult(EfiStatus.NOT_FOUND, List.of(), bufferSize);
                }
                Set<Long> unique = new LinkedHashSet<>();
                entry.interfaces.forEach(p -> unique.add(p.handle.value));
                matches.addAll(unique);
            }
            default -> throw new IllegalStateException("unhandled " + type);
        }
        long required = (long) matches.size() * HANDLE_SIZE;
        if (required == 0) {
            return new LocateResult(EfiStatus.NOT_FOUND, List.of(), bufferSize);
        }
        int fitting = (int) Math.min(matches.size(), Math.max(0, bufferSize) / HANDLE_SIZE);
        if (Long.compareUnsigned(required, bufferSize) > 0) {
            return new LocateResult(EfiStatus.BUFFER_TOO_SMALL, matches.subList(0, fitting), required);
        }
        if (notify != null) {
            notify.position = notify.entry.after(notify.position);
        }
        return new LocateResult(EfiStatus.SUCCESS, matches, required);
    }

    /**
     * {@code LocateHandleBuffer()} (§7.3.15; EDK2 {@code CoreLocateHandleBuffer}): every matching handle; any
     * error other than {@code EFI_INVALID_PARAMETER} becomes {@code EFI_NOT_FOUND}.
     */
    LocateResult locateHandleBuffer(LocateSearchType type, Guid protocol, long searchKey) {
        LocateResult probe = locateHandle(type, protocol, searchKey, 0);
        if (probe.status() != EfiStatus.BUFFER_TOO_SMALL) {
            EfiStatus s = probe.status() == EfiStatus.INVALID_PARAMETER ? probe.status() : EfiStatus.NOT_FOUND;
            return new LocateResult(s, List.of(), 0);
        }
        return locateHandle(type, protocol, searchKey, probe.requiredSize());
    }

    /**
     * {@code LocateProtocol()} (§7.3.16; EDK2 {@code CoreLocateProtocol}): the first interface of the protocol, or
     * with a registration the next one installed since its last report (advancing it). {@code EFI_NOT_FOUND} and
     * a NULL interface otherwise.
     */
    InterfaceResult locateProtocol(Guid protocol, long registration) {
        if (protocol == null) {
            return new InterfaceResult(EfiStatus.INVALID_PARAMETER, 0, false);
        }
        ProtocolInterface found;
        if (registration == 0) {
            ProtocolEntry entry = store.entry(protocol, false);
            found = entry == null ? null : entry.after(null);
        } else {
            ProtocolNotify n = store.registrations.get(registration);
            if (n == null) {
                return new InterfaceResult(EfiStatus.INVALID_PARAMETER, 0, true);
            }
            found = n.entry.after(n.position);
            if (found != null) {
                n.position = found;
            }
        }
        return found == null ? new InterfaceResult(EfiStatus.NOT_FOUND, 0, true)
                : new InterfaceResult(EfiStatus.SUCCESS, found.pointer, true);
    }

    /**
     * {@code LocateDevicePath()} (§7.3.8; EDK2 {@code CoreLocateDevicePath}): among handles with {@code protocol},
     * the one whose device path (without its End node) is the longest byte prefix of the first instance of
     * {@code devicePath}. {@code EFI_NOT_FOUND} when none matches.
     */
    DevicePathMatch locateDevicePath(Guid protocol, byte[] devicePath) {
        if (protocol == null || devicePath == null) {
            return new DevicePathMatch(EfiStatus.INVALID_PARAMETER, 0, 0);
        }
        int sourceSize = firstInstanceSize(devicePath);
        ProtocolEntry entry = store.entry(protocol, false);
        if (entry == null) {
            return new DevicePathMatch(EfiStatus.NOT_FOUND, 0, 0);
        }
        int best = -1;
        long bestHandle = 0;
        for (ProtocolInterface p : entry.interfaces) {
            byte[] own = devicePathOf(p.handle);
            if (own == null) {
                continue;
            }
            int size = pathSize(own) - 4;
            if (size >= 0 && size <= sourceSize && size > best
                    && Arrays.equals(devicePath, 0, size, own, 0, size)) {
                best = size;
                bestHandle = p.handle.value;
            }
        }
        return best < 0 ? new DevicePathMatch(EfiStatus.NOT_FOUND, 0, 0)
                : new DevicePathMatch(EfiStatus.SUCCESS, bestHandle, best);
    }

    /** True when some handle carries exactly this device path (InstallMultipleProtocolInterfaces' check). */
    boolean isInstalledDevicePath(long interfacePointer) {
        byte[] path = devicePaths.read(interfacePointer);
        if (path == null) {
            return false;
        }
        DevicePathMatch m = locateDevicePath(Guid.EFI_DEVICE_PATH_PROTOCOL_GUID, path);
        return m.status() == EfiStatus.SUCCESS && isEndNode(path, m.consumedBytes());
    }

    private byte[] devicePathOf(Handle h) {
        ProtocolInterface dp = h.find(Guid.EFI_DEVICE_PATH_PROTOCOL_GUID);
        return dp == null || dp.pointer == 0 ? null : devicePaths.read(dp.pointer);
    }

    /** Bytes before the first End node (either sub-type), bounded by the array. */
    private static int firstInstanceSize(byte[] path) {
        int off = 0;
        while (off + 4 <= path.length && (path[off] & 0x7F) != END_TYPE) {
            int len = (path[off + 2] & 0xFF) | (path[off + 3] & 0xFF) << 8;
            if (len < 4) {
                break;
            }
            off += len;
        }
        return Math.min(off, path.length);
    }

    /** {@code GetDevicePathSize()}: bytes up to and including the End-Entire node. */
    private static int pathSize(byte[] path) {
        int off = 0;
        while (off + 4 <= path.length) {
            int len = (path[off + 2] & 0xFF) | (path[off + 3] & 0xFF) << 8;
            if ((path[off] & 0x7F) == END_TYPE && (path[off + 1] & 0xFF) == 0xFF) {
                return off + 4;
            }
            if (len < 4) {
                break;
            }
            off += len;
        }
        return path.length;
    }

    private static boolean isEndNode(byte[] path, int off) {
        return off + 4 <= path.length && (path[off] & 0x7F) == END_TYPE && (path[off + 1] & 0xFF) == 0xFF;
    }
}
