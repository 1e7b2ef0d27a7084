package org.efiemu.uefi.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.efiemu.uefi.spec.MemoryType.*;

import org.efiemu.uefi.spec.EfiException;
import org.efiemu.uefi.spec.EfiStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** AllocatePool/FreePool as EDK2 Pool.c (reference §4, offsets measured on OVMF 2022.11). */
class PoolAllocatorTest {
    private static final AllocationTag APP = AllocationTag.application(0x1234);
    private static final int LOADER_DATA = EfiLoaderData.value();

    private final MemoryMap map = OvmfMaps.q35Map();
    private final SparsePoolMemory memory = new SparsePoolMemory();
    private final PoolAllocator pool = new PoolAllocator(map, memory);

    private EfiStatus statusOf(Runnable r) {
        try {
            r.run();
            return EfiStatus.SUCCESS;
        } catch (EfiException e) {
            return e.status();
        }
    }

    @Test
    void smallRequestsAreCarvedFromOnePageInTheMeasuredOrder() {
        long first = pool.allocatePool(LOADER_DATA, 1, APP);
        long page = first & ~0xFFFL;
        assertThat(first - page).isEqualTo(0x018);
        assertThat(pool.allocatePool(LOADER_DATA, 8, APP) - page).isEqualTo(0xF18);
        assertThat(pool.allocatePool(LOADER_DATA, 24, APP) - page).isEqualTo(0xF98);
        assertThat(pool.allocatePool(LOADER_DATA, 100, APP) - page).isEqualTo(0xB18);
        assertThat(pool.allocatePool(LOADER_DATA, 128, APP) - page).isEqualTo(0xC18);
        assertThat(pool.allocatePool(LOADER_DATA, 2000, APP) - page).isEqualTo(0x098);
        long next = pool.allocatePool(LOADER_DATA, 2648, APP);
        assertThat(next & 0xFFF).isEqualTo(0x018);
        assertThat(next & ~0xFFFL).isNotEqualTo(page);
    }

    @Test
    void poolPagesArePlacedLikeAllocatePagesOfThePoolType() {
        assertThat(pool.allocatePool(LOADER_DATA, 1, APP)).isEqualTo(0xDFFF018);
        assertThat(pool.allocatePool(EfiRuntimeServicesData.value(), 1, APP)).isEqualTo(0xF5BF018);
    }

    @ParameterizedTest(name = "{0} bytes take {1} pages")
    @CsvSource({"2649,1", "4000,1", "4056,1", "4057,2", "4072,2", "4073,2", "5000,2", "100000,25"})
    void requestsAbove2648BytesTakeWholePagesWithThePointerAtBasePlus0x18(long size, long pages) {
        long free = map.freeBytes();
        long p = pool.allocatePool(LOADER_DATA, size, APP);
        assertThat(p & 0xFFF).isEqualTo(0x18);
        assertThat(free - map.freeBytes()).isEqualTo(pages * 4096);
        Allocation a = map.ownerOf(p).allocation();
        assertThat(a.service()).isEqualTo(AllocationService.AllocatePool);
        assertThat(a.size()).isEqualTo(size);
        pool.freePool(p);
        assertThat(map.freeBytes()).isEqualTo(free);
    }

    @Test
    void everyPointerIs0x18Modulo0x80AndHeadAndTailAreInMemory() {
        for (int size = 0; size < 3000; size += 37) {
            long p = pool.allocatePool(LOADER_DATA, size, APP);
            assertThat(p % 0x80).isEqualTo(0x18);
            long head = p - 24;
            long blockSize = ((size + 7) & ~7) + 40;
            assertThat(memory.readU32(head)).isEqualTo(PoolAllocator.POOL_HEAD_SIGNATURE);
            assertThat(memory.readU32(head + 8)).isEqualTo(LOADER_DATA);
            assertThat(memory.readU64(head + 16)).isEqualTo(blockSize);
            assertThat(memory.readU32(head + blockSize - 16)).isEqualTo(PoolAllocator.POOL_TAIL_SIGNATURE);
            assertThat(memory.readU64(head + blockSize - 8)).isEqualTo(blockSize);
        }
    }

    @Test
    void sizeZeroSucceedsWithAValidPointer() {
        assertThat(pool.allocatePool(LOADER_DATA, 0, APP) & 0xFFF).isEqualTo(0x18);
    }

    @Test
    void invalidPoolTypesReturnInvalidParameterAndHugeSizesOutOfResources() {
        assertThat(statusOf(() -> pool.allocatePool(0x20, 8, APP))).isEqualTo(EfiStatus.INVALID_PARAMETER);
        assertThat(statusOf(() -> pool.allocatePool(EfiConventionalMemory.value(), 8, APP))).isEqualTo(EfiStatus.INVALID_PARAMETER);
        assertThat(statusOf(() -> pool.allocatePool(LOADER_DATA, -1L, APP))).isEqualTo(EfiStatus.OUT_OF_RESOURCES);
        assertThat(statusOf(() -> pool.allocatePool(LOADER_DATA, -41L, APP))).isEqualTo(EfiStatus.OUT_OF_RESOURCES);
        assertThat(statusOf(() -> pool.allocatePool(LOADER_DATA, 1L << 40, APP))).isEqualTo(EfiStatus.OUT_OF_RESOURCES);
    }

