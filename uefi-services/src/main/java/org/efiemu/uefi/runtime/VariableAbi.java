package org.efiemu.uefi.runtime;

import org.efiemu.uefi.boot.ServiceCall.Align;

import static org.efiemu.uefi.boot.ServiceCall.hex;
import static org.efiemu.uefi.boot.ServiceCall.ptr;

import org.efiemu.core.memory.GuestMemoryException;
import org.efiemu.uefi.boot.ServiceCall;
import org.efiemu.uefi.spec.EfiStatus;
import org.efiemu.uefi.spec.Guid;
import org.efiemu.uefi.variable.GetVariableResult;
import org.efiemu.uefi.variable.NextVariableNameResult;
import org.efiemu.uefi.variable.VariableAttributes;
import org.efiemu.uefi.variable.VariableStorageInfo;
import org.efiemu.uefi.variable.VariableStore;

/**
 * ABI adapters of the Variable Services (UEFI 2.10 §8.2) over {@link VariableStore}, with EDK2
 * {@code Variable/RuntimeDxe}'s pointer checks: a NULL (or non-RAM) VariableName, VendorGuid or DataSize is
 * EFI_INVALID_PARAMETER; GetVariable with a large enough DataSize but a NULL Data is EFI_INVALID_PARAMETER; SetVariable
 * with DataSize &gt; 0 and a NULL Data is EFI_INVALID_PARAMETER.
 */
public final class VariableAbi {
    /** Longest variable name read from the guest, in characters (names are far shorter than a variable's maximum). */
    private static final int MAX_NAME = 4096;
    /** Largest SetVariable payload read from the guest. */
    private static final long MAX_DATA = 1 << 20;

    private final VariableStore store;

    public VariableAbi(VariableStore store) {
        this.store = store;
    }

    private static String name(ServiceCall c, long p) {
        return c.char16At("VariableName", p, MAX_NAME);
    }

    /** {@code GetVariable(*VariableName, *VendorGuid, *Attributes, *DataSize, *Data)}. */
    public EfiStatus getVariable(ServiceCall c) {
        String name = name(c, c.arg(0));
        Guid vendor = c.guidAt("VendorGuid", c.arg(1));
        long attrPtr = c.arg(2);
        long sizePtr = c.arg(3);
        long data = c.arg(4);
        boolean sizeOk = c.isRam(sizePtr, 8);
        long size = sizeOk ? c.memory().u64(sizePtr) : 0;
        c.arguments(name != null ? "\"" + name + "\"" : ptr(c.arg(0)), vendor != null ? vendor : ptr(c.arg(1)),
                ptr(attrPtr), sizeOk ? "&" + size : ptr(sizePtr), ptr(data));
        c.requireAligned("DataSize", sizePtr, Align.UINT64, EfiStatus.INVALID_PARAMETER);
        if (name == null || vendor == null || !sizeOk || (attrPtr != 0 && !c.isRam("Attributes", attrPtr, 4, Align.UINT32))) {
            return EfiStatus.INVALID_PARAMETER;
        }
        GetVariableResult r = store.getVariable(name, vendor, size);
        if (r.status() == EfiStatus.SUCCESS && !c.isRam(data, Math.max(1, r.dataSize()))) {
            c.output(data == 0 ? "Data is NULL" : "Data " + hex(data) + " is not " + r.dataSize() + " bytes of RAM");
            return EfiStatus.INVALID_PARAMETER;
        }
        if (r.status() == EfiStatus.SUCCESS || r.status() == EfiStatus.BUFFER_TOO_SMALL) {
            c.memory().putU64(sizePtr, r.dataSize());
            if (attrPtr != 0) {
                c.memory().putU32(attrPtr, r.attributes() & 0xFFFF_FFFFL);
            }
            c.output("DataSize=" + r.dataSize()).output(VariableAttributes.nameOf(r.attributes()));
        }
        if (r.status() == EfiStatus.SUCCESS) {
            c.memory().write(data, r.data());
        }
        return r.status();
    }

