package org.efiemu.uefi.tables;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.efiemu.uefi.firmware.PlatformMemory;
import org.efiemu.uefi.spec.EfiException;
import org.efiemu.uefi.spec.EfiStatus;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.efiemu.uefi.spec.MemoryType;

/**
 * The Global Coherency Domain's memory space map (PI 1.7 vol. 2 §7.2, EDK2 {@code MdeModulePkg/Core/Dxe/Gcd/Gcd.c}) as
 * the DXE services table reports it, made from the platform's memory map: the whole processor address space
 * [0, 2^bits) as address-ordered, gap-free entries. RAM descriptors are EfiGcdMemoryTypeSystemMemory, MMIO descriptors
 * EfiGcdMemoryTypeMemoryMappedIo, reserved non-RAM EfiGcdMemoryTypeReserved, the rest EfiGcdMemoryTypeNonExistent.
 * Capabilities are the descriptor's attribute without EFI_MEMORY_RUNTIME; Attributes hold EFI_MEMORY_RUNTIME for
 * runtime descriptors (EDK2 gets its memory map's attributes from the GCD the same way). Neighbours with equal type,
 * capabilities and attributes are one entry, as EDK2 merges them. Pure model: no emulator.
 */
public final class GcdMemorySpace {
    public static final int NON_EXISTENT = 0;
    public static final int RESERVED = 1;
    public static final int SYSTEM_MEMORY = 2;
    public static final int MEMORY_MAPPED_IO = 3;
    static final long RUNTIME = 0x8000_0000_0000_0000L;

    /** One {@code EFI_GCD_MEMORY_SPACE_DESCRIPTOR} (ImageHandle and DeviceHandle are NULL: efiemu runs no drivers). */
    public record Entry(long base, long length, long capabilities, long attributes, int type) {
        public long end() {
            return base + length;
        }

        public static String typeName(int type) {
            return switch (type) {
                case NON_EXISTENT -> "EfiGcdMemoryTypeNonExistent";
                case RESERVED -> "EfiGcdMemoryTypeReserved";
                case SYSTEM_MEMORY -> "EfiGcdMemoryTypeSystemMemory";
                case MEMORY_MAPPED_IO -> "EfiGcdMemoryTypeMemoryMappedIo";
                default -> "EfiGcdMemoryType(" + type + ")";
            };
        }

        @Override
        public String toString() {
            return String.format("%s 0x%X-0x%X capabilities=0x%X attributes=0x%X", typeName(type), base, end() - 1,
                    capabilities, attributes);
        }
    }

    private final List<Entry> entries;
    private final long top;

    private GcdMemorySpace(List<Entry> entries, long top) {
        this.entries = entries;
        this.top = top;
    }

    /** The space for {@code map} over {@code bits} address bits (the CPU HOB's SizeOfMemorySpace). */
    public static GcdMemorySpace of(List<MemoryDescriptor> map, int bits) {
        long top = 1L << bits;
        List<Entry> out = new ArrayList<>();
        long at = 0;
        for (MemoryDescriptor d : map.stream().sorted(Comparator.comparingLong(MemoryDescriptor::physicalStart)).toList()) {
            if (d.physicalStart() > at) {
                add(out, new Entry(at, d.physicalStart() - at, 0, 0, NON_EXISTENT));
            }
            int type = PlatformMemory.isRam(d) ? SYSTEM_MEMORY
                    : d.type() == MemoryType.EfiReservedMemoryType.value() ? RESERVED : MEMORY_MAPPED_IO;
            add(out, new Entry(d.physicalStart(), d.bytes(), d.attribute() & ~RUNTIME, d.attribute() & RUNTIME, type));
            at = d.end();
        }
        if (at < top) {
            add(out, new Entry(at, top - at, 0, 0, NON_EXISTENT));
        }
        return new GcdMemorySpace(out, Math.max(top, at));
    }

    private static void add(List<Entry> out, Entry e) {
        if (!out.isEmpty()) {
            Entry last = out.get(out.size() - 1);
            if (last.end() == e.base() && last.type() == e.type() && last.capabilities() == e.capabilities()
                    && last.attributes() == e.attributes()) {
                out.set(out.size() - 1, new Entry(last.base(), last.length() + e.length(), e.capabilities(),
                        e.attributes(), e.type()));
                return;
            }
        }
        out.add(e);
    }

    /** The map, address ordered (GetMemorySpaceMap). */
    public List<Entry> entries() {
        return List.copyOf(entries);
    }

    /**
     * GetMemorySpaceDescriptor: the entry holding {@code address}.
     *
     * @throws EfiException EFI_NOT_FOUND when no entry holds it (beyond the processor's address space)
     */
    public Entry descriptor(long address) {
        for (Entry e : entries) {
            if (Long.compareUnsigned(address, e.base()) >= 0 && Long.compareUnsigned(address, e.end()) < 0) {
                return e;
            }
        }
        throw new EfiException(EfiStatus.NOT_FOUND, String.format("0x%X is beyond the address space (top 0x%X)", address, top));
    }

    /**
     * SetMemorySpaceAttributes (EDK2 {@code CoreSetMemorySpaceAttributes}): the range must be page aligned, non-empty and
     * inside the space, and every entry it touches must have the attributes among its capabilities; then the range's
     * entries get {@code attributes} (split where the range starts or ends inside one). efiemu records the attributes;
     * it changes no page table.
     *
     * @throws EfiException EFI_INVALID_PARAMETER (alignment, zero length), EFI_NOT_FOUND (outside the space),
     *     EFI_UNSUPPORTED (an attribute is not a capability of the range)
     */
    public void setAttributes(long base, long length, long attributes) {
        if ((base & 0xFFF) != 0 || (length & 0xFFF) != 0 || length == 0) {
            throw new EfiException(EfiStatus.INVALID_PARAMETER, "BaseAddress and Length must be page aligned, Length > 0");
        }
        long end = base + length;
        if (Long.compareUnsigned(end, base) < 0 || Long.compareUnsigned(end, top) > 0) {
            throw new EfiException(EfiStatus.NOT_FOUND, String.format("0x%X+0x%X leaves the address space", base, length));
        }
        for (Entry e : entries) {
            if (e.end() > base && e.base() < end && (e.capabilities() & attributes & ~RUNTIME) != (attributes & ~RUNTIME)) {
                throw new EfiException(EfiStatus.UNSUPPORTED, String.format("attributes 0x%X are not capabilities of %s",
                        attributes, e));
            }
        }
        List<Entry> out = new ArrayList<>();
        for (Entry e : entries) {
            if (e.end() <= base || e.base() >= end) {
                add(out, e);
                continue;
            }
            if (e.base() < base) {
                add(out, new Entry(e.base(), base - e.base(), e.capabilities(), e.attributes(), e.type()));
            }
            long from = Math.max(e.base(), base);
            long to = Math.min(e.end(), end);
            add(out, new Entry(from, to - from, e.capabilities(), attributes, e.type()));
            if (e.end() > end) {
                add(out, new Entry(end, e.end() - end, e.capabilities(), e.attributes(), e.type()));
            }
        }
        entries.clear();
        entries.addAll(out);
    }
}
