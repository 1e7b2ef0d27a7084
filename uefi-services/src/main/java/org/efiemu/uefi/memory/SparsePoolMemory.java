package org.efiemu.uefi.memory;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;

/**
 * A {@link PoolMemory} held in Java: 4 KiB pages created on first write, zero elsewhere. For running the pool
 * allocator without an emulator (unit tests, what-if runs over a platform's map).
 */
public final class SparsePoolMemory implements PoolMemory {
    private final Map<Long, ByteBuffer> pages = new HashMap<>();

    private ByteBuffer page(long address, boolean create) {
        long key = address >>> 12;
        ByteBuffer b = pages.get(key);
        if (b == null && create) {
            b = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
            pages.put(key, b);
        }
        return b;
    }

    private static void checkAligned(long address, int size) {
        if ((address & (size - 1)) != 0) {
            throw new IllegalArgumentException(String.format("pool memory: %d-byte access at 0x%X is not %d-byte aligned", size, address, size));
        }
    }

    @Override
    public void writeU32(long address, int value) {
        checkAligned(address, 4);
        page(address, true).putInt((int) (address & 0xFFF), value);
    }

    @Override
    public void writeU64(long address, long value) {
        checkAligned(address, 8);
        page(address, true).putLong((int) (address & 0xFFF), value);
    }

    @Override
    public int readU32(long address) {
        checkAligned(address, 4);
        ByteBuffer b = page(address, false);
        return b == null ? 0 : b.getInt((int) (address & 0xFFF));
    }

    @Override
    public long readU64(long address) {
        checkAligned(address, 8);
        ByteBuffer b = page(address, false);
        return b == null ? 0 : b.getLong((int) (address & 0xFFF));
    }
}
