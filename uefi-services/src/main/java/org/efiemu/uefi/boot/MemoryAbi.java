package org.efiemu.uefi.boot;

import org.efiemu.uefi.boot.ServiceCall.Align;
import org.efiemu.uefi.memory.MemoryMapSnapshot;
import org.efiemu.uefi.spec.AllocateType;
import org.efiemu.uefi.spec.EfiException;
import org.efiemu.uefi.spec.EfiStatus;
import org.efiemu.uefi.spec.MemoryType;

import static org.efiemu.uefi.boot.ServiceCall.hex;
import static org.efiemu.uefi.boot.ServiceCall.ptr;

/**
 * ABI adapters of the Memory Allocation Services (UEFI 2.10 §7.2) and ExitBootServices (§7.4.6). Pointer rules: a
 * NULL OUT pointer is {@code EFI_INVALID_PARAMETER} as in EDK2; a non-NULL pointer that does not designate RAM (wild,
 * or into MMIO) is also {@code EFI_INVALID_PARAMETER} here, where EDK2 would fault; so is a pointer to a UINTN,
 * EFI_PHYSICAL_ADDRESS or EFI_MEMORY_DESCRIPTOR that is not 8-byte aligned (UEFI 2.10 §2.3.1; EDK2 does not check); OUT parameters are written only
 * where EDK2 writes them.
 */
public final class MemoryAbi {
    private final MemoryServices services;
    private final Runnable afterExitBootServices;

    /** @param afterExitBootServices runs after a successful ExitBootServices (e.g. ends the run when asked to) */
    public MemoryAbi(MemoryServices services, Runnable afterExitBootServices) {
        this.services = services;
        this.afterExitBootServices = afterExitBootServices;
    }

    private static String allocateType(long raw) {
        AllocateType t = AllocateType.ofValue(raw);
        return t != null ? t.name() : hex(raw);
    }

    /** {@code AllocatePages(Type, MemoryType, Pages, *Memory)}: {@code *Memory} is read for AllocateAddress/MaxAddress and written only on success. */
    public EfiStatus allocatePages(ServiceCall c) {
        long type = c.arg(0) & 0xFFFF_FFFFL;
        int memoryType = c.argU32(1);
        long pages = c.arg(2);
        long memory = c.arg(3);
        long in = c.isRam(memory, 8) ? c.memory().u64(memory) : 0;
        boolean readsIn = type == AllocateType.AllocateAddress.ordinal() || type == AllocateType.AllocateMaxAddress.ordinal();
        c.arguments(allocateType(type), MemoryType.nameOf(memoryType), Long.toUnsignedString(pages),
                memory == 0 ? "NULL" : readsIn ? hex(in) : "&" + hex(memory));
        if (!c.isRam("Memory", memory, 8, Align.UINT64)) {
            c.output(memory == 0 ? "Memory is NULL" : "Memory " + hex(memory) + " is not RAM");
            return EfiStatus.INVALID_PARAMETER;
        }
        long base = services.allocatePages(type, memoryType, pages, in, c.callerRip());
        c.memory().putU64(memory, base);
        c.output(hex(base));
        return EfiStatus.SUCCESS;
    }

    /** {@code FreePages(Memory, Pages)}. */
    public EfiStatus freePages(ServiceCall c) {
        long memory = c.arg(0);
        long pages = c.arg(1);
        c.arguments(hex(memory), Long.toUnsignedString(pages));
        int type = services.freePages(memory, pages);
        c.output("was " + MemoryType.nameOf(type));
        return EfiStatus.SUCCESS;
    }

