package org.efiemu.uefi.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.efiemu.uefi.spec.AllocateType.AllocateAnyPages;
import static org.efiemu.uefi.spec.MemoryType.EfiBootServicesData;
import static org.efiemu.uefi.spec.MemoryType.EfiLoaderData;
import static org.efiemu.uefi.spec.MemoryType.EfiRuntimeServicesCode;
import static org.efiemu.uefi.spec.MemoryType.EfiRuntimeServicesData;

import java.util.LinkedHashMap;
import java.util.Map;
import org.efiemu.uefi.spec.PlacementSpec;
import org.junit.jupiter.api.Test;

/**
 * EDK2's upkeep of the EFI_MEMORY_ATTRIBUTES_TABLE (MemoryAttributesTable.c, edk2-stable202211): after ReadyToBoot
 * every AllocatePages/AllocatePool/FreePages/FreePool of runtime memory rebuilds the table with EfiBootServicesData
 * pool: a GetMemoryMap buffer that is freed again and a new table block, the previous table freed.
 */
class MemoryAttributesTableTest {
    private static final AllocationTag APP = AllocationTag.application(0x1234);
    /** The highest free page of the default region of {@link OvmfMaps#q35()}: 0x1500000-0xDFFFFFF is free. */
    private static final long TOP = 0xDFFF000L;

    private MemoryMap map;
    private PoolAllocator pool;
    private MemoryAttributesTable table;

    private void machine(String... params) {
        Map<String, String> p = new LinkedHashMap<>(OvmfMaps.PLACEMENT.params());
        for (int i = 0; i < params.length; i += 2) {
            p.put(params[i], params[i + 1]);
        }
        map = MemoryMap.builder(OvmfMaps.q35()).placement(new PlacementSpec("edk2-topdown", p)).build();
        pool = new PoolAllocator(map, new SparsePoolMemory());
        table = MemoryAttributesTable.of(map, pool);
    }

    private long runtimePages(int type, long pages) {
        long base = map.allocatePages(AllocateAnyPages, type, pages, 0, APP);
        table.afterRuntimeMemoryChange(type);
        return base;
    }

    @Test
    void withoutMatEntriesTheTableIsNotModelled() {
        machine();
        assertThat(table).isNull();
    }

    @Test
    void aRuntimeAllocationRebuildsTheTableInANewBootServicesDataPoolPageAndFreesTheMapBuffer() {
        machine(MemoryAttributesTable.ENTRIES, "5");
        map.startApplication();
        runtimePages(EfiRuntimeServicesData.value(), 1);
        assertThat(table.rebuilds()).isEqualTo(1);
        // the buffer (a 1664-byte block at the page's start) is freed; the 296-byte table was carved from its 640 block
        assertThat(table.current().buffer()).isEqualTo(TOP + 3328 + 0x18);
        assertThat(table.current().size()).isEqualTo(16 + 48 * 5);
        assertThat(map.ownerOf(TOP).kind()).isEqualTo(PageOwner.Kind.FIRMWARE);
        assertThat(pool.liveAllocations()).extracting(PoolAllocation::poolType).containsOnly(EfiBootServicesData.value());
        assertThat(map.allocatePages(AllocateAnyPages, EfiLoaderData.value(), 1, 0, APP))
                .as("the application's next page lies right below the table's pool page").isEqualTo(TOP - 0x1000);
    }

    @Test
    void onlyRuntimeTypesRebuildAndOnlyOnceTheApplicationRuns() {
        machine(MemoryAttributesTable.ENTRIES, "5");
        runtimePages(EfiRuntimeServicesCode.value(), 1);
        assertThat(table.rebuilds()).as("before ReadyToBoot / application start").isZero();
        map.startApplication();
        map.allocatePages(AllocateAnyPages, EfiLoaderData.value(), 1, 0, APP);
        table.afterRuntimeMemoryChange(EfiLoaderData.value());
        table.afterRuntimeMemoryChange(EfiBootServicesData.value());
        assertThat(table.rebuilds()).isZero();
        runtimePages(EfiRuntimeServicesCode.value(), 1);
        assertThat(table.rebuilds()).isEqualTo(1);
    }

    @Test
    void theEntryTableIsFreedByTheFirstRebuildAndServesTheSecond() {
        machine(MemoryAttributesTable.ENTRIES, "20", MemoryAttributesTable.TABLE, "0x900018");
        map.startApplication();
        assertThat(table.current().buffer()).isEqualTo(0x900018L);
        runtimePages(EfiRuntimeServicesData.value(), 1);
        assertThat(table.current().buffer()).isNotEqualTo(0x900018L);
        assertThat(pool.blockAt(0x900018L)).as("the entry table's block is free").isNull();
        runtimePages(EfiRuntimeServicesData.value(), 1);
        assertThat(table.current().buffer()).as("LIFO: the freed entry table's 1024-byte block is taken again")
                .isEqualTo(0x900018L);
    }

    @Test
    void aRuntimeAllocationOutsideItsBinAddsADescriptorAndTheTableGrowsByOneEntry() {
        machine(MemoryAttributesTable.ENTRIES, "20");
        map.startApplication();
        runtimePages(EfiRuntimeServicesData.value(), 1);
        assertThat(table.current().size()).isEqualTo(16 + 48 * 20);
        runtimePages(EfiRuntimeServicesData.value(), 0x200); // larger than the 0x100-page bin: a new RT_Data range
        assertThat(table.current().size()).isEqualTo(16 + 48 * 21);
    }

    @Test
    void extraRecordsMakeTheMapBufferPagesThatAreGivenBack() {
        machine(MemoryAttributesTable.ENTRIES, "5", MemoryAttributesTable.EXTRA, "100");
        map.startApplication();
        long free = map.freeBytes();
        runtimePages(EfiRuntimeServicesData.value(), 1);
        // one RT_Data page from the bin and one pool page for the table; the buffer's pages are free again
        assertThat(map.freeBytes()).isEqualTo(free - 2 * 0x1000);
        assertThat(map.allocatePages(AllocateAnyPages, EfiLoaderData.value(), 1, 0, APP)).isEqualTo(TOP);
    }

    @Test
    void placementRefusesMatParametersWithoutEntriesAndBadValues() {
        assertThatThrownBy(() -> PlacementRules.create(new PlacementSpec("edk2-topdown", Map.of("mat-extra", "27"))))
                .hasMessageContaining("mat-extra").hasMessageContaining("need mat-entries");
        assertThatThrownBy(() -> PlacementRules.create(new PlacementSpec("edk2-topdown", Map.of("mat-entries", "x"))))
                .hasMessageContaining("mat-entries=x").hasMessageContaining("expected a decimal count");
        assertThatThrownBy(() -> PlacementRules.create(new PlacementSpec("edk2-topdown", Map.of("mat-entries", "2", "mat-table", "0x7E53701C"))))
                .hasMessageContaining("8-byte aligned");
    }
}
