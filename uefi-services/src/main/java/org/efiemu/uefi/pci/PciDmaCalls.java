package org.efiemu.uefi.pci;

import static org.efiemu.uefi.boot.ServiceCall.hex;

import org.efiemu.core.memory.GuestMemory;
import org.efiemu.uefi.boot.ServiceCall;
import org.efiemu.uefi.boot.ServiceCall.Align;
import org.efiemu.uefi.spec.EfiException;
import org.efiemu.uefi.spec.EfiStatus;

/**
 * The DMA steps EFI_PCI_IO_PROTOCOL and EFI_PCI_ROOT_BRIDGE_IO_PROTOCOL share once each has checked its own
 * arguments (UEFI 2.10 §14.2 and §14.4: PciBusDxe passes Unmap, AllocateBuffer and FreeBuffer on to the root bridge):
 * the {@link PciDma} model's answer, or its refusal's status with the reason in the trace. PciBusDxe's Map is the
 * root bridge's too (PciHostBridgeDxe's RootBridgeIoMap, no IOMMU on OVMF without SEV).
 */
final class PciDmaCalls {
    private PciDmaCalls() {}

    /**
     * {@code Map}'s mapping, once the caller has checked This, Operation and that the three OUT pointers are 8-byte
     * aligned RAM: {@code operation} 0-5 (the 64-bit ones as the 32-bit ones: DmaAbove4G is FALSE on OVMF); a
     * transfer reaching above 4 GiB is bounced (its host buffer must then be RAM, except for a common buffer, which
     * cannot be bounced: EFI_UNSUPPORTED); when the bounce buffer cannot be had, {@code *NumberOfBytes} becomes 0 as
     * RootBridgeIoMap sets it.
     */
    static EfiStatus map(ServiceCall c, PciDma dma, GuestMemory memory, int operation, long host, long bytesAt,
            long deviceAt, long mappingAt) {
        long bytes = memory.u64(bytesAt);
        boolean identity = Long.compareUnsigned(host + bytes, PciDma.FOUR_GIB) <= 0
                && Long.compareUnsigned(host, PciDma.FOUR_GIB) < 0;
        if (!identity && operation % 3 != 2 && (Long.compareUnsigned(bytes, Integer.MAX_VALUE) > 0
                || !c.isRam("HostAddress", host, Math.max(1, bytes), Align.NONE))) {
            return EfiStatus.INVALID_PARAMETER;
        }
        try {
            PciDma.Mapped m = dma.map(operation % 3, host, bytes);
            memory.putU64(bytesAt, m.bytes());
            memory.putU64(deviceAt, m.deviceAddress());
            memory.putU64(mappingAt, m.mapping());
            c.output(String.format("device 0x%X, %d bytes, mapping %s", m.deviceAddress(), m.bytes(),
                    m.mapping() == PciDma.NO_MAPPING ? "NO_MAPPING (identity)" : hex(m.mapping()) + " (bounce below 4 GiB)"));
            return EfiStatus.SUCCESS;
        } catch (EfiException e) {
            if (e.status() != EfiStatus.UNSUPPORTED) {
                memory.putU64(bytesAt, 0);
            }
            c.output(e.getMessage());
            return e.status();
        }
    }

    /** {@code Unmap(This, Mapping)}: the mapping in argument 1. */
    static EfiStatus unmap(ServiceCall c, PciDma dma) {
        try {
            dma.unmap(c.arg(1));
            return EfiStatus.SUCCESS;
        } catch (EfiException e) {
            c.output(e.getMessage());
            return e.status();
        }
    }

    /** {@code FreeBuffer(This, Pages, HostAddress)}: pages in argument 1, the buffer in argument 2. */
    static EfiStatus freeBuffer(ServiceCall c, PciDma dma) {
        try {
            dma.freeBuffer(c.arg(2), c.arg(1));
            return EfiStatus.SUCCESS;
        } catch (EfiException e) {
            c.output(e.getMessage());
            return e.status();
        }
    }

    /** {@code AllocateBuffer}'s allocation, its address stored at {@code hostAddressAt} (checked RAM by the caller). */
    static EfiStatus allocateBuffer(ServiceCall c, PciDma dma, GuestMemory memory, int memoryType, long pages,
            long attributes, long hostAddressAt) {
        try {
            long at = dma.allocateBuffer(memoryType, pages, attributes);
            memory.putU64(hostAddressAt, at);
            c.output(hex(at));
            return EfiStatus.SUCCESS;
        } catch (EfiException e) {
            c.output(e.getMessage());
            return e.status();
        }
    }
}