    /**
     * {@code GetMemoryMap(*MemoryMapSize, *MemoryMap, *MapKey, *DescriptorSize, *DescriptorVersion)} in EDK2's order
     * (reference §2.2): MemoryMapSize NULL → INVALID_PARAMETER, nothing written; DescriptorSize/Version written first;
     * then BUFFER_TOO_SMALL (required size written), a NULL buffer → INVALID_PARAMETER (size still written); MapKey
     * written on every path past the first check.
     */
    public EfiStatus getMemoryMap(ServiceCall c) {
        long sizePtr = c.arg(0);
        long buffer = c.arg(1);
        long keyPtr = c.arg(2);
        long dszPtr = c.arg(3);
        long dverPtr = c.arg(4);
        boolean sizeOk = c.isRam(sizePtr, 8);
        long size = sizeOk ? c.memory().u64(sizePtr) : 0;
        c.arguments(sizePtr == 0 ? "NULL" : sizeOk ? "&" + size : hex(sizePtr), ptr(buffer), ptr(keyPtr), ptr(dszPtr), ptr(dverPtr));
        c.requireAligned("MemoryMapSize", sizePtr, Align.UINT64, EfiStatus.INVALID_PARAMETER);
        if (!sizeOk) {
            c.output(sizePtr == 0 ? "MemoryMapSize is NULL" : "MemoryMapSize " + hex(sizePtr) + " is not RAM");
            return EfiStatus.INVALID_PARAMETER;
        }
        String[] names = {"MapKey", "DescriptorSize", "DescriptorVersion"};
        long[] outs = {keyPtr, dszPtr, dverPtr};
        for (int i = 0; i < outs.length; i++) {
            long p = outs[i];
            if (p != 0 && !c.isRam(names[i], p, i == 2 ? 4 : 8, i == 2 ? Align.UINT32 : Align.UINT64)) {
                c.output("OUT pointer " + hex(p) + " is not RAM");
                return EfiStatus.INVALID_PARAMETER;
            }
        }
        c.requireAligned("MemoryMap", buffer, Align.UINT64, EfiStatus.INVALID_PARAMETER);
        MemoryMapSnapshot snap = services.getMemoryMap();
        if (dszPtr != 0) {
            c.memory().putU64(dszPtr, snap.descriptorSize());
        }
        if (dverPtr != 0) {
            c.memory().putU32(dverPtr, snap.descriptorVersion());
        }
        EfiStatus status = snap.statusFor(size, buffer == 0);
        if (status == EfiStatus.SUCCESS && !c.isRam(buffer, snap.actualSize())) {
            c.output("MemoryMap " + hex(buffer) + " is not " + snap.actualSize() + " bytes of RAM");
            return EfiStatus.INVALID_PARAMETER;
        }
        long written = status == EfiStatus.SUCCESS ? snap.actualSize() : snap.requiredSize();
        if (status == EfiStatus.SUCCESS) {
            c.memory().write(buffer, snap.toBytes());
        }
        if (keyPtr != 0) {
            c.memory().putU64(keyPtr, snap.mapKey());
        }
        c.releaseLockHere(); // CoreGetMemoryMap writes *MemoryMapSize after releasing its locks
        c.memory().putU64(sizePtr, written);
        c.output("MemoryMapSize=" + written).output("MapKey=" + hex(snap.mapKey()))
                .output("DescriptorSize=" + snap.descriptorSize()).output("DescriptorVersion=" + snap.descriptorVersion());
        if (status == EfiStatus.SUCCESS) {
            c.output(snap.descriptors().size() + " descriptors");
        }
        return status;
    }

    /** {@code AllocatePool(PoolType, Size, **Buffer)}: pool head and tail are written into guest memory. */
    public EfiStatus allocatePool(ServiceCall c) {
        int type = c.argU32(0);
        long size = c.arg(1);
        long bufferPtr = c.arg(2);
        c.arguments(MemoryType.nameOf(type), Long.toUnsignedString(size), ptr(bufferPtr));
        if (!c.isRam("Buffer", bufferPtr, 8, Align.UINT64)) {
            c.output(bufferPtr == 0 ? "Buffer is NULL" : "Buffer " + hex(bufferPtr) + " is not RAM");
            return EfiStatus.INVALID_PARAMETER;
        }
        long buffer = services.allocatePool(type, size, c.callerRip());
        c.memory().putU64(bufferPtr, buffer);
        c.output(hex(buffer));
        return EfiStatus.SUCCESS;
    }

    /** {@code FreePool(Buffer)}. */
    public EfiStatus freePool(ServiceCall c) {
        long buffer = c.arg(0);
        c.arguments(ptr(buffer));
        int type = services.freePool(buffer);
        c.output("was " + MemoryType.nameOf(type));
        return EfiStatus.SUCCESS;
    }

    /** {@code ExitBootServices(ImageHandle, MapKey)}: ImageHandle is not validated (as EDK2). */
    public EfiStatus exitBootServices(ServiceCall c) {
        long image = c.arg(0);
        long key = c.arg(1);
        c.arguments(ptr(image), hex(key));
        try {
            MemoryMapSnapshot last = services.exitBootServices(key);
            c.output("final map: " + last.descriptors().size() + " descriptors, MapKey=" + hex(last.mapKey()));
        } catch (EfiException e) {
            c.output("MapKey is stale (current " + hex(services.getMemoryMap().mapKey()) + ")");
            throw e;
        }
        afterExitBootServices.run();
        return EfiStatus.SUCCESS;
    }
}
