package org.efiemu.uefi.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.efiemu.uefi.spec.AllocateType.*;
import static org.efiemu.uefi.spec.MemoryType.*;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Page ownership: every page is FREE, NOT_RAM, FIRMWARE or an APPLICATION allocation, kept as runs. */
class OwnershipTest {
    private final MemoryMap map = OvmfMaps.q35Map();

    @Test
    void pagesOfThePlatformMapAreFirmwareFreeOrNotRam() {
        assertThat(map.ownerOf(0)).isEqualTo(PageOwner.PLATFORM_FIRMWARE);
        assertThat(map.ownerOf(0x1000)).isEqualTo(PageOwner.FREE);
        assertThat(map.ownerOf(0xA0000)).as("legacy hole").isEqualTo(PageOwner.NOT_RAM);
        assertThat(map.ownerOf(0xB0000000L)).as("GCD reserved").isEqualTo(PageOwner.NOT_RAM);
        assertThat(map.ownerOf(0xF500000)).as("free bin page").isEqualTo(PageOwner.FREE);
    }

    @Test
    void allocationsAreTaggedWithWhoAskedFromWhereAndWhy() {
        long fw = map.allocatePages(AllocateAnyPages, EfiBootServicesData.value(), 2, 0, AllocationTag.firmware("ConSplitter"));
        long app = map.allocatePages(AllocateMaxAddress, EfiLoaderData.value(), 16, 0x100000,
                AllocationTag.application(0x6E2B123).withLabel("trampoline"));
        PageOwner f = map.ownerOf(fw);
        assertThat(f.kind()).isEqualTo(PageOwner.Kind.FIRMWARE);
        assertThat(f.allocation().tag().label()).isEqualTo("ConSplitter");
        PageOwner a = map.ownerOf(app + 0xF000);
        assertThat(a.kind()).isEqualTo(PageOwner.Kind.APPLICATION);
        assertThat(a.allocation()).satisfies(x -> {
            assertThat(x.base()).isEqualTo(0x90000);
            assertThat(x.pages()).isEqualTo(16);
            assertThat(x.memoryType()).isEqualTo(EfiLoaderData.value());
            assertThat(x.tag().callerRip()).isEqualTo(0x6E2B123);
        });
        assertThat(a.allocation().toString())
                .isEqualTo("#2 AllocatePages(EfiLoaderData, 16 pages) 0x90000-0x9FFFF by application rip=0x6E2B123 'trampoline'");
        assertThat(map.liveAllocations()).extracting(Allocation::id).containsExactly(1L, 2L);
    }

    @Test
    void ownerRunsCoverARangeWithoutGaps() {
        long app = map.allocatePages(AllocateAddress, EfiLoaderData.value(), 2, 0x4000, AllocationTag.application(1));
        List<OwnerRun> runs = map.owners(0, 0x110000);
        assertThat(runs).extracting(OwnerRun::toString).containsExactly(
                "0x0-0xFFF FIRMWARE",
                "0x1000-0x3FFF FREE",
                "0x4000-0x5FFF APPLICATION " + map.ownerOf(app).allocation(),
                "0x6000-0x9FFFF FREE",
                "0xA0000-0xFFFFF NOT_RAM",
                "0x100000-0x10FFFF FREE");
        assertThat(runs.stream().mapToLong(OwnerRun::pages).sum()).isEqualTo(0x110);
    }

    @Test
    void listenersSeeEveryOwnershipChangeAsARun() {
        List<OwnerRun> seen = new ArrayList<>();
        map.addListener(seen::add);
        long at = map.allocatePages(AllocateAnyPages, EfiLoaderData.value(), 4, 0, AllocationTag.application(1));
        map.freePages(at, 2);
        PoolAllocator pool = new PoolAllocator(map, new SparsePoolMemory());
        pool.allocatePool(EfiLoaderData.value(), 10, AllocationTag.application(2));
        assertThat(seen).hasSize(3);
        assertThat(seen.get(0).owner().kind()).isEqualTo(PageOwner.Kind.APPLICATION);
        assertThat(seen.get(1)).isEqualTo(new OwnerRun(at, 2, PageOwner.FREE));
        assertThat(seen.get(2).owner().allocation().service()).isEqualTo(AllocationService.AllocatePool);
        map.removeListener(seen::add);
    }

    @Test
    void freeingPartOfAnAllocationKeepsTheRestOwnedByIt() {
        long at = map.allocatePages(AllocateAnyPages, EfiLoaderData.value(), 8, 0, AllocationTag.application(1));
        map.freePages(at, 4);
        assertThat(map.owners(at, 8 * 4096)).extracting(r -> r.owner().kind())
                .containsExactly(PageOwner.Kind.FREE, PageOwner.Kind.APPLICATION);
        map.freePages(at + 0x4000, 4);
        assertThat(map.liveAllocations()).isEmpty();
    }
}
