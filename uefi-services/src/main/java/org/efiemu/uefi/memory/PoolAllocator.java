package org.efiemu.uefi.memory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.efiemu.uefi.spec.EfiException;
import org.efiemu.uefi.spec.EfiStatus;
import org.efiemu.uefi.spec.HexText;
import org.efiemu.uefi.spec.MemoryType;

/**
 * AllocatePool/FreePool (UEFI 2.10 §7.2) as EDK2's {@code MdeModulePkg/Core/Dxe/Mem/Pool.c} does them on X64, so
 * pointer values match real firmware for the same history:
 * <ul>
 *   <li>each block is a 24-byte {@code POOL_HEAD} ("phd0", Reserved, Type, Size), the data, and a 16-byte
 *       {@code POOL_TAIL} ("ptal", Reserved, Size); the request is rounded up to 8 first, so pointers are
 *       ≡ 0x18 (mod 0x80);</li>
 *   <li>blocks up to 2688 bytes (requests up to 2648) come from free lists with the bin sizes 128, 256, 384, 640,
 *       1024, 1664, 2688 ({@code mPoolSizeTable}); an empty list takes the head of the next larger non-empty list,
 *       or a new 4 KiB page of the pool's type; the request is served from the start and the rest carved into free
 *       blocks of decreasing bin sizes, each pushed on the head of its list (LIFO);</li>
 *   <li>larger requests take ceil((size + 40) / 4096) pages directly, the pointer at page base + 0x18;</li>
 *   <li>pool pages are found like AllocatePages of the pool's type ({@code FindFreePages(MAX_ALLOC_ADDRESS)}), and a
 *       page whose blocks are all free again goes back to the map;</li>
 *   <li>OEM and OS pool types get their pool structure (232 bytes) from EfiBootServicesData pool on first use; it
 *       is freed when that type's usage drops to 0 ({@code LookupPoolHead}, {@code CoreFreePoolI}).</li>
 * </ul>
 * Free lists and block ownership are kept in Java; the head, tail and free-block words are also written to
 * {@link PoolMemory} (guest memory), and FreePool checks the guest's head and tail.
 */
public final class PoolAllocator {
    static final int HEAD_SIZE = 24;
    static final int TAIL_SIZE = 16;
    static final int OVERHEAD = HEAD_SIZE + TAIL_SIZE;
    /** {@code mPoolSizeTable}. */
    static final int[] BIN_SIZES = {128, 256, 384, 640, 1024, 1664, 2688, 4352, 7040, 11392, 18432, 29824};
    /** {@code SIZE_TO_LIST(DEFAULT_PAGE_ALLOCATION_GRANULARITY)}: lists 0..6 are used on X64. */
    static final int PAGE_LISTS = 7;
    static final int POOL_HEAD_SIGNATURE = signature("phd0");
    static final int POOL_TAIL_SIGNATURE = signature("ptal");
    static final int POOL_FREE_SIGNATURE = signature("pfr0");
    /** {@code sizeof(POOL)} on X64: Signature, Used, MemoryType, FreeList[12], Link. */
    static final int POOL_STRUCT_SIZE = 232;
    /** {@code MAX_POOL_SIZE} = MAX_ADDRESS − POOL_OVERHEAD (unsigned). */
    static final long MAX_POOL_SIZE = -1L - OVERHEAD;

    private final MemoryMap map;
    private final PoolMemory memory;
    private final Map<Integer, Pool> pools = new HashMap<>();
    private final TreeMap<Long, PoolAllocation> live = new TreeMap<>();

    /** One {@code POOL}: the free lists and usage of one pool type. */
    private static final class Pool {
        final int type;
        final List<ArrayDeque<Long>> lists = new ArrayList<>();
        final TreeMap<Long, Integer> freeBlocks = new TreeMap<>();
        long used;
        PoolAllocation structure;

        Pool(int type) {
            this.type = type;
            for (int i = 0; i < PAGE_LISTS; i++) {
                lists.add(new ArrayDeque<>());
            }
        }
    }

    public PoolAllocator(MemoryMap map, PoolMemory memory) {
        this.map = map;
        this.memory = memory;
    }

    private static int signature(String s) {
        return s.charAt(0) | s.charAt(1) << 8 | s.charAt(2) << 16 | s.charAt(3) << 24;
    }

    /** {@code SIZE_TO_LIST}: the first bin at least {@code blockSize} big, or 12. */
    static int sizeToList(long blockSize) {
        for (int i = 0; i < BIN_SIZES.length; i++) {
            if (BIN_SIZES[i] >= blockSize) {
                return i;
            }
        }
        return BIN_SIZES.length;
    }

