package org.efiemu.uefi.memory;

import org.efiemu.uefi.spec.MemoryType;

/**
 * A live AllocatePool block.
 *
 * @param buffer the pointer AllocatePool returned (block head + 0x18)
 * @param poolType raw pool memory type
 * @param size bytes requested
 * @param blockSize {@code POOL_HEAD.Size}: size rounded to 8 plus the 40 bytes of head and tail
 * @param tag who asked
 */
public record PoolAllocation(long buffer, int poolType, long size, long blockSize, AllocationTag tag) {

    public long head() {
        return buffer - PoolAllocator.HEAD_SIZE;
    }

    @Override
    public String toString() {
        return describe(rip -> String.format("rip=0x%X", rip));
    }

    /** Like {@link #toString()}, with the call site named by {@code site} (see {@link AllocationTag#describe}). */
    public String describe(java.util.function.LongFunction<String> site) {
        return String.format("AllocatePool(%s, %d) -> 0x%X by %s", MemoryType.nameOf(poolType), size, buffer,
                tag.describe(site));
    }
}
