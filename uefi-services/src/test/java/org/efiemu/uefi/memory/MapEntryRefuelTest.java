package org.efiemu.uefi.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.efiemu.uefi.spec.AllocateType.AllocateAnyPages;
import static org.efiemu.uefi.spec.MemoryType.EfiLoaderData;

import java.util.LinkedHashMap;
import java.util.Map;
import org.efiemu.uefi.spec.PlacementSpec;
import org.junit.jupiter.api.Test;

/**
 * EDK2's free memory-map entry list (Page.c {@code AllocateMemoryMapEntry}): when a conversion needs a new internal
 * entry and the list is empty, the DXE core takes one EfiBootServicesData page top-down in the default region, and
 * the application's next allocation lands below it.
 */
class MapEntryRefuelTest {
    private static final AllocationTag APP = AllocationTag.application(0x1234);

    private static MemoryMap map(Integer freeEntries) {
        Map<String, String> params = new LinkedHashMap<>(OvmfMaps.PLACEMENT.params());
        if (freeEntries != null) {
            params.put(PlacementRules.MAP_ENTRIES_FREE, freeEntries.toString());
        }
        MemoryMap m = MemoryMap.builder(OvmfMaps.q35()).placement(new PlacementSpec(OvmfMaps.PLACEMENT.name(), params)).build();
        m.startApplication();
        return m;
    }

    @Test
    void whenTheFreeEntryListRunsDryTheFirmwareTakesTheNextBootServicesDataPageFromTheTop() {
        MemoryMap unmodelled = map(null);
        long a1 = unmodelled.allocatePages(AllocateAnyPages, EfiLoaderData.value(), 1, 0, APP);
        long a2 = unmodelled.allocatePages(AllocateAnyPages, EfiLoaderData.value(), 1, 0, APP);
        assertThat(a2).isEqualTo(a1 - 0x1000);

        MemoryMap dry = map(0);
        long b1 = dry.allocatePages(AllocateAnyPages, EfiLoaderData.value(), 1, 0, APP);
        assertThat(b1).isEqualTo(a1);
        assertThat(dry.ownerOf(b1 - 0x1000)).isEqualTo(PageOwner.PLATFORM_FIRMWARE);
        long b2 = dry.allocatePages(AllocateAnyPages, EfiLoaderData.value(), 1, 0, APP);
        assertThat(b2).as("the refuel page sits between the two allocations").isEqualTo(b1 - 0x2000);
    }

    @Test
    void aRefuelGivesFiftySixEntriesSoTheNextAllocationsTakeNoFurtherPage() {
        MemoryMap dry = map(0);
        long first = dry.allocatePages(AllocateAnyPages, EfiLoaderData.value(), 1, 0, APP);
        long previous = first - 0x1000; // the refuel page
        for (int i = 0; i < 10; i++) {
            long next = dry.allocatePages(AllocateAnyPages, EfiLoaderData.value(), 1, 0, APP);
            assertThat(next).isEqualTo(previous - 0x1000);
            previous = next;
        }
    }

    @Test
    void withoutTheParameterNothingIsModelled() {
        MemoryMap m = map(null);
        long before = m.freeBytes();
        m.allocatePages(AllocateAnyPages, EfiLoaderData.value(), 1, 0, APP);
        assertThat(m.freeBytes()).isEqualTo(before - 0x1000);
    }
}
