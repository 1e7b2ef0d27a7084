package org.efiemu.uefi.tables;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.efiemu.uefi.memory.MemoryTypeBin;
import org.efiemu.uefi.spec.MemoryType;

/**
 * The {@code gEfiMemoryTypeInformationGuid} configuration table EDK2's DxeCore installs
 * ({@code MdeModulePkg/Core/Dxe/Mem/Page.c} {@code gMemoryTypeInformation}; PI 1.7 vol. 3 §5.5 for the HOB it comes
 * from): an array of {@code EFI_MEMORY_TYPE_INFORMATION} {UINT32 Type; UINT32 NumberOfPages}, one per memory type in
 * type order, ended by an entry of type EfiMaxMemoryType. NumberOfPages is the size of the type's memory-type bin
 * (the platform's placement bins: for OVMF the bins its MemoryTypeInformation variable asked for), 0 for a type
 * without a bin. EDK2 raises an entry when the type's use grows past its bin; the table here is the bins at
 * application entry.
 */
public final class MemoryTypeInformationTable {
    /** Bytes of one entry. */
    public static final int ENTRY_SIZE = 8;

    private MemoryTypeInformationTable() {}

    /** The table's bytes for {@code bins}. */
    public static byte[] build(List<MemoryTypeBin> bins) {
        ByteBuffer b = ByteBuffer.allocate((MemoryType.MAX_MEMORY_TYPE + 1) * ENTRY_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        for (int type = 0; type < MemoryType.MAX_MEMORY_TYPE; type++) {
            final int t = type;
            long pages = bins.stream().filter(bin -> bin.type().value() == t).mapToLong(MemoryTypeBin::pages).sum();
            b.putInt(type).putInt((int) Math.min(pages, 0xFFFF_FFFFL));
        }
        b.putInt(MemoryType.MAX_MEMORY_TYPE).putInt(0);
        return b.array();
    }
}