    /** {@code GetNextVariableName(*VariableNameSize, *VariableName, *VendorGuid)}. */
    public EfiStatus getNextVariableName(ServiceCall c) {
        long sizePtr = c.arg(0);
        long namePtr = c.arg(1);
        long guidPtr = c.arg(2);
        boolean sizeOk = c.isRam(sizePtr, 8);
        long size = sizeOk ? c.memory().u64(sizePtr) : 0;
        String previous = sizeOk && size >= 2 ? name(c, namePtr) : null;
        Guid vendor = c.guidAt("VendorGuid", guidPtr);
        c.arguments(sizeOk ? "&" + size : ptr(sizePtr), previous != null ? "\"" + previous + "\"" : ptr(namePtr),
                vendor != null ? vendor : ptr(guidPtr));
        c.requireAligned("VariableNameSize", sizePtr, Align.UINT64, EfiStatus.INVALID_PARAMETER);
        if (!sizeOk || previous == null || vendor == null) {
            return EfiStatus.INVALID_PARAMETER;
        }
        NextVariableNameResult r = store.getNextVariableName(size, previous, vendor);
        if (r.status() == EfiStatus.SUCCESS) {
            if (!c.isRam(namePtr, r.nameSize())) {
                return EfiStatus.INVALID_PARAMETER;
            }
            c.memory().putUtf16z(namePtr, r.name());
            c.memory().write(guidPtr, r.vendor().toBytes());
            c.output("\"" + r.name() + "\" " + r.vendor());
        }
        if (r.status() == EfiStatus.SUCCESS || r.status() == EfiStatus.BUFFER_TOO_SMALL) {
            c.memory().putU64(sizePtr, r.nameSize());
            c.output("VariableNameSize=" + r.nameSize());
        }
        return r.status();
    }

    /** {@code SetVariable(*VariableName, *VendorGuid, Attributes, DataSize, *Data)}. */
    public EfiStatus setVariable(ServiceCall c) {
        String name = name(c, c.arg(0));
        Guid vendor = c.guidAt("VendorGuid", c.arg(1));
        int attributes = c.argU32(2);
        long size = c.arg(3);
        long data = c.arg(4);
        c.arguments(name != null ? "\"" + name + "\"" : ptr(c.arg(0)), vendor != null ? vendor : ptr(c.arg(1)),
                VariableAttributes.nameOf(attributes), Long.toUnsignedString(size), ptr(data));
        if (name == null || vendor == null || Long.compareUnsigned(size, MAX_DATA) > 0
                || (size != 0 && !c.isRam(data, size))) {
            return EfiStatus.INVALID_PARAMETER;
        }
        byte[] bytes = size == 0 ? new byte[0] : c.memory().read(data, (int) size);
        return store.setVariable(name, vendor, attributes, bytes);
    }

    /** {@code QueryVariableInfo(Attributes, *MaximumVariableStorageSize, *RemainingVariableStorageSize, *MaximumVariableSize)}. */
    public EfiStatus queryVariableInfo(ServiceCall c) {
        int attributes = c.argU32(0);
        c.arguments(VariableAttributes.nameOf(attributes), ptr(c.arg(1)), ptr(c.arg(2)), ptr(c.arg(3)));
        if (!c.isRam("MaximumVariableStorageSize", c.arg(1), 8, Align.UINT64)
                || !c.isRam("RemainingVariableStorageSize", c.arg(2), 8, Align.UINT64)
                || !c.isRam("MaximumVariableSize", c.arg(3), 8, Align.UINT64)) {
            return EfiStatus.INVALID_PARAMETER;
        }
        VariableStorageInfo i = store.queryVariableInfo(attributes);
        if (i.status() == EfiStatus.SUCCESS) {
            c.memory().putU64(c.arg(1), i.maximumVariableStorageSize());
            c.memory().putU64(c.arg(2), i.remainingVariableStorageSize());
            c.memory().putU64(c.arg(3), i.maximumVariableSize());
            c.output("max " + i.maximumVariableStorageSize() + ", remaining " + i.remainingVariableStorageSize()
                    + ", largest " + i.maximumVariableSize());
        }
        return i.status();
    }
}
