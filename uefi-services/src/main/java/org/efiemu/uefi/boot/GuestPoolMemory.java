package org.efiemu.uefi.boot;

import org.efiemu.core.memory.GuestMemory;
import org.efiemu.uefi.memory.PoolMemory;

/** The pool allocator's POOL_HEAD/POOL_TAIL words in guest memory, where the guest can see (and break) them. */
public final class GuestPoolMemory implements PoolMemory {
    private final GuestMemory memory;

    public GuestPoolMemory(GuestMemory memory) {
        this.memory = memory;
    }

    @Override
    public void writeU32(long address, int value) {
        memory.putU32(address, value & 0xFFFF_FFFFL);
    }

    @Override
    public void writeU64(long address, long value) {
        memory.putU64(address, value);
    }

    @Override
    public int readU32(long address) {
        return (int) memory.u32(address);
    }

    @Override
    public long readU64(long address) {
        return memory.u64(address);
    }
}
