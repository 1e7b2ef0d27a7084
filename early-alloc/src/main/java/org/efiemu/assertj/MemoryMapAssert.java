package org.efiemu.assertj;

import java.util.Comparator;
import java.util.List;
import org.assertj.core.api.AbstractAssert;
import org.assertj.core.api.ListAssert;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.efiemu.uefi.spec.MemoryType;

/** Assertions on a memory map (UEFI 2.10 §7.2.3 GetMemoryMap descriptors). */
public final class MemoryMapAssert extends AbstractAssert<MemoryMapAssert, List<MemoryDescriptor>> {
    private final String what;

    MemoryMapAssert(List<MemoryDescriptor> actual, String what) {
        super(actual, MemoryMapAssert.class);
        this.what = what;
    }

    /** No two descriptors share a byte (the spec's map describes each page once). */
    public MemoryMapAssert hasNoOverlaps() {
        isNotNull();
        List<MemoryDescriptor> sorted = actual.stream().sorted(Comparator.comparingLong(MemoryDescriptor::physicalStart)).toList();
        for (int i = 1; i < sorted.size(); i++) {
            MemoryDescriptor a = sorted.get(i - 1);
            MemoryDescriptor b = sorted.get(i);
            if (Long.compareUnsigned(b.physicalStart(), a.end()) < 0) {
                failWithMessage("%nExpecting the %s to have no overlapping descriptors%nbut%n  %s%noverlaps%n  %s%n"
                        + "at 0x%X-0x%X", what, a, b, b.physicalStart(), Math.min(a.end(), b.end()) - 1);
            }
        }
        return this;
    }

    /**
     * Some EfiConventionalMemory lies below {@code limit} with at least {@code bytes} contiguous (counting only the
     * part of a descriptor below the limit).
     */
    public MemoryMapAssert hasFreeRangeBelow(long limit, long bytes) {
        isNotNull();
        long best = 0;
        for (MemoryDescriptor d : actual) {
            if (d.type() == MemoryType.EfiConventionalMemory.value() && Long.compareUnsigned(d.physicalStart(), limit) < 0) {
                long end = Long.compareUnsigned(d.end(), limit) < 0 ? d.end() : limit;
                best = Math.max(best, end - d.physicalStart());
            }
        }
        if (best < bytes) {
            failWithMessage("%nExpecting the %s to have 0x%X contiguous bytes of EfiConventionalMemory below 0x%X%n"
                    + "but the largest free range there is 0x%X bytes. Free descriptors below 0x%X:%n%s", what, bytes,
                    limit, best, limit, listing(actual.stream().filter(d -> d.type() == MemoryType.EfiConventionalMemory.value()
                            && Long.compareUnsigned(d.physicalStart(), limit) < 0).toList()));
        }
        return this;
    }

    /** Some free memory below {@code limit} (at least one page). */
    public MemoryMapAssert hasFreeRangeBelow(long limit) {
        return hasFreeRangeBelow(limit, MemoryDescriptor.PAGE_SIZE);
    }

    /** The descriptors of one type, for further AssertJ assertions. */
    public ListAssert<MemoryDescriptor> entriesOfType(MemoryType type) {
        isNotNull();
        return new ListAssert<>(actual.stream().filter(d -> d.type() == type.value()).toList())
                .as("%s entries of the %s", type, what);
    }

    /** The byte at {@code address} is described with this type. */
    public MemoryMapAssert hasTypeAt(long address, MemoryType type) {
        isNotNull();
        MemoryDescriptor d = actual.stream().filter(x -> Long.compareUnsigned(x.physicalStart(), address) <= 0
                && Long.compareUnsigned(address, x.end()) < 0).findFirst().orElse(null);
        if (d == null || d.type() != type.value()) {
            failWithMessage("%nExpecting 0x%X to be %s in the %s%nbut it is %s", address, type, what,
                    d == null ? "described by no descriptor" : "in " + d);
        }
        return this;
    }

    static String listing(List<MemoryDescriptor> map) {
        return map.isEmpty() ? "  (none)" : map.stream().map(d -> "  " + d)
                .collect(java.util.stream.Collectors.joining(System.lineSeparator()));
    }
}
