package org.efiemu.uefi.memory;

import java.util.ArrayList;
import java.util.List;
import org.efiemu.uefi.spec.AllocateType;
import org.efiemu.uefi.spec.EfiException;
import org.efiemu.uefi.spec.EfiStatus;
import org.efiemu.uefi.spec.HexText;
import org.efiemu.uefi.spec.MemoryType;

/**
 * The memory services of one machine as EDK2's DXE core implements them ({@code MdeModulePkg/Core/Dxe/Mem/Page.c}):
 * AllocatePages, FreePages, GetMemoryMap and the memory-map part of ExitBootServices (UEFI 2.10 §7.2, §7.4), plus
 * page ownership for the memory sanitizer. Pure Java: the ABI layer reads and writes guest memory.
 *
 * <p>Built by {@link MemoryMapBuilder} from a platform's map at application entry. Failures throw an
 * {@link EfiException} carrying the exact status EDK2 returns and a message naming the call and the rule. Not
 * thread-safe: one instance belongs to one machine.
 */
public final class MemoryMap {
    static final long PAGE = 4096;
    /** {@code MAX_ALLOC_ADDRESS >> EFI_PAGE_SHIFT} on X64. */
    private static final long MAX_PAGES = 0xF_FFFF_FFFF_FFFFL;
    private static final int CONVENTIONAL = MemoryType.EfiConventionalMemory.value();
    private static final int BOOT_SERVICES_DATA = MemoryType.EfiBootServicesData.value();

    private final MemoryRanges ram;
    private final GcdEntries gcd;
    private final PlacementRule rule;
    private final int descriptorSize;
    private final int descriptorVersion;
    private final boolean refuseAddressZero;
    private final OwnershipMap owners = new OwnershipMap();
    private final List<OwnershipListener> listeners = new ArrayList<>();
    private long mapKey;
    private long nextId = 1;
    private boolean terminated;
    /**
     * EDK2's free MEMORY_MAP entry list ({@code mFreeMemoryMapEntryList}, Page.c {@code AllocateMemoryMapEntry}):
     * entries a new internal descriptor takes and a removed one gives back; when it runs dry the DXE core refuels it
     * with one EfiBootServicesData page from {@code CoreAllocatePoolPages} (56 entries of 72 bytes on X64), a page
     * the application then cannot have. -1: not modelled (the placement has no {@code map-entries-free}).
     */
    private long freeMapEntries = -1;
    private int countedEntries;
    private boolean refueling;
    private final List<Runnable> applicationStartListeners = new ArrayList<>();
    static final int MAP_ENTRIES_PER_PAGE = 4096 / 72;

    MemoryMap(MemoryRanges ram, GcdEntries gcd, PlacementRule rule, int descriptorSize, int descriptorVersion,
            long initialMapKey, boolean refuseAddressZero) {
        this.ram = ram;
        this.gcd = gcd;
        this.rule = rule;
        this.descriptorSize = descriptorSize;
        this.descriptorVersion = descriptorVersion;
        this.mapKey = initialMapKey;
        this.refuseAddressZero = refuseAddressZero;
    }

    /** Starts a builder over the platform's map at application entry. */
    public static MemoryMapBuilder builder(List<org.efiemu.uefi.spec.MemoryDescriptor> platformMap) {
        return new MemoryMapBuilder(platformMap);
    }

    public PlacementRule placement() {
        return rule;
    }

    /** The current MapKey: a counter that moves on every change of the map and only then. */
    public long mapKey() {
        return mapKey;
    }

    /** True once ExitBootServices succeeded. */
    public boolean isTerminated() {
        return terminated;
    }

    /** {@link #allocatePages(long, int, long, long, AllocationTag)} with a typed allocation type. */
    public long allocatePages(AllocateType type, int memoryType, long pages, long address, AllocationTag tag) {
        return allocatePages(type.ordinal(), memoryType, pages, address, tag);
    }

