package org.efiemu.uefi.tables;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.efiemu.uefi.firmware.PlatformMemory;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.efiemu.uefi.spec.MemoryType;

/**
 * The HOB list a platform's PEI phase hands to DXE (PI 1.7 vol. 3 §5, the {@code gEfiHobListGuid} configuration
 * table), built from the platform's memory map at application entry:
 * <ol>
 * <li>the PHIT ({@code EFI_HOB_HANDOFF_INFO_TABLE}, version 9, BOOT_WITH_FULL_CONFIGURATION), describing the HOB list's
 * own memory as PEI's permanent memory (EfiMemoryBottom = the list, EfiEndOfHobList = its END HOB);
 * <li>the CPU HOB (memory space and I/O space widths);
 * <li>one resource descriptor per range of the map, address ordered: RAM (contiguous descriptors merged) as
 * EFI_RESOURCE_SYSTEM_MEMORY with PRESENT|INITIALIZED|TESTED and the UC/WC/WT/WB capabilities (0x3C07, as OVMF's
 * PlatformPei reports RAM); MMIO as EFI_RESOURCE_MEMORY_MAPPED_IO and reserved non-RAM as EFI_RESOURCE_MEMORY_RESERVED,
 * both PRESENT|INITIALIZED|UNCACHEABLE (0x407, OVMF's);
 * <li>one memory allocation HOB per RAM descriptor the firmware owns at entry (every type but EfiConventionalMemory),
 * with its memory type;
 * <li>END_OF_HOB_LIST.
 * </ol>
 * OVMF's own list also holds its GUID extension HOBs, its firmware volume and memory pool HOBs, and resource
 * descriptors for windows its memory map does not show (the 32-bit PCI aperture, IOAPIC, HPET, LAPIC, the I/O port
 * range); a profile's map cannot say those, so they are not here.
 */
public final class HobList {
    public static final int TYPE_HANDOFF = 0x0001;
    public static final int TYPE_MEMORY_ALLOCATION = 0x0002;
    public static final int TYPE_RESOURCE_DESCRIPTOR = 0x0003;
    public static final int TYPE_CPU = 0x0006;
    public static final int TYPE_END_OF_HOB_LIST = 0xFFFF;
    public static final int RESOURCE_SYSTEM_MEMORY = 0;
    public static final int RESOURCE_MEMORY_MAPPED_IO = 1;
    public static final int RESOURCE_MEMORY_RESERVED = 5;
    /** PRESENT | INITIALIZED | TESTED | UNCACHEABLE | WRITE_COMBINEABLE | WRITE_THROUGH_CACHEABLE | WRITE_BACK_CACHEABLE. */
    public static final int RAM_ATTRIBUTES = 0x3C07;
    /** PRESENT | INITIALIZED | TESTED | UNCACHEABLE, as OVMF reports MMIO and reserved windows. */
    public static final int DEVICE_ATTRIBUTES = 0x407;
    static final int HANDOFF_SIZE = 56;
    static final int CPU_SIZE = 16;
    static final int RESOURCE_SIZE = 48;
    static final int ALLOCATION_SIZE = 48;

    /** One resource descriptor HOB's facts. */
    public record Resource(int type, int attribute, long start, long length) {}

    private final List<Resource> resources;
    private final List<MemoryDescriptor> allocations;
    private final int memorySpaceBits;

    private HobList(List<Resource> resources, List<MemoryDescriptor> allocations, int memorySpaceBits) {
        this.resources = resources;
        this.allocations = allocations;
        this.memorySpaceBits = memorySpaceBits;
    }

    /** The HOB list for {@code map} (the platform's map at application entry). */
    public static HobList of(List<MemoryDescriptor> map) {
        List<MemoryDescriptor> sorted = map.stream().sorted(Comparator.comparingLong(MemoryDescriptor::physicalStart)).toList();
        List<Resource> ram = new ArrayList<>();
        List<Resource> devices = new ArrayList<>();
        List<MemoryDescriptor> allocations = new ArrayList<>();
        for (MemoryDescriptor d : sorted) {
            if (PlatformMemory.isRam(d)) {
                Resource last = ram.isEmpty() ? null : ram.get(ram.size() - 1);
                if (last != null && last.start() + last.length() == d.physicalStart()) {
                    ram.set(ram.size() - 1, new Resource(last.type(), last.attribute(), last.start(), last.length() + d.bytes()));
                } else {
                    ram.add(new Resource(RESOURCE_SYSTEM_MEMORY, RAM_ATTRIBUTES, d.physicalStart(), d.bytes()));
                }
                if (d.type() != MemoryType.EfiConventionalMemory.value()) {
                    allocations.add(d);
                }
            } else {
                int type = d.type() == MemoryType.EfiReservedMemoryType.value() ? RESOURCE_MEMORY_RESERVED
                        : RESOURCE_MEMORY_MAPPED_IO;
                devices.add(new Resource(type, DEVICE_ATTRIBUTES, d.physicalStart(), d.bytes()));
            }
        }
        List<Resource> all = new ArrayList<>(ram);
        all.addAll(devices);
        long top = sorted.stream().mapToLong(MemoryDescriptor::end).max().orElse(0);
        return new HobList(List.copyOf(all), List.copyOf(allocations), memorySpaceBits(top));
    }

    /**
     * The CPU HOB's SizeOfMemorySpace: 36 bits (what OVMF's PlatformPei computes on QEMU q35 with a few GiB) unless
     * the map reaches higher, then the bits its top needs.
     */
    static int memorySpaceBits(long top) {
        int bits = 36;
        while (bits < 52 && top > (1L << bits)) {
            bits++;
        }
        return bits;
    }

    public List<Resource> resources() {
        return resources;
    }

    public int memorySpaceBits() {
        return memorySpaceBits;
    }

    /** Bytes of the whole list. */
    public int size() {
        return HANDOFF_SIZE + CPU_SIZE + RESOURCE_SIZE * resources.size() + ALLOCATION_SIZE * allocations.size() + 8;
    }

    /** The list's bytes when it lies at {@code base}. */
    public byte[] build(long base) {
        ByteBuffer b = ByteBuffer.allocate(size()).order(ByteOrder.LITTLE_ENDIAN);
        long end = base + size() - 8;
        header(b, TYPE_HANDOFF, HANDOFF_SIZE);
        b.putInt(9).putInt(0); // EFI_HOB_HANDOFF_TABLE_VERSION, BOOT_WITH_FULL_CONFIGURATION
        b.putLong(base + size()).putLong(base).putLong(base + size()).putLong(base + size()).putLong(end);
        header(b, TYPE_CPU, CPU_SIZE);
        b.put((byte) memorySpaceBits).put((byte) 16).put(new byte[6]);
        for (Resource r : resources) {
            header(b, TYPE_RESOURCE_DESCRIPTOR, RESOURCE_SIZE);
            b.put(new byte[16]); // Owner: no GUID
            b.putInt(r.type()).putInt(r.attribute()).putLong(r.start()).putLong(r.length());
        }
        for (MemoryDescriptor d : allocations) {
            header(b, TYPE_MEMORY_ALLOCATION, ALLOCATION_SIZE);
            b.put(new byte[16]); // EFI_HOB_MEMORY_ALLOCATION_HEADER.Name: none
            b.putLong(d.physicalStart()).putLong(d.bytes()).putInt(d.type()).put(new byte[4]);
        }
        header(b, TYPE_END_OF_HOB_LIST, 8);
        return b.array();
    }

    private static void header(ByteBuffer b, int type, int length) {
        b.putShort((short) type).putShort((short) length).putInt(0);
    }
}
