package org.efiemu.uefi.memory;

/**
 * Where the pool allocator's bookkeeping bytes live: guest memory in a running machine, so the guest sees (and may
 * corrupt) the {@code POOL_HEAD}/{@code POOL_TAIL}/{@code POOL_FREE} words exactly where EDK2 puts them, and
 * FreePool verifies the signatures the guest left there. Little-endian, as on x86-64.
 */
public interface PoolMemory {
    void writeU32(long address, int value);

    void writeU64(long address, long value);

    int readU32(long address);

    long readU64(long address);
}
