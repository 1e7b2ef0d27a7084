package org.efiemu.earlyalloc;

import com.google.common.collect.Range;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.efiemu.uefi.spec.MemoryType;

/**
 * Memory facts of one run derived from the trace and the entry map: which firmware allocations the payload obtained
 * (UEFI 2.10 §7.2 AllocatePages/AllocatePool, minus FreePages/FreePool), the trampoline request, and who owned each
 * address at application entry.
 */
final class StrategyMemory {
    /**
     * A successful allocation returned by the firmware.
     *
     * @param freedAt trace sequence of the FreePages/FreePool that released it, {@code Long.MAX_VALUE} while held
     */
    record Obtained(ObservedCall call, long base, long size, String memoryType, long freedAt) {
        boolean freed() {
            return freedAt != Long.MAX_VALUE;
        }

        /** True when the allocation was held at trace position {@code sequence} (made before, freed after). */
        boolean heldAt(long sequence) {
            return call.sequence() < sequence && (freedAt == Long.MAX_VALUE || sequence < freedAt);
        }

        boolean overlaps(long start, long length) {
            return Long.compareUnsigned(base, start + length) < 0 && Long.compareUnsigned(start, base + size) < 0;
        }

        boolean contains(long start, long length) {
            return Long.compareUnsigned(start, base) >= 0 && Long.compareUnsigned(start + length, base + size) <= 0;
        }
    }

    /** Xen's trampoline: 64 KiB below 1 MiB (efi_arch_memory_setup, TRAMPOLINE_SIZE). */
    static final long ONE_MIB = 0x100000;
    static final long TRAMPOLINE_SIZE = 0x10000;

    /** The entry map by address, built on first use ({@link #entry()}): many runs are judged without asking. */
    private org.efiemu.uefi.memory.DescriptorIndex entry;
    private final List<MemoryDescriptor> entryMap;
    private final List<Obtained> byImage = new ArrayList<>();
    private final List<Obtained> all = new ArrayList<>();

    StrategyMemory(Observation o) {
        entryMap = o.entryMap();
        for (ObservedCall c : o.calls()) {
            if (!c.succeeded()) {
                continue;
            }
            switch (c.service()) {
                case "AllocatePages" -> {
                    Optional<Long> base = c.firstNumberOutput();
                    Optional<Long> pages = c.numberArgument(2);
                    if (base.isPresent() && pages.isPresent()) {
                        add(c, new Obtained(c, base.get(), pages.get() * MemoryDescriptor.PAGE_SIZE, argument(c, 1), Long.MAX_VALUE));
                    }
                }
                case "AllocatePool" -> {
                    Optional<Long> base = c.firstNumberOutput();
                    Optional<Long> size = c.numberArgument(1);
                    if (base.isPresent() && size.isPresent()) {
                        add(c, new Obtained(c, base.get(), Math.max(1, size.get()), argument(c, 0), Long.MAX_VALUE));
                    }
                }
                case "FreePages", "FreePool" -> c.numberArgument(0).ifPresent(b -> markFreed(c, b));
                default -> { }
            }
        }
    }

    private org.efiemu.uefi.memory.DescriptorIndex entry() {
        if (entry == null) {
            entry = org.efiemu.uefi.memory.DescriptorIndex.of(entryMap);
        }
        return entry;
    }

    private static String argument(ObservedCall c, int i) {
        return i < c.arguments().size() ? c.arguments().get(i) : "?";
    }

    private void add(ObservedCall c, Obtained a) {
        all.add(a);
        if (c.fromImage()) {
            byImage.add(a);
        }
    }

    private void markFreed(ObservedCall c, long base) {
        for (List<Obtained> list : List.of(byImage, all)) {
            for (int i = 0; i < list.size(); i++) {
                Obtained a = list.get(i);
                if (a.base() == base && !a.freed() && a.call().fromImage() == c.fromImage()) {
                    list.set(i, new Obtained(a.call(), a.base(), a.size(), a.memoryType(), c.sequence()));
                    break;
                }
            }
        }
    }

    /** Allocations the payload image obtained, in call order (freed ones marked). */
    List<Obtained> byImage() {
        return List.copyOf(byImage);
    }

    /** Every successful allocation in the trace (any caller). */
    List<Obtained> all() {
        return List.copyOf(all);
    }

    /**
     * True when the call is Xen's trampoline request: AllocatePages(AllocateMaxAddress, .., 16 pages, max <= 1 MiB)
     * (efi_arch_memory_setup(), TRAMPOLINE_SIZE 64 KiB).
     */
    static boolean isTrampolineRequest(ObservedCall c) {
        return c.fromImage() && c.service().equals("AllocatePages") && !c.arguments().isEmpty()
                && c.arguments().get(0).equals("AllocateMaxAddress")
                && c.numberArgument(2).map(p -> p * MemoryDescriptor.PAGE_SIZE == TRAMPOLINE_SIZE).orElse(false)
                && c.numberArgument(3).map(max -> Long.compareUnsigned(max, ONE_MIB) <= 0).orElse(false);
    }

    /** The entry-map descriptor holding {@code address}, empty in a hole. */
    Optional<MemoryDescriptor> entryAt(long address) {
        return Optional.ofNullable(entry().at(address));
    }

    /** Spec name of the type owning {@code address} at entry, or {@code no RAM} in a hole. */
    String ownerAt(long address) {
        return entryAt(address).map(MemoryDescriptor::typeName).orElse("no RAM");
    }

    /** True when every byte of the range is covered by RAM descriptors (not MMIO, not a hole). */
    boolean isRam(long start, long length) {
        long at = start;
        while (Long.compareUnsigned(at, start + length) < 0) {
            MemoryDescriptor d = entry().at(at);
            if (d == null || d.type() == MemoryType.EfiMemoryMappedIO.value()
                    || d.type() == MemoryType.EfiMemoryMappedIOPortSpace.value()) {
                return false;
            }
            at = d.end();
        }
        return true;
    }

    /** The first address in the range whose entry owner is not RAM (for evidence). */
    long firstNonRam(long start, long length) {
        for (long at = start; Long.compareUnsigned(at, start + length) < 0; at = (at & ~0xFFFL) + 0x1000) {
            if (!isRam(at, 1)) {
                return at;
            }
        }
        return start;
    }

    /** Free (EfiConventionalMemory) ranges below 1 MiB at application entry. */
    List<Range<Long>> lowFreeAtEntry() {
        List<Range<Long>> out = new ArrayList<>();
        entry().forEach(0L, ONE_MIB, (from, to, d) -> {
            if (d.type() == MemoryType.EfiConventionalMemory.value()) {
                out.add(Range.closedOpen(from, to));
            }
        });
        return out;
    }
}
