package org.efiemu.uefi.protocol;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.efiemu.core.memory.GuestMemory;
import org.efiemu.uefi.boot.LockRelease;
import org.efiemu.uefi.boot.ServiceCall;
import org.efiemu.uefi.boot.ServiceDispatcher;
import org.efiemu.uefi.devicepath.Edk2DevicePathFromText;
import org.efiemu.uefi.devicepath.Edk2DevicePathToText;
import org.efiemu.uefi.devicepath.Edk2DevicePathUtilities;
import org.efiemu.uefi.devicepath.PoolTrace;
import org.efiemu.uefi.firmware.FirmwareArena;
import org.efiemu.uefi.firmware.FirmwareState;
import org.efiemu.uefi.spec.EfiStatus;

/**
 * ABI adapters of the three device path protocols OVMF's DevicePathDxe installs on one handle (UEFI 2.10 §10.5,
 * §10.6): EFI_DEVICE_PATH_UTILITIES_PROTOCOL (8 functions), EFI_DEVICE_PATH_TO_TEXT_PROTOCOL (2) and
 * EFI_DEVICE_PATH_FROM_TEXT_PROTOCOL (2), over the pure models {@link Edk2DevicePathUtilities},
 * {@link Edk2DevicePathToText} and {@link Edk2DevicePathFromText}. Their functions take no {@code This} and return
 * pointers, sizes or BOOLEANs, not statuses. Returned paths and strings are EfiBootServicesData pool the caller frees,
 * allocated (and the temporary buffers allocated and freed) in EDK2's order so the pool ends as OVMF's does.
 *
 * <p>Guest pointers: a NULL path gives what EDK2 gives for NULL; a path that cannot be read whole from RAM (a node
 * Length below 4, a node or the End node outside RAM, more than 64 KiB) is treated as EDK2 treats an invalid path
 * (size 0, NULL) — for the to-text functions, where EDK2 would loop or read arbitrary memory, NULL is returned and the
 * trace says why. A node EDK2 converts and efiemu does not model is recorded as an unimplemented call.
 */
public final class DevicePathProtocols {

    /** The pool the returned buffers come from (EfiBootServicesData, as EDK2's UefiMemoryAllocationLib). */
    public interface Pool {
        long allocate(long bytes);

        void free(long address);
    }

    /** EFI_DEVICE_PATH_FROM_TEXT_PROTOCOL_GUID (UEFI 2.10 §10.6.3). */
    public static final org.efiemu.uefi.spec.Guid FROM_TEXT_GUID = org.efiemu.uefi.spec.Guid.parse(
            "05C99A21-C70F-4AD2-8A5F-35DF3343F51E");

    private static final int MAX_PATH = 0x10000;

    private final GuestMemory memory;
    private final FirmwareState state;
    private final Pool pool;
    private final long utilities;
    private final long toText;
    private final long fromText;

    public DevicePathProtocols(ServiceDispatcher dispatcher, FirmwareState state, FirmwareArena.Region region,
            GuestMemory memory, Pool pool) {
        this.memory = memory;
        this.state = state;
        this.pool = pool;
        LockRelease lock = LockRelease.ALWAYS; // the pool lock, when a call allocates (set per call)
        utilities = table(region, "EFI_DEVICE_PATH_UTILITIES_PROTOCOL",
                dispatcher.registerBootTime("DevicePathUtilities.GetDevicePathSize", 1, this::getDevicePathSize, lock),
                dispatcher.registerBootTime("DevicePathUtilities.DuplicateDevicePath", 1, this::duplicate, lock),
                dispatcher.registerBootTime("DevicePathUtilities.AppendDevicePath", 2, this::append, lock),
                dispatcher.registerBootTime("DevicePathUtilities.AppendDeviceNode", 2, this::appendNode, lock),
                dispatcher.registerBootTime("DevicePathUtilities.AppendDevicePathInstance", 2, this::appendInstance, lock),
                dispatcher.registerBootTime("DevicePathUtilities.GetNextDevicePathInstance", 2, this::nextInstance, lock),
                dispatcher.registerBootTime("DevicePathUtilities.IsDevicePathMultiInstance", 1, this::multiInstance, lock),
                dispatcher.registerBootTime("DevicePathUtilities.CreateDeviceNode", 3, this::createNode, lock));
        toText = table(region, "EFI_DEVICE_PATH_TO_TEXT_PROTOCOL",
                dispatcher.registerBootTime("DevicePathToText.ConvertDeviceNodeToText", 3, this::nodeToText, lock),
                dispatcher.registerBootTime("DevicePathToText.ConvertDevicePathToText", 3, this::pathToText, lock));
        fromText = table(region, "EFI_DEVICE_PATH_FROM_TEXT_PROTOCOL",
                dispatcher.registerBootTime("DevicePathFromText.ConvertTextToDeviceNode", 1, this::textToNode, lock),
                dispatcher.registerBootTime("DevicePathFromText.ConvertTextToDevicePath", 1, this::textToPath, lock));
    }