    /**
     * AllocatePool ({@code CoreInternalAllocatePool}).
     *
     * @param poolType raw memory type, validated as for AllocatePages
     * @param size bytes (unsigned); 0 is allowed
     * @return the buffer pointer (block head + 0x18)
     * @throws EfiException {@code EFI_INVALID_PARAMETER} for a bad type; {@code EFI_OUT_OF_RESOURCES} when size is
     *     above MAX_POOL_SIZE or no pages can be found
     */
    public long allocatePool(int poolType, long size, AllocationTag tag) {
        // String.format's text without a Formatter: built on every call
        String call = "AllocatePool(" + MemoryType.nameOf(poolType) + ", " + Long.toUnsignedString(size) + ")";
        MemoryMap.checkMemoryType(call, poolType);
        if (Long.compareUnsigned(size, MAX_POOL_SIZE) > 0) {
            throw MemoryMap.fail(call, EfiStatus.OUT_OF_RESOURCES, "Size is above MAX_POOL_SIZE");
        }
        PoolAllocation a = allocate(poolType, size, tag);
        if (a == null) {
            throw MemoryMap.fail(call, EfiStatus.OUT_OF_RESOURCES, "no pages for the pool");
        }
        return a.buffer();
    }

    /** {@code CoreAllocatePoolI}; null when out of memory. */
    private PoolAllocation allocate(int poolType, long size, AllocationTag tag) {
        if (Long.compareUnsigned(size, 1L << 60) > 0) {
            return null; // more than any machine's RAM; avoids the unsigned wrap of ALIGN_VARIABLE(size) + 40
        }
        long blockSize = ((size + 7) & ~7L) + OVERHEAD;
        int index = sizeToList(blockSize);
        Pool pool = lookupPool(poolType);
        if (pool == null) {
            return null;
        }
        long head;
        if (index >= PAGE_LISTS) {
            long pages = (blockSize + MemoryMap.PAGE - 1) / MemoryMap.PAGE;
            head = map.allocatePoolPages(poolType, pages, size, tag);
        } else if (!pool.lists.get(index).isEmpty()) {
            head = take(pool, index);
        } else {
            head = carve(pool, index, tag);
        }
        if (head == 0) {
            return null;
        }
        return use(pool, head, poolType, size, blockSize, tag);
    }

    private long take(Pool pool, int index) {
        long head = pool.lists.get(index).pop();
        pool.freeBlocks.remove(head);
        return head;
    }

    /** An empty list: split the head block of a larger list, or a new page; the rest becomes free blocks. */
    private long carve(Pool pool, int index, AllocationTag tag) {
        long offset = BIN_SIZES[index];
        long maxOffset = MemoryMap.PAGE;
        long block = 0;
        int i = index;
        while (++i < PAGE_LISTS) {
            if (!pool.lists.get(i).isEmpty()) {
                block = take(pool, i);
                maxOffset = BIN_SIZES[i];
                break;
            }
        }
        if (block == 0) {
            block = map.allocatePoolPages(pool.type, 1, 0, tag);
            if (block == 0) {
                return 0;
            }
        }
        i--;
        while (offset < maxOffset) {
            int fSize = BIN_SIZES[i];
            while (offset + fSize <= maxOffset) {
                pushFree(pool, block + offset, i);
                offset += fSize;
            }
            i--;
        }
        return block;
    }

    private void pushFree(Pool pool, long address, int index) {
        memory.writeU32(address, POOL_FREE_SIGNATURE);
        memory.writeU32(address + 4, index);
        pool.lists.get(index).push(address);
        pool.freeBlocks.put(address, index);
    }

