package org.efiemu.uefi.memory;

import org.efiemu.uefi.spec.MemoryDescriptor;
import org.efiemu.uefi.spec.MemoryType;
import org.efiemu.uefi.spec.PlacementSpec;

/**
 * The pool and pages EDK2 spends keeping its EFI_MEMORY_ATTRIBUTES_TABLE (UEFI 2.10 §4.6.4) up to date while an
 * application runs. EDK2 edk2-stable202211 ({@code MdeModulePkg/Core/Dxe/Misc/MemoryAttributesTable.c}), once
 * ReadyToBoot was signalled, calls {@code InstallMemoryAttributesTable} after every successful AllocatePages,
 * AllocatePool, FreePages and FreePool of EfiRuntimeServicesCode or EfiRuntimeServicesData
 * ({@code InstallMemoryAttributesTableOnMemoryAllocation} in {@code Page.c} and {@code Pool.c}). That function:
 * <ol>
 *   <li>asks {@code CoreGetMemoryMapWithSeparatedImageSection} for the size: GetMemoryMap's required size plus
 *       DescriptorSize × AdditionalRecordCount, AdditionalRecordCount = (2 × CodeSegmentCountMax + 1) ×
 *       ImageRecordCount (the runtime images whose sections are split into entries);</li>
 *   <li>allocates that many bytes of EfiBootServicesData pool (pages, for a map) and reads the map into it, again
 *       with a larger buffer while the answer is {@code EFI_BUFFER_TOO_SMALL} (the allocation itself can add an
 *       entry; the separated call also fails when fewer than AdditionalRecordCount spare descriptors are left);</li>
 *   <li>allocates the new table, 16 + DescriptorSize × (runtime entries of the separated map) bytes of
 *       EfiBootServicesData pool;</li>
 *   <li>frees the map buffer, replaces the configuration table entry (no allocation: it exists) and frees the
 *       previous table.</li>
 * </ol>
 * Each step goes through the memory model: the buffer's pages and any pool page the table needs come top-down from
 * the default region, and the conversions consume and return EDK2's free memory-map entries
 * ({@link PlacementRules#MAP_ENTRIES_FREE}), whose refuelling takes a BS_Data page below the buffer. That is how a
 * runtime allocation moves later answers of the memory services on OVMF.
 *
 * <p>Modelled when the placement names the table ({@code mat-entries}); the runtime entries of the separated map are
 * {@code mat-entries} (the table's NumberOfEntries at application entry) plus the change in the number of runtime
 * descriptors GetMemoryMap reports since entry (image sections are not touched by the application's memory).
 * {@code mat-extra} is AdditionalRecordCount; {@code mat-table} the table's pool buffer at entry, a live
 * EfiBootServicesData pool block that the first rebuild frees. Pure model: no emulator.
 */
public final class MemoryAttributesTable {
    /** Placement parameter: NumberOfEntries of the table at application entry. */
    public static final String ENTRIES = "mat-entries";
    /** Placement parameter: AdditionalRecordCount of {@code CoreGetMemoryMapWithSeparatedImageSection}. */
    public static final String EXTRA = "mat-extra";
    /** Placement parameter: the table's pool buffer (VendorTable pointer) at application entry. */
    public static final String TABLE = "mat-table";
    /** {@code sizeof(EFI_MEMORY_ATTRIBUTES_TABLE)}: Version, NumberOfEntries, DescriptorSize, Reserved. */
    static final int HEADER = 16;
    private static final int BS_DATA = MemoryType.EfiBootServicesData.value();

    private final MemoryMap map;
    private final PoolAllocator pool;
    private final int entriesAtEntry;
    private final int extraRecords;
    private final long tableAtEntry;
    private int runtimeDescriptorsAtEntry = -1;
    private int descriptorSize;
    private PoolAllocation current;
    private boolean rebuilding;
    private int rebuilds;

    MemoryAttributesTable(MemoryMap map, PoolAllocator pool, int entriesAtEntry, int extraRecords, long tableAtEntry) {
        this.map = map;
        this.pool = pool;
        this.entriesAtEntry = entriesAtEntry;
        this.extraRecords = extraRecords;
        this.tableAtEntry = tableAtEntry;
    }

