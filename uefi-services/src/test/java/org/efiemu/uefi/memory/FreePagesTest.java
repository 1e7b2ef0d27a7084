package org.efiemu.uefi.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.efiemu.uefi.spec.AllocateType.*;
import static org.efiemu.uefi.spec.MemoryType.*;

import org.efiemu.uefi.spec.EfiException;
import org.efiemu.uefi.spec.EfiStatus;
import org.junit.jupiter.api.Test;

/** FreePages statuses and effects (reference §1.7, measured on OVMF 2022.11). */
class FreePagesTest {
    private static final AllocationTag APP = AllocationTag.application(0x1234);
    private final MemoryMap map = OvmfMaps.q35Map();

    private EfiStatus statusOf(Runnable r) {
        try {
            r.run();
            return EfiStatus.SUCCESS;
        } catch (EfiException e) {
            return e.status();
        }
    }

    @Test
    void freeWhereNoRamIsReturnsNotFoundEvenWhenUnaligned() {
        assertThat(statusOf(() -> map.freePages(0x300000000L, 1))).isEqualTo(EfiStatus.NOT_FOUND);
        assertThat(statusOf(() -> map.freePages(0xA0800, 1))).isEqualTo(EfiStatus.NOT_FOUND);
    }

    @Test
    void freeOfAnUnalignedAddressInRamReturnsInvalidParameter() {
        long at = map.allocatePages(AllocateAnyPages, EfiLoaderData.value(), 2, 0, APP);
        assertThat(statusOf(() -> map.freePages(at + 0x800, 1))).isEqualTo(EfiStatus.INVALID_PARAMETER);
    }

    @Test
    void freeOfZeroPagesReturnsInvalidParameter() {
        long at = map.allocatePages(AllocateAnyPages, EfiLoaderData.value(), 2, 0, APP);
        assertThat(statusOf(() -> map.freePages(at, 0))).isEqualTo(EfiStatus.INVALID_PARAMETER);
    }

    @Test
    void freeOfAlreadyFreePagesReturnsNotFoundAndKeepsTheKey() {
        long key = map.mapKey();
        assertThat(statusOf(() -> map.freePages(0x200000, 1))).isEqualTo(EfiStatus.NOT_FOUND);
        assertThat(map.mapKey()).isEqualTo(key);
    }

    @Test
    void partialFreeOfTheMiddleOfAnAllocationSucceedsAndSplitsOwnership() {
        long at = map.allocatePages(AllocateAnyPages, EfiLoaderData.value(), 4, 0, APP);
        assertThat(map.freePages(at + 0x1000, 2)).isEqualTo(EfiLoaderData.value());
        assertThat(map.ownerOf(at).kind()).isEqualTo(PageOwner.Kind.APPLICATION);
        assertThat(map.ownerOf(at + 0x1000)).isEqualTo(PageOwner.FREE);
        assertThat(map.ownerOf(at + 0x2000)).isEqualTo(PageOwner.FREE);
        assertThat(map.ownerOf(at + 0x3000).allocation()).isEqualTo(map.ownerOf(at).allocation());
        assertThat(map.liveAllocations()).hasSize(1);
    }

    @Test
    void freeingFirmwareOwnedBootServicesPagesSucceeds() {
        assertThat(map.ownerOf(0x900000)).isEqualTo(PageOwner.PLATFORM_FIRMWARE);
        map.freePages(0x900000, 0x10);
        assertThat(map.ownerOf(0x900000)).isEqualTo(PageOwner.FREE);
    }

    @Test
    void freeSpanningTwoAllocatedEntriesOfDifferentTypesSucceeds() {
        // the last page of BS_Data 0xFE81000-0xFEF3FFF and the first of RT_Data 0xFEF4000-0xFF77FFF
        map.freePages(0xFEF3000, 2);
        assertThat(map.ownerOf(0xFEF3000)).isEqualTo(PageOwner.FREE);
        assertThat(map.ownerOf(0xFEF4000)).isEqualTo(PageOwner.FREE);
    }

    @Test
    void freeRunningIntoFreePagesFreesThePrefixThenReturnsNotFoundAsEdk2Does() {
        long at = map.allocatePages(AllocateAddress, EfiLoaderData.value(), 2, 0x200000, APP);
        assertThat(statusOf(() -> map.freePages(at, 3))).isEqualTo(EfiStatus.NOT_FOUND);
        assertThat(map.ownerOf(at)).isEqualTo(PageOwner.FREE);
    }

    @Test
    void freeingEverythingAllocatedRestoresTheOriginalMap() {
        MemoryMapSnapshot before = map.getMemoryMap();
        long a = map.allocatePages(AllocateAnyPages, EfiLoaderData.value(), 3, 0, APP);
        long b = map.allocatePages(AllocateAnyPages, EfiRuntimeServicesData.value(), 1, 0, APP);
        long c = map.allocatePages(AllocateMaxAddress, EfiBootServicesData.value(), 16, 0x100000, APP);
        map.freePages(b, 1);
        map.freePages(a, 3);
        map.freePages(c, 16);
        MemoryMapSnapshot after = map.getMemoryMap();
        assertThat(after.descriptors()).isEqualTo(before.descriptors());
        assertThat(after.requiredSize()).isEqualTo(before.requiredSize());
        assertThat(after.mapKey()).isEqualTo(before.mapKey() + 6);
        assertThat(map.liveAllocations()).isEmpty();
    }
}