    /**
     * Puts a free block the firmware left behind on the free list of its bin, as {@code CoreFreePoolI} would have:
     * the firmware's pool state at application entry (a profile's {@code pool-free} lines). Blocks pushed later are
     * taken first (LIFO). The page stays the firmware's: it also holds live firmware blocks the model does not know.
     *
     * @param poolType raw memory type of the pool (a type AllocatePool accepts)
     * @param head the block's POOL_HEAD address (8-byte aligned, inside allocated RAM)
     * @param size the block size, one of the bin sizes 128 ... 2688 ({@code mPoolSizeTable}) and within its page
     * @throws IllegalArgumentException naming the block and what was expected
     */
    public void seedFreeBlock(int poolType, long head, int size) {
        String block = String.format("free pool block %s 0x%X size %d", MemoryType.nameOf(poolType), head, size);
        try {
            MemoryMap.checkMemoryType("AllocatePool", poolType);
        } catch (EfiException e) {
            throw new IllegalArgumentException(block + ": the type is not a pool type", e);
        }
        int index = sizeToList(size);
        if (index >= PAGE_LISTS || BIN_SIZES[index] != size) {
            throw new IllegalArgumentException(block + ": expected a bin size (128, 256, 384, 640, 1024, 1664, 2688)");
        }
        if ((head & 7) != 0 || (head & (MemoryMap.PAGE - 1)) + size > MemoryMap.PAGE) {
            throw new IllegalArgumentException(block + ": expected an 8-byte aligned head with the block inside its page");
        }
        PageOwner.Kind owner = map.ownerOf(head).kind();
        if (owner == PageOwner.Kind.FREE || owner == PageOwner.Kind.NOT_RAM) {
            throw new IllegalArgumentException(block + ": the page is " + owner + ", expected firmware-allocated RAM");
        }
        Pool pool = lookupPool(poolType);
        if (pool == null) {
            throw new IllegalArgumentException(block + ": no memory for the pool structure of its type");
        }
        if (pool.freeBlocks.containsKey(head)) {
            throw new IllegalArgumentException(block + ": already free");
        }
        pushFree(pool, head, index);
    }

    /**
     * Takes over a live pool block the firmware allocated before the application started (e.g. the
     * EFI_MEMORY_ATTRIBUTES_TABLE at entry), so that a later free by the firmware model puts it on its free list as
     * {@code CoreFreePoolI} would. Its POOL_HEAD and POOL_TAIL are written as EDK2 keeps them.
     *
     * @param poolType raw memory type of the pool
     * @param buffer the pointer AllocatePool had returned (head + 0x18)
     * @param size the bytes requested
     * @throws IllegalArgumentException when the block does not lie in firmware-allocated RAM of one page or
     *     overlaps a free block
     */
    public PoolAllocation adoptFirmwareBlock(int poolType, long buffer, long size, AllocationTag tag) {
        long blockSize = ((size + 7) & ~7L) + OVERHEAD;
        long head = buffer - HEAD_SIZE;
        String block = String.format("firmware pool block %s 0x%X size %d", MemoryType.nameOf(poolType), buffer, size);
        if ((head & 7) != 0 || sizeToList(blockSize) >= PAGE_LISTS || (head & (MemoryMap.PAGE - 1)) + blockSize > MemoryMap.PAGE) {
            throw new IllegalArgumentException(block + ": expected an 8-byte aligned block of at most 2688 bytes inside its page");
        }
        PageOwner.Kind owner = map.ownerOf(head).kind();
        if (owner != PageOwner.Kind.FIRMWARE) {
            throw new IllegalArgumentException(block + ": the page is " + owner + ", expected firmware-allocated RAM");
        }
        Pool pool = lookupPool(poolType);
        Map.Entry<Long, Integer> freeBelow = pool == null ? null : pool.freeBlocks.floorEntry(head + blockSize - 1);
        if (pool == null || freeBelow != null && freeBelow.getKey() + BIN_SIZES[freeBelow.getValue()] > head
                || blockAt(buffer) != null || blockAt(head + blockSize - 1) != null) {
            throw new IllegalArgumentException(block + ": overlaps a block the pool model already knows");
        }
        return use(pool, head, poolType, size, blockSize, tag);
    }

    /**
     * Marks the block at {@code head} live: counted in its pool, EDK2's POOL_HEAD ({@code "phd0"}, type, size) and
     * POOL_TAIL ({@code "ptal"}, size) written around the caller's {@code size} bytes, as {@code CoreAllocatePoolI}
     * does ({@code MdeModulePkg/Core/Dxe/Mem/Pool.c}).
     */
    private PoolAllocation use(Pool pool, long head, int poolType, long size, long blockSize, AllocationTag tag) {
        pool.used += blockSize;
        memory.writeU32(head, POOL_HEAD_SIGNATURE);
        memory.writeU32(head + 4, 0);
        memory.writeU32(head + 8, poolType);
        memory.writeU32(head + 12, 0);
        memory.writeU64(head + 16, blockSize);
        long tail = head + blockSize - TAIL_SIZE;
        memory.writeU32(tail, POOL_TAIL_SIGNATURE);
        memory.writeU32(tail + 4, 0);
        memory.writeU64(tail + 8, blockSize);
        PoolAllocation a = new PoolAllocation(head + HEAD_SIZE, poolType, size, blockSize, tag);
        live.put(head, a);
        return a;
    }

