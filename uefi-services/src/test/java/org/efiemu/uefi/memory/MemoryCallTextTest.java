package org.efiemu.uefi.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.Random;
import org.efiemu.uefi.spec.AllocateType;
import org.efiemu.uefi.spec.EfiException;
import org.efiemu.uefi.spec.MemoryType;
import org.junit.jupiter.api.Test;

/**
 * The call text a refused AllocatePages/FreePages/AllocatePool/FreePool names (built on every call, now without a
 * {@code java.util.Formatter}) is the text {@code String.format} gave.
 */
class MemoryCallTextTest {
    private static final AllocationTag APP = AllocationTag.application(0x1234);

    private static long anyLong(Random rnd) {
        return switch (rnd.nextInt(4)) {
            case 0 -> rnd.nextInt(16);
            case 1 -> rnd.nextLong();
            case 2 -> -1L - rnd.nextInt(16);
            default -> (long) rnd.nextInt(1 << 20) << 12;
        };
    }

    @Test
    void refusedCallsNameTheCallAsTheFormatterDid() {
        Random rnd = new Random(5);
        for (int i = 0; i < 2000; i++) {
            MemoryMap map = OvmfMaps.q35Map();
            PoolAllocator pool = new PoolAllocator(map, new SparsePoolMemory());
            long rawType = rnd.nextBoolean() ? rnd.nextInt(4) : anyLong(rnd);
            int memoryType = rnd.nextBoolean() ? rnd.nextInt(20) : (int) anyLong(rnd);
            long pages = anyLong(rnd);
            long address = anyLong(rnd);
            AllocateType type = AllocateType.ofValue(rawType);
            String call = String.format("AllocatePages(%s, %s, %s, 0x%X)", type != null ? type : String.format("0x%X", rawType),
                    MemoryType.nameOf(memoryType), Long.toUnsignedString(pages), address);
            try {
                map.allocatePages(rawType, memoryType, pages, address, APP);
            } catch (EfiException e) {
                assertThat(e.getMessage()).startsWith(call + " = ");
            }
            long free = anyLong(rnd) | 1; // never page aligned: always refused
            EfiException e = catchThrowableOfType(() -> map.freePages(free, pages), EfiException.class);
            assertThat(e.getMessage()).startsWith(String.format("FreePages(0x%X, %s)", free, Long.toUnsignedString(pages)) + " = ");
            long size = rnd.nextBoolean() ? anyLong(rnd) : -1L - rnd.nextInt(100);
            int poolType = rnd.nextBoolean() ? memoryType : 0x7FFFFFFF;
            try {
                pool.allocatePool(poolType, size, APP);
            } catch (EfiException x) {
                assertThat(x.getMessage()).startsWith(String.format("AllocatePool(%s, %s)", MemoryType.nameOf(poolType),
                        Long.toUnsignedString(size)) + " = ");
            }
            long buffer = anyLong(rnd);
            try {
                pool.freePool(buffer);
            } catch (EfiException x) {
                assertThat(x.getMessage()).startsWith(String.format("FreePool(0x%X)", buffer) + " = ");
            }
        }
    }
}
