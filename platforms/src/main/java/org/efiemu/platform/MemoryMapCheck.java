package org.efiemu.platform;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.efiemu.uefi.spec.MemoryType;

/**
 * Checks that a list of descriptors is a map real firmware could report (UEFI 2.10 §7.2 GetMemoryMap(): every
 * descriptor 4 KiB aligned with NumberOfPages &gt; 0, no two descriptors describing the same page, a Type that is
 * a spec, OEM or OS-loader value). Order and holes are not checked: firmware may report either.
 */
public final class MemoryMapCheck {

    /** Highest address a 64-bit map can describe, exclusive, as an unsigned count of pages. */
    private static final long MAX_PAGES = 1L << 52;

    /**
     * One problem found in a map.
     *
     * @param index position of the offending descriptor in the list (0-based)
     * @param other position of the descriptor it collides with, or -1
     * @param reason what is wrong
     */
    public record Problem(int index, int other, String reason) {
        /** The reason, naming the other descriptor with {@code label} (e.g. {@code "line 12"}). */
        public String message(java.util.function.IntFunction<String> label) {
            return other < 0 ? reason : reason.replace("{other}", label.apply(other));
        }

        /** The reason, naming the other descriptor by its 1-based position. */
        public String message() {
            return message(i -> "descriptor " + (i + 1));
        }
    }

    private MemoryMapCheck() {}

    /** Problems of one descriptor taken alone, or empty. */
    public static Optional<String> checkDescriptor(MemoryDescriptor d) {
        if (MemoryType.isInvalid(d.type())) {
            return Optional.of(String.format("type 0x%X is neither a spec type (0..%d), an OEM type (0x70000000..)"
                    + " nor an OS-loader type (0x80000000..)", d.type(), MemoryType.MAX_MEMORY_TYPE - 1));
        }
        if ((d.physicalStart() & (MemoryDescriptor.PAGE_SIZE - 1)) != 0) {
            return Optional.of(String.format("start 0x%X is not 4 KiB aligned", d.physicalStart()));
        }
        if (d.numberOfPages() <= 0) {
            return Optional.of("zero-length descriptor at 0x" + Long.toHexString(d.physicalStart()).toUpperCase()
                    + "; NumberOfPages must be more than 0");
        }
        if (Long.compareUnsigned(d.numberOfPages(), MAX_PAGES - (d.physicalStart() >>> 12)) >= 0) {
            return Optional.of(String.format("range at 0x%X of 0x%X pages reaches the end of the 64-bit address space;"
                    + " expected it to end below 0xFFFFFFFFFFFFFFFF",
                    d.physicalStart(), d.numberOfPages()));
        }
        return Optional.empty();
    }

    /** Every problem in the map, in list order of the offending descriptor. */
    public static List<Problem> check(List<MemoryDescriptor> map) {
        List<Problem> problems = new ArrayList<>();
        List<Integer> valid = new ArrayList<>();
        for (int i = 0; i < map.size(); i++) {
            // plain code, not Optional.ifPresentOrElse: two capturing lambdas per descriptor cost the first-tier JIT a
            // VM call each (Unsafe.allocateInstance is not an intrinsic there), and hunts check every generated map
            java.util.Optional<String> problem = checkDescriptor(map.get(i));
            if (problem.isPresent()) {
                problems.add(new Problem(i, -1, problem.get()));
            } else {
                valid.add(i);
            }
        }
        valid.sort(Comparator.comparingLong((Integer i) -> map.get(i).physicalStart()).thenComparingInt(i -> i));
        int reach = -1; // index of the descriptor that reaches furthest so far
        for (int i : valid) {
            MemoryDescriptor d = map.get(i);
            if (reach >= 0 && Long.compareUnsigned(d.physicalStart(), map.get(reach).end()) < 0) {
                int later = Math.max(i, reach);
                int earlier = Math.min(i, reach);
                problems.add(new Problem(later, earlier, String.format("%s overlaps {other} (%s); descriptors must not overlap",
                        range(map.get(later)), range(map.get(earlier)))));
            }
            if (reach < 0 || Long.compareUnsigned(d.end(), map.get(reach).end()) > 0) {
                reach = i;
            }
        }
        problems.sort(Comparator.comparingInt(Problem::index));
        return problems;
    }

    /** {@code 0x10000-0x9FFFF}: the inclusive range of a descriptor. */
    public static String range(MemoryDescriptor d) {
        return String.format("0x%X-0x%X", d.physicalStart(), d.last());
    }
}