    @Test
    void freedBlocksAreReusedLastInFirstOut() {
        long a = pool.allocatePool(LOADER_DATA, 16, APP);
        long b = pool.allocatePool(LOADER_DATA, 16, APP);
        pool.allocatePool(LOADER_DATA, 16, APP); // keeps the page in use
        pool.freePool(a);
        pool.freePool(b);
        assertThat(pool.allocatePool(LOADER_DATA, 16, APP)).isEqualTo(b);
        assertThat(pool.allocatePool(LOADER_DATA, 16, APP)).isEqualTo(a);
    }

    @Test
    void aPoolPageWhoseBlocksAreAllFreeGoesBackToTheMap() {
        long free = map.freeBytes();
        long key = map.mapKey();
        long a = pool.allocatePool(LOADER_DATA, 1, APP);
        long b = pool.allocatePool(LOADER_DATA, 100, APP);
        assertThat(map.freeBytes()).isEqualTo(free - 4096);
        pool.freePool(a);
        assertThat(map.freeBytes()).isEqualTo(free - 4096);
        pool.freePool(b);
        assertThat(map.freeBytes()).isEqualTo(free);
        assertThat(map.mapKey()).isEqualTo(key + 2);
        assertThat(pool.liveAllocations()).isEmpty();
        assertThat(pool.allocatePool(LOADER_DATA, 1, APP)).isEqualTo(a);
    }

    @Test
    void freePoolOfNullOrNonPoolPointersReturnsInvalidParameter() {
        long p = pool.allocatePool(LOADER_DATA, 64, APP);
        assertThat(statusOf(() -> pool.freePool(0))).isEqualTo(EfiStatus.INVALID_PARAMETER);
        assertThat(statusOf(() -> pool.freePool(0x200018))).as("free RAM").isEqualTo(EfiStatus.INVALID_PARAMETER);
        assertThat(statusOf(() -> pool.freePool(0xA0018))).as("no RAM").isEqualTo(EfiStatus.INVALID_PARAMETER);
        assertThat(statusOf(() -> pool.freePool(p + 8))).as("inside a block").isEqualTo(EfiStatus.INVALID_PARAMETER);
        assertThat(statusOf(() -> pool.freePool(0x900018))).as("firmware pages without a head").isEqualTo(EfiStatus.INVALID_PARAMETER);
        pool.freePool(p);
    }

    @Test
    void doubleFreeReturnsInvalidParameter() {
        long p = pool.allocatePool(LOADER_DATA, 64, APP);
        pool.allocatePool(LOADER_DATA, 64, APP); // keeps the page
        pool.freePool(p);
        assertThat(statusOf(() -> pool.freePool(p))).isEqualTo(EfiStatus.INVALID_PARAMETER);
    }

    @Test
    void anOverrunTailSignatureIsDetectedByFreePool() {
        long p = pool.allocatePool(LOADER_DATA, 64, APP);
        memory.writeU32(p + 64, 0x41414141); // one write past the data clobbers POOL_TAIL.Signature
        assertThatStatus(() -> pool.freePool(p), EfiStatus.INVALID_PARAMETER, "POOL_TAIL");
    }

    @Test
    void aCorruptedHeadSignatureIsDetectedByFreePool() {
        long p = pool.allocatePool(LOADER_DATA, 64, APP);
        memory.writeU32(p - 24, 0);
        assertThatStatus(() -> pool.freePool(p), EfiStatus.INVALID_PARAMETER, "phd0");
    }

    @Test
    void oemAndOsPoolTypesGetTheirOwnPagesAndABootServicesDataPoolStructure() {
        long p = pool.allocatePool(0x80000001, 10, APP);
        assertThat(p & 0xFFF).isEqualTo(0x18);
        assertThat(map.ownerOf(p).allocation().memoryType()).isEqualTo(0x80000001);
        assertThat(pool.liveAllocations()).extracting(PoolAllocation::poolType).containsExactlyInAnyOrder(EfiBootServicesData.value(), 0x80000001);
        PoolAllocation structure = pool.liveAllocations().stream().filter(a -> a.poolType() == EfiBootServicesData.value()).findFirst().orElseThrow();
        assertThat(structure.size()).isEqualTo(PoolAllocator.POOL_STRUCT_SIZE);
        assertThat(structure.tag().requester()).isEqualTo(Requester.FIRMWARE);
        assertThat(pool.freePool(p)).isEqualTo(0x80000001);
        assertThat(pool.liveAllocations()).as("the structure goes when the type's usage drops to 0").isEmpty();
    }

    @Test
    void blockAtFindsTheBlockHoldingAnAddress() {
        long p = pool.allocatePool(LOADER_DATA, 100, APP);
        assertThat(pool.blockAt(p + 99).buffer()).isEqualTo(p);
        assertThat(pool.blockAt(p + 200)).isNull();
    }

    private static void assertThatStatus(Runnable r, EfiStatus status, String messagePart) {
        try {
            r.run();
            throw new AssertionError("expected " + status);
        } catch (EfiException e) {
            assertThat(e.status()).isEqualTo(status);
            assertThat(e.getMessage()).contains(messagePart);
        }
    }
}
