package org.efiemu.uefi.firmware;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.efiemu.uefi.spec.MemoryType;

/**
 * Where the emulator's own firmware structures live: pieces of memory the platform's map ALREADY gives to the
 * firmware (EfiBootServicesCode/Data for boot-time structures, EfiRuntimeServicesCode/Data for the runtime table
 * and runtime stubs), so the free memory the guest sees is exactly the platform's.
 *
 * <p>Each {@link Region} is carved from the top of the highest-based descriptor of its type that ends at or below
 * 4 GiB and is large enough (deterministic for a given map). Every piece handed out is labelled, for debugger
 * maps and reports.
 */
public final class FirmwareArena {
    private static final long FOUR_GIB = 0x1_0000_0000L;
    private static final long PAGE = MemoryDescriptor.PAGE_SIZE;

    /** One labelled piece of firmware memory. */
    public record Piece(String label, long base, long size, MemoryType type) {
        public long end() {
            return base + size;
        }

        public boolean contains(long address) {
            return address >= base && address < end();
        }

        @Override
        public String toString() {
            return String.format("0x%X-0x%X %s %s", base, end() - 1, type, label);
        }
    }

    /** A contiguous stretch of one firmware descriptor, handed out bottom-up. */
    public final class Region {
        private final MemoryType type;
        private final long base;
        private final long size;
        private long next;

        private Region(MemoryType type, long base, long size) {
            this.type = type;
            this.base = base;
            this.size = size;
            this.next = base;
        }

        /**
         * Takes {@code bytes} aligned to {@code align} (a power of two) and labels them.
         *
         * @throws ExhaustedException when the region is exhausted (names the region and the request)
         */
        public long take(String label, long bytes, long align) {
            if (bytes <= 0 || Long.bitCount(align) != 1) {
                throw new IllegalArgumentException("arena piece '" + label + "': size " + bytes + " must be > 0 and align "
                        + align + " a power of two");
            }
            long at = (next + align - 1) & -align;
            if (at + bytes > base + size) {
                throw new ExhaustedException(String.format("firmware arena %s [0x%X, +0x%X) is full: '%s' needs 0x%X bytes "
                        + "at 0x%X", type, base, size, label, bytes, at));
            }
            next = at + bytes;
            pieces.add(new Piece(label, at, bytes, type));
            return at;
        }

        public long base() {
            return base;
        }

        public long size() {
            return size;
        }

        public MemoryType type() {
            return type;
        }
    }

    private final List<MemoryDescriptor> map;
    private final List<Piece> pieces = new ArrayList<>();

    public FirmwareArena(List<MemoryDescriptor> platformMap) {
        this.map = List.copyOf(platformMap);
    }

    /**
     * Reserves a region of {@code bytes} (rounded up to pages) in memory the platform marks as {@code type}: the top
     * of the highest-based fitting descriptor ending at or below 4 GiB.
     *
     * @param purpose what the region is for, used in the error message
     * @throws IllegalArgumentException when the platform has no descriptor of that type large enough
     */
    public Region region(MemoryType type, long bytes, String purpose) {
        Region r = findRegion(type, bytes);
        if (r == null) {
            throw new IllegalArgumentException(String.format("platform memory map: no %s descriptor below 4 GiB holds 0x%X "
                    + "bytes for the firmware's %s (efiemu keeps its own structures in memory the platform already gives "
                    + "the firmware; add or enlarge such a descriptor in the profile)", type, (bytes + PAGE - 1) & -PAGE,
                    purpose));
        }
        return r;
    }

    /**
     * {@link #region} or null when no descriptor of that type holds {@code bytes}: for a caller that tries several
     * types (the firmware's tables: EfiACPIReclaimMemory, else EfiACPIMemoryNVS), without an exception per try.
     */
    public Region findRegion(MemoryType type, long bytes) {
        long need = (bytes + PAGE - 1) & -PAGE;
        // the highest-based fitting descriptor (the first of equal bases), in loops: this runs several times per machine
        MemoryDescriptor found = null;
        for (MemoryDescriptor d : map) {
            if (d.type() == type.value() && d.end() <= FOUR_GIB && d.bytes() >= need
                    && (d.attribute() & org.efiemu.uefi.spec.MemoryAttribute.WB) != 0 // RAM; not a UC device window (PCIe ECAM reported as reserved)
                    && !holdsPiece(d) && (found == null || d.physicalStart() > found.physicalStart())) {
                found = d;
            }
        }
        if (found == null) {
            return null;
        }
        return new Region(type, found.end() - need, need);
    }

    private boolean holdsPiece(MemoryDescriptor d) {
        for (Piece p : pieces) {
            if (p.base() < d.end() && p.end() > d.physicalStart()) {
                return true;
            }
        }
        return false;
    }

    /** All labelled pieces, in the order they were handed out. */
    public List<Piece> pieces() {
        return List.copyOf(pieces);
    }

    /** The piece holding {@code address}, if any. */
    public Optional<Piece> pieceAt(long address) {
        return pieces.stream().filter(p -> p.contains(address)).findFirst();
    }

    /**
     * A firmware arena region has no room left for a piece. During a service call the dispatcher turns it into
     * {@code EFI_OUT_OF_RESOURCES} (as EDK2 returns when its pool for handles, events or protocol structures is
     * exhausted); during construction it names the region and the request.
     */
    public static final class ExhaustedException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        public ExhaustedException(String message) {
            super(message);
        }
    }
}