    /**
     * AllocatePages (UEFI 2.10 §7.2) in EDK2's check order ({@code CoreInternalAllocatePages}).
     *
     * @param rawType the raw EFI_ALLOCATE_TYPE; 3 and above → {@code EFI_INVALID_PARAMETER}
     * @param memoryType raw memory type; [EfiMaxMemoryType, 0x70000000), Conventional, Persistent and Unaccepted →
     *     {@code EFI_INVALID_PARAMETER}; OEM and OS values are accepted and appear verbatim in the map
     * @param pages number of pages (unsigned)
     * @param address {@code *Memory}: the exact base (AllocateAddress), the inclusive limit (AllocateMaxAddress) or
     *     ignored (AllocateAnyPages)
     * @param tag who asks
     * @return the base of the allocated pages
     * @throws EfiException {@code EFI_NOT_FOUND} when AllocateAddress cannot have the range (unaligned, 0 pages,
     *     wraps, not RAM, in use, starts or ends in another type's special bin, or spans two internal entries);
     *     {@code EFI_OUT_OF_RESOURCES} when a search finds nothing (Pages = 0 included)
     */
    public long allocatePages(long rawType, int memoryType, long pages, long address, AllocationTag tag) {
        ensureBootServices();
        AllocateType type = AllocateType.ofValue(rawType);
        // the text of String.format("AllocatePages(%s, %s, %s, 0x%X)", ...) without a Formatter: built on every call
        String call = "AllocatePages(" + (type != null ? type.toString() : "0x" + HexText.upper(rawType)) + ", "
                + MemoryType.nameOf(memoryType) + ", " + Long.toUnsignedString(pages) + ", 0x" + HexText.upper(address) + ")";
        if (type == null) {
            throw fail(call, EfiStatus.INVALID_PARAMETER, "Type must be AllocateAnyPages, AllocateMaxAddress or AllocateAddress");
        }
        checkMemoryType(call, memoryType);
        long start;
        if (type == AllocateType.AllocateAddress) {
            checkAddressRange(call, memoryType, pages, address);
            start = address;
        } else {
            long max = type == AllocateType.AllocateMaxAddress ? address : -1L;
            start = findFreePages(max, pages, memoryType);
            if (start == 0) {
                throw fail(call, EfiStatus.OUT_OF_RESOURCES, pages == 0 ? "Pages is 0"
                        : "no free range of that size " + (type == AllocateType.AllocateMaxAddress ? "at or below MaxAddress" : "anywhere"));
            }
        }
        String why = convertToAllocated(start, pages, memoryType);
        if (why != null) {
            throw fail(call, EfiStatus.NOT_FOUND, why);
        }
        record(new Allocation(nextId++, AllocationService.AllocatePages, memoryType, start, pages, 0, tag));
        return start;
    }

    /** Validates a memory type as {@code CoreInternalAllocatePages} and {@code CoreInternalAllocatePool} do. */
    static void checkMemoryType(String call, int memoryType) {
        if (MemoryType.isInvalid(memoryType) || memoryType == CONVENTIONAL
                || memoryType == MemoryType.EfiPersistentMemory.value() || memoryType == MemoryType.EfiUnacceptedMemoryType.value()) {
            throw fail(call, EfiStatus.INVALID_PARAMETER, "MemoryType must not be in [EfiMaxMemoryType, 0x70000000), "
                    + "EfiConventionalMemory, EfiPersistentMemory or EfiUnacceptedMemoryType");
        }
    }

    private void checkAddressRange(String call, int memoryType, long pages, long start) {
        if ((start & MemoryRanges.PAGE_MASK) != 0) {
            throw fail(call, EfiStatus.NOT_FOUND, "Memory is not 4 KiB aligned");
        }
        if (refuseAddressZero && start == 0) {
            throw fail(call, EfiStatus.NOT_FOUND, "page 0 is never allocated (edk2-stable202508 and later)");
        }
        if (pages == 0 || Long.compareUnsigned(pages, MAX_PAGES) > 0) {
            throw fail(call, EfiStatus.NOT_FOUND, "Pages must be in 1..MAX_ALLOC_ADDRESS >> 12");
        }
        long end = start + (pages << 12) - 1;
        if (Long.compareUnsigned(start, end) >= 0) {
            throw fail(call, EfiStatus.NOT_FOUND, "the range wraps past the top of the address space");
        }
        for (MemoryTypeBin bin : rule.bins()) {
            if (bin.type().value() != memoryType && bin.isSpecial() && (bin.contains(start) || bin.contains(end))) {
                throw fail(call, EfiStatus.NOT_FOUND, "the range reaches into the " + bin.type() + " bin " + bin);
            }
        }
    }

    /** {@code FindFreePages} through the placement rule; {@code maxAddress} is unsigned, 0 means none found. */
    private long findFreePages(long maxAddress, long pages, int memoryType) {
        long max = maxAddress < 0 ? Long.MAX_VALUE : maxAddress;
        return rule.findFreePages(ram, max, pages, memoryType);
    }

    /** {@code CoreConvertPages} towards an allocated type; null on success, else why it returns NOT_FOUND. */
    private String convertToAllocated(long start, long pages, int memoryType) {
        MemoryRanges.Range r = ram.find(start);
        if (r == null) {
            return String.format("no RAM at 0x%X", start);
        }
        if (Long.compareUnsigned(start + (pages << 12), r.end()) > 0) {
            return String.format("the range leaves the internal descriptor %s", MemoryRanges.describe(r));
        }
        if (!r.isFree()) {
            return String.format("the pages are already allocated (%s)", MemoryRanges.describe(r));
        }
        ram.convert(r, start, start + (pages << 12), memoryType);
        mapKey++;
        accountMapEntries();
        return null;
    }

