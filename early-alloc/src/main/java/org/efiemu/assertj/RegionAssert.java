package org.efiemu.assertj;

import java.util.List;
import java.util.Optional;
import org.assertj.core.api.AbstractAssert;
import org.efiemu.earlyalloc.PayloadLines;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.efiemu.uefi.spec.MemoryType;

/** Assertions on where a region the payload named ({@code @efiemu region <label> ...}) landed. */
public final class RegionAssert extends AbstractAssert<RegionAssert, PayloadLines.Region> {
    private final Optional<List<MemoryDescriptor>> finalMap;

    RegionAssert(PayloadLines.Region actual, Optional<List<MemoryDescriptor>> finalMap) {
        super(actual, RegionAssert.class);
        this.finalMap = finalMap;
    }

    /** The whole region lies below {@code limit} (its last byte is below it). */
    public RegionAssert isBelow(long limit) {
        if (Long.compareUnsigned(actual.end(), limit) > 0) {
            failWithMessage("%nExpecting region '%s' to lie below 0x%X%nbut it is 0x%X-0x%X (0x%X bytes)", actual.label(),
                    limit, actual.base(), actual.end() - 1, actual.size());
        }
        return this;
    }

    /** The region starts at or above {@code address}. */
    public RegionAssert isAtOrAbove(long address) {
        if (Long.compareUnsigned(actual.base(), address) < 0) {
            failWithMessage("%nExpecting region '%s' to start at or above 0x%X%nbut it is 0x%X-0x%X", actual.label(),
                    address, actual.base(), actual.end() - 1);
        }
        return this;
    }

    /** The region is this many bytes. */
    public RegionAssert hasSize(long bytes) {
        if (actual.size() != bytes) {
            failWithMessage("%nExpecting region '%s' (at 0x%X) to be 0x%X bytes%nbut it is 0x%X bytes", actual.label(),
                    actual.base(), bytes, actual.size());
        }
        return this;
    }

    /** Every byte of the region has this type in the map handed over at ExitBootServices. */
    public RegionAssert isInMemoryOfType(MemoryType type) {
        if (finalMap.isEmpty()) {
            failWithMessage("%nExpecting region '%s' to be checked against the map handed over at ExitBootServices%n"
                    + "but ExitBootServices did not succeed", actual.label());
        }
        long covered = 0;
        StringBuilder others = new StringBuilder();
        for (MemoryDescriptor d : finalMap.get()) {
            long lo = Math.max(d.physicalStart(), actual.base());
            long hi = Math.min(d.end(), actual.end());
            if (lo < hi) {
                if (d.type() == type.value()) {
                    covered += hi - lo;
                } else {
                    others.append(System.lineSeparator()).append("  ").append(d);
                }
            }
        }
        if (covered != actual.size()) {
            failWithMessage("%nExpecting region '%s' 0x%X-0x%X to be %s%nbut 0x%X of its 0x%X bytes are not; it meets:%s",
                    actual.label(), actual.base(), actual.end() - 1, type, actual.size() - covered, actual.size(),
                    others.length() == 0 ? System.lineSeparator() + "  no descriptor (not RAM)" : others);
        }
        return this;
    }

    /** The region's first byte. */
    public long base() {
        return actual.base();
    }
}
