package org.efiemu.uefi.boot;

import java.util.List;
import org.efiemu.uefi.firmware.FirmwareState;
import org.efiemu.uefi.firmware.SystemTable;
import org.efiemu.uefi.memory.Allocation;
import org.efiemu.uefi.memory.AllocationTag;
import org.efiemu.uefi.memory.MemoryAttributesTable;
import org.efiemu.uefi.memory.MemoryMap;
import org.efiemu.uefi.memory.MemoryMapSnapshot;
import org.efiemu.uefi.memory.PoolAllocation;
import org.efiemu.uefi.memory.PoolAllocator;

/**
 * The typed memory operations (UEFI 2.10 §7.2, ExitBootServices §7.4.6) between the ABI adapter and the pure model
 * ({@link MemoryMap}, {@link PoolAllocator}): they tag allocations with the caller's RIP and carry out the
 * system-table side of ExitBootServices. Failures throw {@link org.efiemu.uefi.spec.EfiException} with EDK2's status.
 */
public final class MemoryServices {
    private final MemoryMap map;
    private final PoolAllocator pool;
    private final FirmwareState state;
    private final SystemTable systemTable;
    /** EDK2's upkeep of the EFI_MEMORY_ATTRIBUTES_TABLE, when the placement names it; else null. */
    private final MemoryAttributesTable attributesTable;

    public MemoryServices(MemoryMap map, PoolAllocator pool, FirmwareState state, SystemTable systemTable) {
        this.map = map;
        this.pool = pool;
        this.state = state;
        this.systemTable = systemTable;
        this.attributesTable = MemoryAttributesTable.of(map, pool);
    }

    /** AllocatePages for the application at {@code callerRip}; see {@link MemoryMap#allocatePages(long, int, long, long, AllocationTag)}. */
    public long allocatePages(long rawType, int memoryType, long pages, long address, long callerRip) {
        long base = map.allocatePages(rawType, memoryType, pages, address, AllocationTag.application(callerRip));
        runtimeMemoryChanged(memoryType);
        return base;
    }

    /** FreePages; returns the memory type the pages had. */
    public int freePages(long address, long pages) {
        int type = map.freePages(address, pages);
        runtimeMemoryChanged(type);
        return type;
    }

    public MemoryMapSnapshot getMemoryMap() {
        return map.getMemoryMap();
    }

    public long allocatePool(int poolType, long size, long callerRip) {
        long buffer = pool.allocatePool(poolType, size, AllocationTag.application(callerRip));
        runtimeMemoryChanged(poolType);
        return buffer;
    }

    public int freePool(long buffer) {
        int type = pool.freePool(buffer);
        runtimeMemoryChanged(type);
        return type;
    }

    /** EDK2 {@code InstallMemoryAttributesTableOnMemoryAllocation} after a successful service of {@code memoryType}. */
    private void runtimeMemoryChanged(int memoryType) {
        if (attributesTable != null) {
            attributesTable.afterRuntimeMemoryChange(memoryType);
        }
    }

    /**
     * ExitBootServices: a stale MapKey throws {@code EFI_INVALID_PARAMETER} and changes nothing; success terminates
     * the map, records the final map, NULLs the console and BootServices fields of the system table (CRC
     * recomputed) and zero-fills the Boot Services table (EDK2 {@code CoreExitBootServices}).
     */
    public MemoryMapSnapshot exitBootServices(long mapKey) {
        MemoryMapSnapshot last = map.exitBootServices(mapKey);
        state.exitBootServices(last);
        systemTable.exitBootServices();
        return last;
    }

    public List<Allocation> livePageAllocations() {
        return map.liveAllocations();
    }

    public List<PoolAllocation> livePoolAllocations() {
        return pool.liveAllocations();
    }

    public MemoryMap map() {
        return map;
    }
}
