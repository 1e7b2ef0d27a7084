package org.efiemu.uefi.pci;

import java.util.LinkedHashMap;
import java.util.Map;
import org.efiemu.uefi.spec.EfiException;
import org.efiemu.uefi.spec.EfiStatus;

/**
 * Bus-master DMA of EFI_PCI_IO_PROTOCOL (UEFI 2.10 §14.4 Map, Unmap, AllocateBuffer, FreeBuffer) as EDK2's PciBusDxe
 * and PciHostBridgeDxe do it on OVMF, whose root bridge does no DMA above 4 GiB ({@code DmaAbove4G} FALSE) and has no
 * IOMMU (memory is identity-mapped): pure, over a page allocator.
 * <ul>
 * <li>Map: a host range ending at or below 4 GiB is its own device address, with the mapping value {@link #NO_MAPPING}
 * ((VOID *)-1, EDK2's NO_MAPPING); a range above needs a bounce buffer below 4 GiB (EfiBootServicesData pages,
 * AllocateMaxAddress 0xFFFFFFFF), filled from the host range for BusMasterRead and copied back at Unmap for
 * BusMasterWrite; CommonBuffer above 4 GiB is EFI_UNSUPPORTED;
 * <li>Unmap of {@link #NO_MAPPING} succeeds; of a live bounce mapping copies back and frees it; anything else is
 * EFI_INVALID_PARAMETER;
 * <li>AllocateBuffer: attributes other than MEMORY_WRITE_COMBINE, MEMORY_CACHED (and DUAL_ADDRESS_CYCLE) are
 * EFI_UNSUPPORTED; the memory type must be EfiBootServicesData or EfiRuntimeServicesData (else
 * EFI_INVALID_PARAMETER); pages come from AllocatePages(AllocateMaxAddress, type, pages, 0xFFFFFFFF), the Type
 * argument is ignored as EDK2 ignores it;
 * <li>FreeBuffer: FreePages of the range, with its status.
 * </ul>
 */
public final class PciDma {
    /** EDK2's NO_MAPPING: the Mapping value of an identity mapping. */
    public static final long NO_MAPPING = -1L;
    public static final long FOUR_GIB = 1L << 32;
    /** EFI_PCI_ATTRIBUTE_MEMORY_WRITE_COMBINE | MEMORY_CACHED | DUAL_ADDRESS_CYCLE. */
    public static final long VALID_FOR_ALLOCATE_BUFFER = 0x0080 | 0x0800 | 0x8000;
    static final int BOOT_SERVICES_DATA = 4;
    static final int RUNTIME_SERVICES_DATA = 6;

    /** Operations of Map (EFI_PCI_IO_PROTOCOL_OPERATION). */
    public static final String[] OPERATIONS = {"EfiPciIoOperationBusMasterRead", "EfiPciIoOperationBusMasterWrite",
            "EfiPciIoOperationBusMasterCommonBuffer"};

    /** The pages DMA buffers come from (the firmware's memory map) and the bytes bounce copies move. */
    public interface Host {
        /** AllocatePages(AllocateMaxAddress, type, pages, maxAddress); throws EfiException with AllocatePages' status. */
        long allocatePagesBelow(int memoryType, long pages, long maxAddress);

        /** FreePages; throws EfiException with its status. */
        void freePages(long address, long pages);

        void copy(long from, long to, long bytes);

        /** AllocatePool(EfiBootServicesData) for a buffer the caller frees (GetBarAttributes' Resources). */
        long allocatePool(long bytes);
    }

    /** A live bounce mapping. */
    public record Mapping(int operation, long host, long bounce, long bytes) {
        long pages() {
            return (bytes + 0xFFF) >>> 12;
        }
    }

    /** The result of Map: the device address, the bytes mapped and the Mapping value. */
    public record Mapped(long deviceAddress, long bytes, long mapping) {}

    private final Host host;
    private final Map<Long, Mapping> live = new LinkedHashMap<>();

    public PciDma(Host host) {
        this.host = host;
    }

    /** Map (after the adapter checked Operation and the OUT pointers). */
    public Mapped map(int operation, long hostAddress, long bytes) {
        if (operation < 0 || operation > 2) {
            throw new EfiException(EfiStatus.INVALID_PARAMETER, "Operation " + operation + " is not a PCI I/O operation");
        }
        if (Long.compareUnsigned(hostAddress + bytes, FOUR_GIB) <= 0 && Long.compareUnsigned(hostAddress, FOUR_GIB) < 0) {
            return new Mapped(hostAddress, bytes, NO_MAPPING);
        }
        if (operation == 2) {
            throw new EfiException(EfiStatus.UNSUPPORTED, String.format("a common buffer at 0x%X+0x%X is above 4 GiB "
                    + "and this root bridge does no DMA above 4 GiB", hostAddress, bytes));
        }
        long pages = (bytes + 0xFFF) >>> 12;
        long bounce;
        try {
            bounce = host.allocatePagesBelow(BOOT_SERVICES_DATA, pages, FOUR_GIB - 1);
        } catch (EfiException e) {
            throw new EfiException(EfiStatus.OUT_OF_RESOURCES, "no " + pages + " pages below 4 GiB for a bounce buffer");
        }
        if (operation == 0) {
            host.copy(hostAddress, bounce, bytes);
        }
        live.put(bounce, new Mapping(operation, hostAddress, bounce, bytes));
        return new Mapped(bounce, bytes, bounce);
    }

    /** Unmap. */
    public void unmap(long mapping) {
        if (mapping == NO_MAPPING) {
            return;
        }
        Mapping m = live.remove(mapping);
        if (m == null) {
            throw new EfiException(EfiStatus.INVALID_PARAMETER, String.format("0x%X is not a live Mapping", mapping));
        }
        if (m.operation() == 1) {
            host.copy(m.bounce(), m.host(), m.bytes());
        }
        host.freePages(m.bounce(), m.pages());
    }

    /** AllocateBuffer; returns the host address. */
    public long allocateBuffer(int memoryType, long pages, long attributes) {
        if ((attributes & ~VALID_FOR_ALLOCATE_BUFFER) != 0) {
            throw new EfiException(EfiStatus.UNSUPPORTED, String.format("attributes 0x%X are not valid for "
                    + "AllocateBuffer (only MEMORY_WRITE_COMBINE, MEMORY_CACHED, DUAL_ADDRESS_CYCLE)", attributes));
        }
        if (memoryType != BOOT_SERVICES_DATA && memoryType != RUNTIME_SERVICES_DATA) {
            throw new EfiException(EfiStatus.INVALID_PARAMETER, "MemoryType " + memoryType + " is not EfiBootServicesData "
                    + "or EfiRuntimeServicesData");
        }
        return host.allocatePagesBelow(memoryType, pages, FOUR_GIB - 1);
    }

    /** FreeBuffer. */
    public void freeBuffer(long hostAddress, long pages) {
        host.freePages(hostAddress, pages);
    }

    /** Live bounce mappings (for tests and the report). */
    public int liveMappings() {
        return live.size();
    }
}
