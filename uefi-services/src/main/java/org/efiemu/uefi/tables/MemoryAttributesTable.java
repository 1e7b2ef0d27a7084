package org.efiemu.uefi.tables;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.efiemu.uefi.spec.MemoryAttribute;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.efiemu.uefi.spec.MemoryType;

/**
 * {@code EFI_MEMORY_ATTRIBUTES_TABLE} (UEFI 2.10 §4.6.4), version 1 as EDK2 2022.11's DxeCore installs it at
 * ReadyToBoot ({@code MdeModulePkg/Core/Dxe/Misc/MemoryAttributesTable.c}): a 16-byte header (Version,
 * NumberOfEntries, DescriptorSize, Reserved) and one {@code EFI_MEMORY_DESCRIPTOR} per EfiRuntimeServicesCode and
 * EfiRuntimeServicesData range of the memory map, in address order, VirtualStart 0, with only the attributes the
 * table may carry: EFI_MEMORY_RUNTIME plus EFI_MEMORY_RO for code and EFI_MEMORY_XP for data.
 *
 * <p>EDK2 splits each runtime driver image into its code sections (RO) and data sections (XP), both typed
 * EfiRuntimeServicesCode; the platform's map does not say where a runtime image's sections lie, so each
 * EfiRuntimeServicesCode range is one read-only entry here (efiemu's own runtime stubs never write into it).
 */
public final class MemoryAttributesTable {
    /** {@code EFI_MEMORY_ATTRIBUTES_TABLE_VERSION} of UEFI 2.10 without the Flags field's use. */
    public static final int VERSION = 1;
    /** Header size: Version, NumberOfEntries, DescriptorSize, Reserved. */
    public static final int HEADER_SIZE = 16;

    private MemoryAttributesTable() {}

    /** The runtime entries of {@code map}, sorted by address, with the table's attributes. */
    public static List<MemoryDescriptor> entries(List<MemoryDescriptor> map) {
        return map.stream().filter(d -> d.type() == MemoryType.EfiRuntimeServicesCode.value()
                        || d.type() == MemoryType.EfiRuntimeServicesData.value())
                .sorted(java.util.Comparator.comparingLong(MemoryDescriptor::physicalStart))
                .map(d -> new MemoryDescriptor(d.type(), d.physicalStart(), 0, d.numberOfPages(),
                        MemoryAttribute.RUNTIME | (d.type() == MemoryType.EfiRuntimeServicesCode.value()
                                ? MemoryAttribute.RO : MemoryAttribute.XP)))
                .toList();
    }

    /**
     * The table's bytes for {@code map} with descriptors of {@code descriptorSize} bytes (GetMemoryMap's size, at
     * least 40).
     */
    public static byte[] build(List<MemoryDescriptor> map, int descriptorSize) {
        if (descriptorSize < MemoryDescriptor.SPEC_SIZE) {
            throw new IllegalArgumentException("memory attributes table: descriptor size " + descriptorSize
                    + ": expected at least " + MemoryDescriptor.SPEC_SIZE);
        }
        List<MemoryDescriptor> entries = entries(map);
        ByteBuffer b = ByteBuffer.allocate(HEADER_SIZE + entries.size() * descriptorSize).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(VERSION).putInt(entries.size()).putInt(descriptorSize).putInt(0);
        for (int i = 0; i < entries.size(); i++) {
            MemoryDescriptor d = entries.get(i);
            b.position(HEADER_SIZE + i * descriptorSize);
            b.putInt(d.type()).putInt(0).putLong(d.physicalStart()).putLong(d.virtualStart())
                    .putLong(d.numberOfPages()).putLong(d.attribute());
        }
        return b.array();
    }
}