    private long table(FirmwareArena.Region region, String name, long... functions) {
        long at = region.take(name, 8L * functions.length, 16);
        for (int i = 0; i < functions.length; i++) {
            memory.putU64(at + 8L * i, functions[i]);
        }
        return at;
    }

    public long utilitiesInterface() {
        return utilities;
    }

    public long toTextInterface() {
        return toText;
    }

    public long fromTextInterface() {
        return fromText;
    }

    // ---- guest reads ----

    /** The path at {@code p}: null for NULL, {@link Edk2DevicePathUtilities#INVALID} when it cannot be read whole. */
    byte[] path(long p) {
        if (p == 0) {
            return null;
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        long at = p;
        while (out.size() <= MAX_PATH) {
            if (!memory.isRam(at, 4)) {
                return Edk2DevicePathUtilities.INVALID;
            }
            int type = memory.u8(at);
            int sub = memory.u8(at + 1);
            int len = memory.u16(at + 2);
            if (type == 0x7F && sub == 0xFF) {
                out.writeBytes(memory.read(at, 4)); // the End node's Length is checked by the model
                byte[] b = out.toByteArray();
                b[b.length - 2] = (byte) len;
                b[b.length - 1] = (byte) (len >>> 8);
                return b;
            }
            if (len < 4 || !memory.isRam(at, len)) {
                return Edk2DevicePathUtilities.INVALID;
            }
            out.writeBytes(memory.read(at, len));
            at += len;
        }
        return Edk2DevicePathUtilities.INVALID;
    }

    /** One node at {@code p} (its Length bytes, at least its header); null for NULL or unreadable. */
    private byte[] node(long p) {
        if (p == 0 || !memory.isRam(p, 4)) {
            return null;
        }
        int len = Math.max(4, memory.u16(p + 2));
        return memory.isRam(p, len) ? memory.read(p, len) : null;
    }

    // ---- results into guest pool ----

    /** Replays the pool steps; returns the address of {@code buffer} (0 for -1) after writing {@code content}. */
    private long replay(ServiceCall c, PoolTrace trace, int buffer, byte[] content) {
        Map<Integer, Long> at = new HashMap<>();
        for (PoolTrace.Op op : trace.ops()) {
            if (op.alloc()) {
                long a = pool.allocate(op.size());
                if (op.zero() && a != 0) {
                    memory.write(a, new byte[(int) op.size()]);
                }
                at.put(op.id(), a);
            } else {
                pool.free(at.get(op.id()));
            }
        }
        c.lockTaken(!trace.ops().isEmpty());
        if (buffer < 0) {
            return 0;
        }
        long a = at.get(buffer);
        if (content != null) {
            memory.write(a, content);
        }
        return a;
    }

    private EfiStatus value(ServiceCall c, long v, String shown) {
        c.output(shown);
        c.returnValue(v);
        return null;
    }

    private static String hexPath(byte[] b) {
        return b == null ? "NULL" : b == Edk2DevicePathUtilities.INVALID ? "invalid" : java.util.HexFormat.of().formatHex(b);
    }

    // ---- EFI_DEVICE_PATH_TO_TEXT_PROTOCOL ----

    private EfiStatus nodeToText(ServiceCall c) {
        boolean display = (c.arg(1) & 0xFF) != 0;
        boolean shortcuts = (c.arg(2) & 0xFF) != 0;
        c.arguments(ServiceCall.ptr(c.arg(0)), display ? "TRUE" : "FALSE", shortcuts ? "TRUE" : "FALSE");
        byte[] n = node(c.arg(0));
        if (n == null) {
            return value(c, 0, c.arg(0) == 0 ? "NULL" : "NULL (DeviceNode not readable)");
        }
        Edk2DevicePathToText.Result r = Edk2DevicePathToText.node(n, display, shortcuts);
        return text(c, r);
    }

    private EfiStatus pathToText(ServiceCall c) {
        boolean display = (c.arg(1) & 0xFF) != 0;
        boolean shortcuts = (c.arg(2) & 0xFF) != 0;
        c.arguments(ServiceCall.ptr(c.arg(0)), display ? "TRUE" : "FALSE", shortcuts ? "TRUE" : "FALSE");
        byte[] p = path(c.arg(0));
        if (p == null) {
            return value(c, 0, "NULL");
        }
        if (p == Edk2DevicePathUtilities.INVALID) {
            return value(c, 0, "NULL (DevicePath is not a readable device path: a node Length below 4 or outside RAM;"
                    + " EDK2 would loop or read past it)");
        }
        return text(c, Edk2DevicePathToText.path(p, display, shortcuts));
    }

    private EfiStatus text(ServiceCall c, Edk2DevicePathToText.Result r) {
        for (String note : r.notes()) {
            state.unimplemented(c.service() + ": " + note, c.callerRip());
            c.output(note);
        }
        byte[] content = null;
        if (r.buffer() >= 0) {
            content = new byte[(int) r.capacity()];
            byte[] t = r.text().getBytes(StandardCharsets.UTF_16LE);
            System.arraycopy(t, 0, content, 0, Math.min(t.length, content.length - 2));
        }
        long a = replay(c, r.pool(), r.buffer(), content);
        return value(c, a, a == 0 ? "NULL" : "\"" + r.text() + "\" at " + ServiceCall.hex(a));
    }

    // ---- EFI_DEVICE_PATH_FROM_TEXT_PROTOCOL ----

    private EfiStatus textToNode(ServiceCall c) {
        return fromText(c, true);
    }

    private EfiStatus textToPath(ServiceCall c) {
        return fromText(c, false);
    }

    private EfiStatus fromText(ServiceCall c, boolean node) {
        String text = c.arg(0) == 0 ? null : c.char16At("Text", c.arg(0), MAX_PATH);
        c.arguments(text == null ? ServiceCall.ptr(c.arg(0)) : "\"" + text + "\"");
        if (text == null) {
            return value(c, 0, c.arg(0) == 0 ? "NULL" : "NULL (the text is not a readable CHAR16 string)");
        }
        Edk2DevicePathFromText.Result r;
        try {
            r = node ? Edk2DevicePathFromText.node(text) : Edk2DevicePathFromText.path(text);
        } catch (Edk2DevicePathFromText.NotModelled e) {
            state.unimplemented(c.service() + ": " + e.getMessage(), c.callerRip());
            return value(c, 0, "NULL (" + e.getMessage() + ")");
        }
        long a = replay(c, r.pool(), r.buffer(), r.bytes());
        return value(c, a, a == 0 ? "NULL" : hexPath(r.bytes()) + " at " + ServiceCall.hex(a));
    }

    // ---- EFI_DEVICE_PATH_UTILITIES_PROTOCOL ----

    private EfiStatus getDevicePathSize(ServiceCall c) {
        c.arguments(ServiceCall.ptr(c.arg(0)));
        long size = Edk2DevicePathUtilities.size(path(c.arg(0)));
        return value(c, size, Long.toString(size));
    }

    private EfiStatus returned(ServiceCall c, Edk2DevicePathUtilities.Result r) {
        long a = replay(c, r.pool(), r.buffer(), r.bytes());
        return value(c, a, a == 0 ? "NULL" : hexPath(r.bytes()) + " at " + ServiceCall.hex(a));
    }

    private EfiStatus duplicate(ServiceCall c) {
        c.arguments(ServiceCall.ptr(c.arg(0)));
        return returned(c, Edk2DevicePathUtilities.duplicate(path(c.arg(0))));
    }

    private EfiStatus append(ServiceCall c) {
        c.arguments(ServiceCall.ptr(c.arg(0)), ServiceCall.ptr(c.arg(1)));
        return returned(c, Edk2DevicePathUtilities.append(path(c.arg(0)), path(c.arg(1))));
    }

    private EfiStatus appendNode(ServiceCall c) {
        c.arguments(ServiceCall.ptr(c.arg(0)), ServiceCall.ptr(c.arg(1)));
        byte[] n = c.arg(1) == 0 ? null : node(c.arg(1));
        if (c.arg(1) != 0 && n == null) {
            return value(c, 0, "NULL (DeviceNode not readable)");
        }
        return returned(c, Edk2DevicePathUtilities.appendNode(path(c.arg(0)), n));
    }

    private EfiStatus appendInstance(ServiceCall c) {
        c.arguments(ServiceCall.ptr(c.arg(0)), ServiceCall.ptr(c.arg(1)));
        return returned(c, Edk2DevicePathUtilities.appendInstance(path(c.arg(0)), path(c.arg(1))));
    }

    private EfiStatus nextInstance(ServiceCall c) {
        long pp = c.arg(0);
        long sizePtr = c.arg(1);
        c.arguments(ServiceCall.ptr(pp), ServiceCall.ptr(sizePtr));
        if (sizePtr == 0 || !memory.isRam(sizePtr, 8)) {
            return value(c, 0, "NULL (Size is NULL or not RAM; EDK2 ASSERTs)");
        }
        if (pp != 0 && !memory.isRam(pp, 8)) {
            return value(c, 0, "NULL (DevicePath is not RAM)");
        }
        if (pp == 0 || memory.u64(pp) == 0) {
            memory.putU64(sizePtr, 0);
            return value(c, 0, "NULL, *Size=0");
        }
        long start = memory.u64(pp);
        byte[] p = path(start);
        if (!Edk2DevicePathUtilities.valid(p)) {
            return value(c, 0, "NULL (invalid device path)");
        }
        Edk2DevicePathUtilities.Instance i = Edk2DevicePathUtilities.nextInstance(p);
        long a = replay(c, i.copy().pool(), i.copy().buffer(), i.copy().bytes());
        memory.putU64(sizePtr, i.size());
        memory.putU64(pp, i.next() < 0 ? 0 : start + i.next());
        c.output("*Size=" + i.size() + " *DevicePath=" + ServiceCall.ptr(i.next() < 0 ? 0 : start + i.next()));
        return value(c, a, hexPath(i.copy().bytes()) + " at " + ServiceCall.hex(a));
    }

    private EfiStatus multiInstance(ServiceCall c) {
        c.arguments(ServiceCall.ptr(c.arg(0)));
        boolean multi = Edk2DevicePathUtilities.multiInstance(path(c.arg(0)));
        return value(c, multi ? 1 : 0, multi ? "TRUE" : "FALSE");
    }

    private EfiStatus createNode(ServiceCall c) {
        int type = (int) (c.arg(0) & 0xFF);
        int sub = (int) (c.arg(1) & 0xFF);
        int len = (int) (c.arg(2) & 0xFFFF);
        c.arguments(ServiceCall.hex(type), ServiceCall.hex(sub), Integer.toString(len));
        return returned(c, Edk2DevicePathUtilities.createNode(type, sub, len));
    }
}
