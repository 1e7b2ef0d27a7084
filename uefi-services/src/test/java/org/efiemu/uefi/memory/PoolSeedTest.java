package org.efiemu.uefi.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.efiemu.uefi.spec.MemoryType.*;

import org.junit.jupiter.api.Test;

/** The firmware's free pool blocks at entry (profile pool-free lines) are served first, as EDK2's free lists are. */
class PoolSeedTest {
    private static final AllocationTag APP = AllocationTag.application(0x1234);
    private final MemoryMap map = OvmfMaps.q35Map();
    private final SparsePoolMemory memory = new SparsePoolMemory();
    private final PoolAllocator pool = new PoolAllocator(map, memory);

    @Test
    void seededFreeBlockIsTheFirstOneOfItsBinToBeHandedOut() {
        pool.seedFreeBlock(EfiRuntimeServicesData.value(), 0xF5C0E00L, 128);
        assertThat(pool.allocatePool(EfiRuntimeServicesData.value(), 16, APP)).isEqualTo(0xF5C0E18L);
        assertThat(pool.allocatePool(EfiRuntimeServicesData.value(), 16, APP) & 0xFFF)
                .as("the next one comes from a new page").isEqualTo(0x018);
    }

    @Test
    void lastSeededBlockOfABinIsTheListHead() {
        pool.seedFreeBlock(EfiBootServicesData.value(), 0x900000L, 128);
        pool.seedFreeBlock(EfiBootServicesData.value(), 0x900080L, 128);
        assertThat(pool.allocatePool(EfiBootServicesData.value(), 8, APP)).isEqualTo(0x900098L);
        assertThat(pool.allocatePool(EfiBootServicesData.value(), 8, APP)).isEqualTo(0x900018L);
    }

    @Test
    void newOsPoolTypeTakesItsPoolStructureFromASeededBootServicesDataBlockInsteadOfANewPage() {
        pool.seedFreeBlock(EfiBootServicesData.value(), 0x900E80L, 384);
        long first = pool.allocatePool(0x80000001, 16, APP);
        assertThat(pool.blockAt(0x900E80L + 0x18)).as("POOL structure of the OS type in the seeded block").isNotNull();
        assertThat(first & 0xFFF).as("the OS type's own pool page").isEqualTo(0x018);
    }

    @Test
    void seedingRefusesSizesThatAreNotBinsAndFreePages() {
        assertThatThrownBy(() -> pool.seedFreeBlock(EfiBootServicesData.value(), 0x900000L, 200))
                .hasMessageContaining("0x900000").hasMessageContaining("expected a bin size");
        assertThatThrownBy(() -> pool.seedFreeBlock(EfiBootServicesData.value(), 0x900F80L, 256))
                .hasMessageContaining("inside its page");
        assertThatThrownBy(() -> pool.seedFreeBlock(EfiBootServicesData.value(), 0x2000000L, 128))
                .hasMessageContaining("the page is FREE");
    }
}
