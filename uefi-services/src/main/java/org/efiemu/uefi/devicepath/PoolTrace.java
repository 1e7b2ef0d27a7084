package org.efiemu.uefi.devicepath;

import java.util.ArrayList;
import java.util.List;

/**
 * Pure: the pool allocations and frees an EDK2 device path library function makes, in order (MdePkg
 * UefiMemoryAllocationLib over {@code gBS->AllocatePool(EfiBootServicesData)}), so an adapter can replay them
 * against efiemu's pool and leave the pool as OVMF's DevicePathDxe leaves it. Buffers are numbered from 0.
 */
public final class PoolTrace {

    /** One step: {@code alloc} of {@code size} bytes as buffer {@code id}, or the free of buffer {@code id}. */
    public record Op(boolean alloc, int id, long size, boolean zero) {}

    private final List<Op> ops = new ArrayList<>();
    private int next;

    /** AllocatePool: a new buffer's id. */
    public int alloc(long size) {
        ops.add(new Op(true, next, size, false));
        return next++;
    }

    /** AllocateZeroPool. */
    public int allocZero(long size) {
        ops.add(new Op(true, next, size, true));
        return next++;
    }

    /** FreePool of a buffer this trace allocated. */
    public void free(int id) {
        ops.add(new Op(false, id, 0, false));
    }

    public List<Op> ops() {
        return List.copyOf(ops);
    }
}