    /**
     * Starts modelling EDK2's free memory-map entry list with the platform's count at application entry (placement
     * parameter {@code map-entries-free}); called when the application starts, so the boot manager's own conversions
     * before it (reading and loading the image) are already part of the entry state.
     */
    public void startApplication() {
        applicationStartListeners.forEach(Runnable::run);
        String n = rule.spec().param(PlacementRules.MAP_ENTRIES_FREE, null);
        if (n != null) {
            freeMapEntries = Long.parseLong(n);
            countedEntries = ram.size();
        }
    }

    /** Runs {@code r} when the application starts ({@link #startApplication()}), e.g. firmware upkeep models. */
    public void whenApplicationStarts(Runnable r) {
        applicationStartListeners.add(r);
    }

    /** Entries taken or given back by the last conversion; refuels the list as EDK2 does when it runs dry. */
    private void accountMapEntries() {
        if (freeMapEntries < 0 || refueling) {
            return;
        }
        freeMapEntries -= ram.size() - countedEntries;
        countedEntries = ram.size();
        while (freeMapEntries < 0) {
            long page = findFreePages(-1L, 1, BOOT_SERVICES_DATA);
            if (page == 0) {
                return;
            }
            refueling = true;
            ram.convert(ram.find(page), page, page + PAGE, BOOT_SERVICES_DATA);
            refueling = false;
            mapKey++;
            fire(new OwnerRun(page, 1, PageOwner.PLATFORM_FIRMWARE));
            freeMapEntries += MAP_ENTRIES_PER_PAGE - (ram.size() - countedEntries);
            countedEntries = ram.size();
        }
    }

    /**
     * FreePages (UEFI 2.10 §7.2), as EDK2 {@code MdeModulePkg/Core/Dxe/Mem/Page.c} does it: {@code CoreFreePages}
     * calls {@code CoreInternalFreePages}, which finds the descriptor holding Memory (none: {@code EFI_NOT_FOUND}),
     * checks its alignment ({@code EFI_INVALID_PARAMETER}; 4 KiB for every type on x64) and converts the range to
     * EfiConventionalMemory with {@code CoreConvertPages}/{@code CoreConvertPagesEx}. That conversion looks only at the
     * descriptor types, never at who allocated the pages: it refuses ({@code EFI_NOT_FOUND}) only pages already
     * EfiConventionalMemory ("the pages to free have been freed") or outside every descriptor. So freeing part of an
     * allocation, or pages the firmware itself allocated (its tables, stubs, pool pages: EfiBootServicesData/Code,
     * EfiRuntimeServicesData/Code), returns {@code EFI_SUCCESS} and EDK2 goes on with its own memory handed out again;
     * efiemu does the same, and the sanitizer reports it as {@code FIRMWARE_MEMORY_CORRUPTED}. (Newer EDK2 with the
     * Memory Attribute Protocol leaks read-only pages instead of freeing them, also returning {@code EFI_SUCCESS}.) As
     * in {@code CoreConvertPagesEx} a range that runs into free pages or a hole is freed up to that point before
     * {@code EFI_NOT_FOUND} is returned.
     *
     * @return the memory type of the descriptor holding {@code address}
     * @throws EfiException {@code EFI_NOT_FOUND} when no RAM is at {@code address} or the pages are free;
     *     {@code EFI_INVALID_PARAMETER} when {@code address} is not 4 KiB aligned, Pages is 0 or the range wraps
     */
    public int freePages(long address, long pages) {
        ensureBootServices();
        String call = "FreePages(0x" + HexText.upper(address) + ", " + Long.toUnsignedString(pages) + ")";
        MemoryRanges.Range first = ram.find(address);
        if (first == null) {
            throw fail(call, EfiStatus.NOT_FOUND, "no memory descriptor covers Memory");
        }
        if ((address & MemoryRanges.PAGE_MASK) != 0) {
            throw fail(call, EfiStatus.INVALID_PARAMETER, "Memory is not 4 KiB aligned");
        }
        long last = address + (pages << 12) - 1;
        if (pages == 0 || Long.compareUnsigned(pages, MAX_PAGES) > 0 || Long.compareUnsigned(address, last) >= 0) {
            throw fail(call, EfiStatus.INVALID_PARAMETER, "Pages must be more than 0 and the range must not wrap");
        }
        long end = last + 1;
        long cur = address;
        while (Long.compareUnsigned(cur, end) < 0) {
            MemoryRanges.Range r = ram.find(cur);
            if (r == null) {
                throw fail(call, EfiStatus.NOT_FOUND, String.format("no RAM at 0x%X", cur));
            }
            if (r.isFree()) {
                throw fail(call, EfiStatus.NOT_FOUND, String.format("the pages at 0x%X are already free", cur));
            }
            long pieceEnd = Long.compareUnsigned(r.end(), end) < 0 ? r.end() : end;
            ram.convert(r, cur, pieceEnd, CONVENTIONAL);
            mapKey++;
            accountMapEntries();
            owners.release(cur, pieceEnd);
            fire(new OwnerRun(cur, (pieceEnd - cur) >>> 12, PageOwner.FREE));
            cur = pieceEnd;
        }
        return first.type();
    }