    /** {@code LookupPoolHead}: OEM/OS types get their POOL from EfiBootServicesData pool on first use. */
    private Pool lookupPool(int poolType) {
        Pool pool = pools.get(poolType);
        if (pool != null) {
            return pool;
        }
        pool = new Pool(poolType);
        if (MemoryType.isOem(poolType) || MemoryType.isOsLoader(poolType)) {
            PoolAllocation s = allocate(MemoryType.EfiBootServicesData.value(), POOL_STRUCT_SIZE, AllocationTag.firmware("pool head"));
            if (s == null) {
                return null;
            }
            pool.structure = s;
        }
        pools.put(poolType, pool);
        return pool;
    }

    /**
     * FreePool ({@code CoreInternalFreePool} / {@code CoreFreePoolI}).
     *
     * @return the pool type of the freed block
     * @throws EfiException {@code EFI_INVALID_PARAMETER} when Buffer is NULL, is not a live pool block, or its guest
     *     head/tail signature or size is wrong. (EDK2 trusts any "phd0" head; the model also refuses heads it did not
     *     hand out, where EDK2 would corrupt its lists.)
     */
    public int freePool(long buffer) {
        String call = "FreePool(0x" + HexText.upper(buffer) + ")"; // String.format("FreePool(0x%X)")'s text
        if (buffer == 0) {
            throw MemoryMap.fail(call, EfiStatus.INVALID_PARAMETER, "Buffer is NULL");
        }
        long head = buffer - HEAD_SIZE;
        PageOwner owner = map.ownerOf(head);
        if ((head & 7) != 0 || owner.kind() == PageOwner.Kind.FREE || owner.kind() == PageOwner.Kind.NOT_RAM) {
            throw MemoryMap.fail(call, EfiStatus.INVALID_PARAMETER, "Buffer does not point into allocated pool memory (" + owner.kind() + ")");
        }
        int sig = memory.readU32(head);
        if (sig != POOL_HEAD_SIGNATURE) {
            throw MemoryMap.fail(call, EfiStatus.INVALID_PARAMETER, String.format("POOL_HEAD.Signature is 0x%08X, expected 'phd0'", sig));
        }
        long blockSize = memory.readU64(head + 16);
        PoolAllocation a = live.get(head);
        if (a == null || a.blockSize() != blockSize) {
            throw MemoryMap.fail(call, EfiStatus.INVALID_PARAMETER, String.format(
                    "no live pool block of POOL_HEAD.Size 0x%X starts at 0x%X", blockSize, head));
        }
        long tail = head + blockSize - TAIL_SIZE;
        int tsig = memory.readU32(tail);
        long tsize = memory.readU64(tail + 8);
        if (tsig != POOL_TAIL_SIGNATURE || tsize != blockSize) {
            throw MemoryMap.fail(call, EfiStatus.INVALID_PARAMETER, String.format(
                    "POOL_TAIL at 0x%X is (0x%08X, size 0x%X), expected ('ptal', 0x%X): the block was overrun", tail, tsig, tsize, blockSize));
        }
        free(a);
        return a.poolType();
    }

    private void free(PoolAllocation a) {
        long head = a.head();
        live.remove(head);
        Pool pool = pools.get(a.poolType());
        pool.used -= a.blockSize();
        int index = sizeToList(a.blockSize());
        if (index >= PAGE_LISTS) {
            map.freePoolPages(head, (a.blockSize() + MemoryMap.PAGE - 1) / MemoryMap.PAGE);
        } else {
            pushFree(pool, head, index);
            releasePageIfAllFree(pool, head & ~(MemoryMap.PAGE - 1));
        }
        if (pool.structure != null && pool.used == 0) {
            pools.remove(a.poolType());
            free(pool.structure);
        }
    }

    private void releasePageIfAllFree(Pool pool, long page) {
        List<Long> blocks = new ArrayList<>();
        long offset = 0;
        while (offset < MemoryMap.PAGE) {
            Integer index = pool.freeBlocks.get(page + offset);
            if (index == null) {
                return;
            }
            blocks.add(page + offset);
            offset += BIN_SIZES[index];
        }
        for (long b : blocks) {
            pool.lists.get(pool.freeBlocks.remove(b)).remove(b);
        }
        map.freePoolPages(page, 1);
    }

    /** Live pool blocks in address order (the firmware's own OEM/OS pool structures included). */
    public List<PoolAllocation> liveAllocations() {
        return List.copyOf(live.values());
    }

    /** The live block whose data holds {@code address}, or null. */
    public PoolAllocation blockAt(long address) {
        Map.Entry<Long, PoolAllocation> e = live.floorEntry(address);
        if (e == null || address >= e.getKey() + e.getValue().blockSize()) {
            return null;
        }
        return e.getValue();
    }
}