    /**
     * The model for {@code map}'s placement, or null when the placement does not name the table ({@code mat-entries}
     * absent: the table's upkeep is not modelled). It starts with the application ({@link MemoryMap#startApplication}).
     */
    public static MemoryAttributesTable of(MemoryMap map, PoolAllocator pool) {
        PlacementSpec spec = map.placement().spec();
        String entries = spec.param(ENTRIES, null);
        if (entries == null) {
            return null;
        }
        MemoryAttributesTable t = new MemoryAttributesTable(map, pool, Integer.parseInt(entries),
                Integer.parseInt(spec.param(EXTRA, "0")), PlacementRules.parseNumber(spec.param(TABLE, "0"), "placement", TABLE, "an address"));
        map.whenApplicationStarts(t::start);
        return t;
    }

    /** At application entry (after ReadyToBoot): counts the runtime descriptors and takes over the entry table's block. */
    void start() {
        MemoryMapSnapshot entry = map.getMemoryMap();
        descriptorSize = entry.descriptorSize();
        runtimeDescriptorsAtEntry = runtimeDescriptors(entry);
        if (tableAtEntry != 0) {
            current = pool.adoptFirmwareBlock(BS_DATA, tableAtEntry, tableBytes(entriesAtEntry), AllocationTag.firmware(
                    "EFI_MEMORY_ATTRIBUTES_TABLE"));
        }
    }

    /**
     * After a successful allocation or free of {@code memoryType} ({@code InstallMemoryAttributesTableOnMemoryAllocation}):
     * rebuilds the table when the type is EfiRuntimeServicesCode or EfiRuntimeServicesData and the application runs.
     */
    public void afterRuntimeMemoryChange(int memoryType) {
        if (rebuilding || runtimeDescriptorsAtEntry < 0 || map.isTerminated()
                || (memoryType != MemoryType.EfiRuntimeServicesCode.value() && memoryType != MemoryType.EfiRuntimeServicesData.value())) {
            return;
        }
        rebuilding = true;
        try {
            rebuild();
        } finally {
            rebuilding = false;
        }
    }

    /** {@code InstallMemoryAttributesTable} with a table already installed. */
    private void rebuild() {
        AllocationTag tag = AllocationTag.firmware("EFI_MEMORY_ATTRIBUTES_TABLE");
        long extraBytes = (long) extraRecords * descriptorSize;
        long size = map.getMemoryMap().requiredSize() + extraBytes;
        MemoryMapSnapshot snap;
        long buffer;
        while (true) {
            buffer = pool.allocatePool(BS_DATA, size, tag.withLabel("memory attributes table: GetMemoryMap buffer"));
            snap = map.getMemoryMap();
            if (Long.compareUnsigned(size, snap.requiredSize()) < 0) {
                size = snap.requiredSize() + extraBytes;
            } else if (size - snap.actualSize() < extraBytes) {
                size = snap.actualSize() + extraBytes;
            } else {
                break;
            }
            pool.freePool(buffer);
        }
        int entries = entriesAtEntry + runtimeDescriptors(snap) - runtimeDescriptorsAtEntry;
        long table = pool.allocatePool(BS_DATA, tableBytes(entries), tag);
        pool.freePool(buffer);
        if (current != null) {
            pool.freePool(current.buffer());
        }
        current = pool.blockAt(table);
        rebuilds++;
    }

    /** Rebuilds done since application entry. */
    public int rebuilds() {
        return rebuilds;
    }

    /** The table's current pool block, or null when it is not known (no {@code mat-table} and no rebuild yet). */
    public PoolAllocation current() {
        return current;
    }

    private long tableBytes(int entries) {
        return HEADER + (long) descriptorSize * entries;
    }

    private static int runtimeDescriptors(MemoryMapSnapshot s) {
        int n = 0;
        for (MemoryDescriptor d : s.descriptors()) {
            if (d.type() == MemoryType.EfiRuntimeServicesCode.value() || d.type() == MemoryType.EfiRuntimeServicesData.value()) {
                n++;
            }
        }
        return n;
    }
}