    /** Pool growth ({@code CoreAllocatePoolPages}): FindFreePages(MAX_ALLOC_ADDRESS) and convert; 0 when out of memory. */
    long allocatePoolPages(int poolType, long pages, long size, AllocationTag tag) {
        ensureBootServices();
        long start = findFreePages(-1L, pages, poolType);
        if (start == 0 || convertToAllocated(start, pages, poolType) != null) {
            return 0;
        }
        record(new Allocation(nextId++, AllocationService.AllocatePool, poolType, start, pages, size, tag));
        return start;
    }

    /** Pool pages going back ({@code CoreFreePoolPages}). */
    void freePoolPages(long base, long pages) {
        freePages(base, pages);
    }

    /** The map a GetMemoryMap call returns now (EDK2 {@code CoreGetMemoryMap}). */
    public MemoryMapSnapshot getMemoryMap() {
        return MemoryMapReport.build(ram, gcd, rule, mapKey, descriptorSize, descriptorVersion);
    }

    /**
     * The memory-map part of ExitBootServices (UEFI 2.10 §7.4; EDK2 {@code CoreTerminateMemoryMap}): a stale MapKey
     * → {@code EFI_INVALID_PARAMETER} and nothing changes; on success the map is terminated (the memory services
     * refuse further calls) and the final map the OS receives is returned. The map itself is not changed.
     */
    public MemoryMapSnapshot exitBootServices(long key) {
        ensureBootServices();
        if (key != mapKey) {
            throw fail(String.format("ExitBootServices(MapKey=0x%X)", key), EfiStatus.INVALID_PARAMETER,
                    String.format("MapKey is stale, the current key is 0x%X", mapKey));
        }
        terminated = true;
        return getMemoryMap();
    }

    /** The owner of the page holding {@code address}. */
    public PageOwner ownerOf(long address) {
        MemoryRanges.Range r = ram.find(address);
        if (r == null) {
            return PageOwner.NOT_RAM;
        }
        if (r.isFree()) {
            return PageOwner.FREE;
        }
        Allocation a = owners.at(address);
        return a != null ? PageOwner.of(a) : PageOwner.PLATFORM_FIRMWARE;
    }

    /** Owners of [base, base + length), as runs in address order (base rounded down, end up, to pages). */
    public List<OwnerRun> owners(long base, long length) {
        return OwnerRuns.of(ram, owners, base & ~MemoryRanges.PAGE_MASK, (base + length + MemoryRanges.PAGE_MASK) & ~MemoryRanges.PAGE_MASK);
    }

    /** Allocations made through this model that still hold pages, oldest first. */
    public List<Allocation> liveAllocations() {
        return owners.live();
    }

    public void addListener(OwnershipListener l) {
        listeners.add(l);
    }

    public void removeListener(OwnershipListener l) {
        listeners.remove(l);
    }

    /** Bytes of free RAM (EfiConventionalMemory) and of all RAM in the memory-services list. */
    public long freeBytes() {
        return ram.freeBytes();
    }

    public long ramBytes() {
        return ram.totalBytes();
    }

    /** Internal descriptor count (EDK2's entry list before GetMemoryMap merges). */
    public int internalEntryCount() {
        return ram.size();
    }

    private void record(Allocation a) {
        owners.record(a);
        fire(new OwnerRun(a.base(), a.pages(), PageOwner.of(a)));
    }

    private void fire(OwnerRun run) {
        for (OwnershipListener l : List.copyOf(listeners)) {
            l.ownershipChanged(run);
        }
    }

    private void ensureBootServices() {
        if (terminated) {
            throw new IllegalStateException("memory services called after ExitBootServices succeeded (the Boot Services table is gone)");
        }
    }

    static EfiException fail(String call, EfiStatus status, String why) {
        return new EfiException(status, call + " = " + status + ": " + why);
    }
}
