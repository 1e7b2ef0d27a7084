package org.efiemu.earlyalloc.report;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import java.util.Objects;

/**
 * One {@code EFI_MEMORY_DESCRIPTOR} of a memory map as the report shows it (UEFI 2.10 §7.2 GetMemoryMap):
 * {@code Type} by spec name, {@code PhysicalStart}, {@code NumberOfPages} (4 KiB pages), {@code Attribute}, plus who
 * owns it.
 */
public record MapRegion(
        String type,
        @JsonSerialize(using = Hex.Serializer.class) @JsonDeserialize(using = Hex.Deserializer.class) long start,
        long pages,
        @JsonSerialize(using = Hex.Serializer.class) @JsonDeserialize(using = Hex.Deserializer.class) long attribute,
        OwnerKind owner) {

    /** {@code EFI_PAGE_SIZE}. */
    public static final long PAGE_SIZE = 4096;

    public MapRegion {
        Objects.requireNonNull(type, "MapRegion.type");
        Objects.requireNonNull(owner, "MapRegion.owner");
        if (pages <= 0) {
            throw new IllegalArgumentException("MapRegion " + type + " at " + Hex.of(start) + ": NumberOfPages must be > 0, got " + pages);
        }
        if ((start & (PAGE_SIZE - 1)) != 0) {
            throw new IllegalArgumentException("MapRegion " + type + ": PhysicalStart " + Hex.of(start) + " is not 4 KiB aligned");
        }
    }

    /** A region whose owner is derived from its type ({@link OwnerKind#ofType}). */
    public static MapRegion of(String type, long start, long pages, long attribute) {
        return new MapRegion(type, start, pages, attribute, OwnerKind.ofType(type));
    }

    /** Size in bytes. */
    public long size() {
        return pages * PAGE_SIZE;
    }

    /** First byte after the region (exclusive end). */
    public long end() {
        return start + size();
    }

    /** True when the byte at {@code address} lies in this region (unsigned compare). */
    public boolean contains(long address) {
        return Long.compareUnsigned(address, start) >= 0 && Long.compareUnsigned(address, end()) < 0;
    }

    @Override
    public String toString() {
        return type + " " + Hex.of(start) + "-" + Hex.of(end() - 1) + " (" + pages + " pages, attr " + Hex.of(attribute) + ", " + owner + ")";
    }
}
