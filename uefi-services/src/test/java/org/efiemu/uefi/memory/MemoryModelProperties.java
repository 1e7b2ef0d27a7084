package org.efiemu.uefi.memory;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import org.efiemu.uefi.spec.EfiException;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.efiemu.uefi.spec.MemoryType;

/** Invariants of the memory model over random request sequences on the OVMF q35 map. */
class MemoryModelProperties {

    /** One request: kind 0 AllocatePages, 1 FreePages, 2 AllocatePool, 3 FreePool. */
    record Op(int kind, int allocateType, int memoryType, long pages, long address, int pick, long size) {}

    static final int[] TYPES = {1, 2, 3, 4, 5, 6, 9, 10, 0, 0x80000001, 0x70000000};
    static final long[] ADDRESSES = {0, 0xFFF, 0x1FFF, 0x9F000, 0x100000, 0x100800, 0x1000000, 0x2000000, 0xF500000,
            0xF5BF000, 0xDFFF000, 0xFFFFFFFFL, -1L, 0x2234};

    @Provide
    Arbitrary<List<Op>> sequences() {
        Arbitrary<Op> op = Combinators.combine(
                Arbitraries.integers().between(0, 3),
                Arbitraries.integers().between(0, 3),
                Arbitraries.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10).map(i -> TYPES[i]),
                Arbitraries.longs().between(0, 300),
                Arbitraries.integers().between(0, ADDRESSES.length - 1).map(i -> ADDRESSES[i]),
                Arbitraries.integers().between(0, 1000),
                Arbitraries.longs().between(0, 9000)).as(Op::new);
        return op.list().ofMinSize(1).ofMaxSize(60);
    }

    /** Runs a sequence, returning each request's result (address, or the status name). */
    static final class Run {
        final MemoryMap map = OvmfMaps.q35Map();
        final PoolAllocator pool = new PoolAllocator(map, new SparsePoolMemory());
        final List<String> results = new ArrayList<>();
        final List<long[]> pages = new ArrayList<>();
        final List<Long> buffers = new ArrayList<>();

        Run(List<Op> ops) {
            for (Op o : ops) {
                results.add(apply(o));
            }
        }

        private String apply(Op o) {
            AllocationTag tag = AllocationTag.application(0x1000 + results.size());
            try {
                switch (o.kind()) {
                    case 0 -> {
                        long at = map.allocatePages(o.allocateType(), o.memoryType(), o.pages(), o.address(), tag);
                        pages.add(new long[] {at, o.pages()});
                        return Long.toHexString(at);
                    }
                    case 1 -> {
                        if (pages.isEmpty()) {
                            return "none";
                        }
                        long[] p = pages.get(o.pick() % pages.size());
                        long skip = p[1] > 1 ? o.pick() % p[1] : 0;
                        map.freePages(p[0] + (skip << 12), Math.max(1, p[1] - skip));
                        return "freed";
                    }
                    case 2 -> {
                        long b = pool.allocatePool(o.memoryType(), o.size(), tag);
                        buffers.add(b);
                        return Long.toHexString(b);
                    }
                    default -> {
                        if (buffers.isEmpty()) {
                            return "none";
                        }
                        return Integer.toString(pool.freePool(buffers.remove(o.pick() % buffers.size())));
                    }
                }
            } catch (EfiException e) {
                return e.status().toString();
            }
        }
    }

    @Property(tries = 100)
    void allocatedPagesWereFreeBeforeAndFreePlusUsedIsAlwaysAllRam(@ForAll("sequences") List<Op> ops) {
        MemoryMap fresh = OvmfMaps.q35Map();
        long ram = fresh.ramBytes();
        Run run = new Run(List.of());
        run.map.addListener(r -> {
            if (r.owner().kind() == PageOwner.Kind.APPLICATION) {
                assertThat(run.map.owners(r.base(), r.pages() << 12)).as("a new allocation owns all its pages").hasSize(1);
            }
        });
        for (Op o : ops) {
            List<OwnerRun> before = run.map.owners(0, 0x10000000);
            String result = run.apply(o);
            run.results.add(result);
            if (o.kind() == 0 && !result.startsWith("EFI_")) {
                long at = Long.parseUnsignedLong(result, 16);
                assertThat(before.stream().filter(b -> b.base() <= at && at < b.end()).findFirst().orElseThrow().owner())
                        .isEqualTo(PageOwner.FREE);
                assertThat(at).isNotZero();
            }
            long freeRuns = 0;
            long ramRuns = 0;
            for (OwnerRun r : run.map.owners(0, 0x180000000L)) {
                if (r.owner().kind() == PageOwner.Kind.FREE) {
                    freeRuns += r.pages() << 12;
                }
                if (r.owner().kind() != PageOwner.Kind.NOT_RAM) {
                    ramRuns += r.pages() << 12;
                }
            }
            assertThat(freeRuns).isEqualTo(run.map.freeBytes());
            assertThat(ramRuns).isEqualTo(ram).isEqualTo(run.map.ramBytes());
        }
    }

    @Property(tries = 200)
    void reportedMapIsSortedDisjointMergedAndWithinTheRequiredSize(@ForAll("sequences") List<Op> ops) {
        Run run = new Run(ops);
        MemoryMapSnapshot s = run.map.getMemoryMap();
        assertThat(s.actualSize()).isLessThanOrEqualTo(s.requiredSize());
        List<MemoryDescriptor> ram = s.descriptors().subList(0, s.descriptors().size() - 2);
        for (int i = 1; i < ram.size(); i++) {
            MemoryDescriptor a = ram.get(i - 1);
            MemoryDescriptor b = ram.get(i);
            assertThat(a.end()).isLessThanOrEqualTo(b.physicalStart());
            assertThat(a.end() == b.physicalStart() && a.type() == b.type() && a.attribute() == b.attribute()).isFalse();
        }
    }

    @Property(tries = 200)
    void freeingEverythingTheApplicationHoldsRestoresTheMap(@ForAll("sequences") List<Op> any) {
        // FreePages of a stale range may free pages someone else holds now; keep this property to clean histories
        List<Op> ops = any.stream().map(o -> o.kind() == 1 ? new Op(3, 0, 0, 0, 0, o.pick(), 0) : o).toList();
        Run run = new Run(ops);
        for (long b : List.copyOf(run.buffers)) {
            run.pool.freePool(b);
        }
        for (OwnerRun r : run.map.owners(0, 0x10000000)) {
            if (r.owner().kind() == PageOwner.Kind.APPLICATION) {
                run.map.freePages(r.base(), r.pages());
            }
        }
        // the firmware's pool structures for OEM/OS types go when their last block is freed
        assertThat(run.pool.liveAllocations()).isEmpty();
        MemoryMap fresh = OvmfMaps.q35Map();
        List<MemoryDescriptor> expected = fresh.getMemoryMap().descriptors();
        List<MemoryDescriptor> got = run.map.getMemoryMap().descriptors();
        assertThat(got).isEqualTo(expected);
    }

    @Property(tries = 100)
    void theSameSequenceGivesTheSameResultsAndTheSameMap(@ForAll("sequences") List<Op> ops) {
        Run a = new Run(ops);
        Run b = new Run(ops);
        assertThat(a.results).isEqualTo(b.results);
        assertThat(a.map.getMemoryMap()).isEqualTo(b.map.getMemoryMap());
    }

    @Property(tries = 100)
    void poolBlocksNeverOverlapAndPointersAre0x18Modulo0x80(@ForAll @Size(max = 80) List<@net.jqwik.api.constraints.LongRange(max = 5000) Long> sizes) {
        MemoryMap map = OvmfMaps.q35Map();
        PoolAllocator pool = new PoolAllocator(map, new SparsePoolMemory());
        List<Long> live = new ArrayList<>();
        for (long size : sizes) {
            if (size % 3 == 0 && !live.isEmpty()) {
                pool.freePool(live.remove((int) (size % live.size())));
            } else {
                long p = pool.allocatePool(MemoryType.EfiBootServicesData.value(), size, AllocationTag.firmware());
                assertThat(p % 0x80).isEqualTo(0x18);
                live.add(p);
            }
        }
        List<PoolAllocation> blocks = pool.liveAllocations();
        for (int i = 1; i < blocks.size(); i++) {
            assertThat(blocks.get(i - 1).head() + blocks.get(i - 1).blockSize()).isLessThanOrEqualTo(blocks.get(i).head());
        }
        for (PoolAllocation blk : blocks) {
            assertThat(map.ownerOf(blk.head()).kind()).isEqualTo(PageOwner.Kind.FIRMWARE);
        }
    }
}
