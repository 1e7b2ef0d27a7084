package org.efiemu.uefi.pci;

import static org.efiemu.uefi.boot.ServiceCall.hex;
import static org.efiemu.uefi.boot.ServiceCall.ptr;

import org.efiemu.core.memory.GuestMemory;
import org.efiemu.uefi.boot.ServiceCall;
import org.efiemu.uefi.boot.ServiceCall.Align;
import org.efiemu.uefi.boot.ServiceHandler;
import org.efiemu.uefi.spec.EfiException;
import org.efiemu.uefi.spec.EfiStatus;

/**
 * ABI adapters of EFI_PCI_ROOT_BRIDGE_IO_PROTOCOL beyond configuration space (UEFI 2.10 §14.2) as EDK2's
 * PciHostBridgeDxe answers them on OVMF (no IOMMU, no DMA above 4 GiB), over the root bridge's captured facts
 * ({@link PciRootBridge}):
 * <ul>
 * <li>Mem.Read/Write, Io.Read/Write: {@code RootBridgeIoCheckParameter}'s checks ({@link PciRootBridge#check}); an
 * address inside a function's BAR reads and writes what the function's PciIo Mem/Io would (framebuffer, captured
 * registers, writes to registers dropped); any other address in an aperture reads all ones and drops writes (nothing
 * else is decoded there on the captured machines; what QEMU answers for an unclaimed address was not captured);
 * <li>PollMem/PollIo ({@link PciPolling}), CopyMem (unit by unit through Mem.Read/Write, backwards when the ranges
 * overlap with the destination above);
 * <li>Map/Unmap/AllocateBuffer/FreeBuffer ({@link PciDma}, shared with the functions' PciIo; the 64-bit operations
 * behave as the 32-bit ones, the root bridge doing no DMA above 4 GiB);
 * <li>GetAttributes, SetAttributes (within Supports, else EFI_UNSUPPORTED; ResourceBase/Length ignored as EDK2 does),
 * Configuration (the captured descriptors in a buffer the root bridge owns, rewritten at each call).
 * </ul>
 * A pointer argument that is not RAM (or misaligned for a UINT64) is EFI_INVALID_PARAMETER.
 */
final class PciRootBridgeIo {
    private PciRootBridgeIo() {}

    static ServiceHandler handler(PciProtocols p, String name) {
        return switch (name) {
            case "Mem.Read" -> c -> access(p, c, false, false);
            case "Mem.Write" -> c -> access(p, c, false, true);
            case "Io.Read" -> c -> access(p, c, true, false);
            case "Io.Write" -> c -> access(p, c, true, true);
            case "PollMem" -> c -> poll(p, c, false);
            case "PollIo" -> c -> poll(p, c, true);
            case "CopyMem" -> c -> copyMem(p, c);
            case "Map" -> c -> map(p, c);
            case "Unmap" -> c -> unmap(p, c);
            case "AllocateBuffer" -> c -> allocateBuffer(p, c);
            case "FreeBuffer" -> c -> freeBuffer(p, c);
            case "GetAttributes" -> c -> getAttributes(p, c);
            case "SetAttributes" -> c -> setAttributes(p, c);
            case "Configuration" -> c -> configuration(p, c);
            default -> null;
        };
    }

    /** One unit at an absolute address of the root bridge's memory or I/O space. */
    static long read(PciProtocols p, int segment, boolean io, long address, int unit) {
        for (PciDevice d : p.devicesOn(segment)) {
            PciBar bar = PciBarSpace.barAt(d, io, address, unit).orElse(null);
            if (bar != null) {
                return p.readUnit(bar, address - bar.base(), unit);
            }
        }
        return unit == 8 ? -1L : (1L << (8 * unit)) - 1;
    }

    static void write(PciProtocols p, int segment, boolean io, long address, int unit, long value) {
        for (PciDevice d : p.devicesOn(segment)) {
            PciBar bar = PciBarSpace.barAt(d, io, address, unit).orElse(null);
            if (bar != null) {
                p.writeUnit(bar, address - bar.base(), unit, value);
                return;
            }
        }
    }

    private static EfiStatus checked(ServiceCall c, PciRootBridge rb, boolean io, int w, long address, long count) {
        try {
            rb.check(io, w, address, count);
            return EfiStatus.SUCCESS;
        } catch (EfiException e) {
            c.output(e.getMessage());
            return e.status();
        }
    }

    /** {@code Mem/Io.Read/Write(This, Width, Address, Count, Buffer)}. */
    private static EfiStatus access(PciProtocols p, ServiceCall c, boolean io, boolean write) {
        long self = c.arg(0);
        int w = c.argU32(1);
        long address = c.arg(2);
        long count = c.arg(3);
        long buffer = c.arg(4);
        c.arguments(ptr(self), PciProtocols.widthName(w), hex(address), Long.toUnsignedString(count), ptr(buffer));
        PciRootBridge rb = p.rootBridgeFacts(self);
        if (rb == null || buffer == 0) {
            return EfiStatus.INVALID_PARAMETER;
        }
        EfiStatus s = checked(c, rb, io, w, address, count);
        if (s != EfiStatus.SUCCESS) {
            return s;
        }
        int unit = 1 << (w & 3);
        boolean fifo = w >= 4 && w < 8;
        boolean fill = w >= 8;
        long bufferBytes = fill ? unit : count * unit;
        if (Long.compareUnsigned(count, Integer.MAX_VALUE / 8) > 0
                || !c.isRam("Buffer", buffer, Math.max(1, bufferBytes), Align.NONE)) {
            return EfiStatus.INVALID_PARAMETER;
        }
        GuestMemory memory = p.memory();
        for (long i = 0; i < count; i++) {
            long at = fifo ? address : address + i * unit;
            long in = buffer + (fill ? 0 : i * unit);
            if (write) {
                long v = 0;
                byte[] b = memory.read(in, unit);
                for (int k = unit - 1; k >= 0; k--) {
                    v = v << 8 | (b[k] & 0xFF);
                }
                write(p, rb.segment(), io, at, unit, v);
            } else {
                long v = read(p, rb.segment(), io, at, unit);
                byte[] b = new byte[unit];
                for (int k = 0; k < unit; k++) {
                    b[k] = (byte) (v >>> (8 * k));
                }
                memory.write(in, b);
            }
        }
        c.output(String.format("%s 0x%X, %s units of %d", write ? "wrote" : "read", address,
                Long.toUnsignedString(count), unit));
        return EfiStatus.SUCCESS;
    }

    /** {@code PollMem/PollIo(This, Width, Address, Mask, Value, Delay, *Result)}. */
    private static EfiStatus poll(PciProtocols p, ServiceCall c, boolean io) {
        long self = c.arg(0);
        int w = c.argU32(1);
        long address = c.arg(2);
        long mask = c.arg(3);
        long value = c.arg(4);
        long delay = c.arg(5);
        long result = c.arg(6);
        c.arguments(ptr(self), PciProtocols.widthName(w), hex(address), hex(mask), hex(value),
                Long.toUnsignedString(delay), ptr(result));
        PciRootBridge rb = p.rootBridgeFacts(self);
        if (rb == null || result == 0 || Integer.compareUnsigned(w, 3) > 0
                || !c.isRam("Result", result, 8, Align.UINT64)) {
            return EfiStatus.INVALID_PARAMETER;
        }
        EfiStatus s = checked(c, rb, io, w, address, 1);
        if (s != EfiStatus.SUCCESS) {
            return s;
        }
        int unit = 1 << w;
        GuestMemory memory = p.memory();
        PciPolling.Outcome o = PciPolling.poll(memory.u64(result), read(p, rb.segment(), io, address, unit), unit, mask,
                value, delay);
        memory.putU64(result, o.result());
        if (o.nanos() > 0) {
            long previous = o.result();
            long[] last = {previous};
            if (p.waitNanos(c, o.nanos(), () -> {
                last[0] = PciPolling.result(previous, read(p, rb.segment(), io, address, unit), unit);
                return (last[0] & mask) == value;
            })) {
                memory.putU64(result, last[0]);
                c.output(hex(last[0]));
                return EfiStatus.SUCCESS;
            }
        }
        c.output(hex(o.result()));
        return o.status();
    }

    /** {@code CopyMem(This, Width, DestAddress, SrcAddress, Count)}. */
    private static EfiStatus copyMem(PciProtocols p, ServiceCall c) {
        long self = c.arg(0);
        int w = c.argU32(1);
        long dest = c.arg(2);
        long src = c.arg(3);
        long count = c.arg(4);
        c.arguments(ptr(self), PciProtocols.widthName(w), hex(dest), hex(src), Long.toUnsignedString(count));
        PciRootBridge rb = p.rootBridgeFacts(self);
        if (rb == null || Integer.compareUnsigned(w, 3) > 0) {
            return EfiStatus.INVALID_PARAMETER;
        }
        if (dest == src) {
            return EfiStatus.SUCCESS;
        }
        int unit = 1 << w;
        boolean forward = !(Long.compareUnsigned(dest, src) > 0 && Long.compareUnsigned(dest, src + count * unit) < 0);
        for (long i = 0; i < count; i++) {
            long k = forward ? i : count - 1 - i;
            EfiStatus s = checked(c, rb, false, w, src + k * unit, 1);
            if (s != EfiStatus.SUCCESS) {
                return s;
            }
            long v = read(p, rb.segment(), false, src + k * unit, unit);
            s = checked(c, rb, false, w, dest + k * unit, 1);
            if (s != EfiStatus.SUCCESS) {
                return s;
            }
            write(p, rb.segment(), false, dest + k * unit, unit, v);
        }
        return EfiStatus.SUCCESS;
    }

    /** {@code Map(This, Operation, HostAddress, *NumberOfBytes, *DeviceAddress, **Mapping)}. */
    private static EfiStatus map(PciProtocols p, ServiceCall c) {
        long self = c.arg(0);
        int op = c.argU32(1);
        long host = c.arg(2);
        long bytesAt = c.arg(3);
        long deviceAt = c.arg(4);
        long mappingAt = c.arg(5);
        String[] ops = {"EfiPciOperationBusMasterRead", "EfiPciOperationBusMasterWrite",
                "EfiPciOperationBusMasterCommonBuffer", "EfiPciOperationBusMasterRead64",
                "EfiPciOperationBusMasterWrite64", "EfiPciOperationBusMasterCommonBuffer64"};
        c.arguments(ptr(self), op >= 0 && op < ops.length ? ops[op] : Integer.toString(op), ptr(host), ptr(bytesAt),
                ptr(deviceAt), ptr(mappingAt));
        if (p.rootBridgeFacts(self) == null || host == 0 || bytesAt == 0 || deviceAt == 0 || mappingAt == 0
                || Integer.compareUnsigned(op, 5) > 0 || p.dma() == null) {
            return EfiStatus.INVALID_PARAMETER;
        }
        if (!c.isRam("NumberOfBytes", bytesAt, 8, Align.UINT64) || !c.isRam("DeviceAddress", deviceAt, 8, Align.UINT64)
                || !c.isRam("Mapping", mappingAt, 8, Align.UINT64)) {
            return EfiStatus.INVALID_PARAMETER;
        }
        return PciDmaCalls.map(c, p.dma(), p.memory(), op, host, bytesAt, deviceAt, mappingAt);
    }

    /** {@code Unmap(This, Mapping)}. */
    private static EfiStatus unmap(PciProtocols p, ServiceCall c) {
        c.arguments(ptr(c.arg(0)), hex(c.arg(1)));
        if (p.rootBridgeFacts(c.arg(0)) == null || p.dma() == null) {
            return EfiStatus.INVALID_PARAMETER;
        }
        return PciDmaCalls.unmap(c, p.dma());
    }

    /** {@code AllocateBuffer(This, Type, MemoryType, Pages, **HostAddress, Attributes)}. */
    private static EfiStatus allocateBuffer(PciProtocols p, ServiceCall c) {
        long self = c.arg(0);
        int memoryType = c.argU32(2);
        long pages = c.arg(3);
        long hostAt = c.arg(4);
        long attributes = c.arg(5);
        c.arguments(ptr(self), c.argU32(1), memoryType, Long.toUnsignedString(pages), ptr(hostAt), hex(attributes));
        if (p.rootBridgeFacts(self) == null || p.dma() == null) {
            return EfiStatus.INVALID_PARAMETER;
        }
        if ((attributes & ~PciDma.VALID_FOR_ALLOCATE_BUFFER) != 0) {
            c.output(String.format("attributes 0x%X: only MEMORY_WRITE_COMBINE, MEMORY_CACHED, DUAL_ADDRESS_CYCLE",
                    attributes));
            return EfiStatus.UNSUPPORTED;
        }
        if (hostAt == 0 || !c.isRam("HostAddress", hostAt, 8, Align.UINT64)) {
            return EfiStatus.INVALID_PARAMETER;
        }
        return PciDmaCalls.allocateBuffer(c, p.dma(), p.memory(), memoryType, pages, attributes, hostAt);
    }

    /** {@code FreeBuffer(This, Pages, HostAddress)}: FreePages' status. */
    private static EfiStatus freeBuffer(PciProtocols p, ServiceCall c) {
        c.arguments(ptr(c.arg(0)), Long.toUnsignedString(c.arg(1)), ptr(c.arg(2)));
        if (p.rootBridgeFacts(c.arg(0)) == null || p.dma() == null) {
            return EfiStatus.INVALID_PARAMETER;
        }
        return PciDmaCalls.freeBuffer(c, p.dma());
    }

    /** {@code GetAttributes(This, *Supported, *Attributes)}. */
    private static EfiStatus getAttributes(PciProtocols p, ServiceCall c) {
        long supportedAt = c.arg(1);
        long attributesAt = c.arg(2);
        c.arguments(ptr(c.arg(0)), ptr(supportedAt), ptr(attributesAt));
        PciRootBridge rb = p.rootBridgeFacts(c.arg(0));
        if (rb == null || supportedAt == 0 && attributesAt == 0
                || supportedAt != 0 && !c.isRam("Supported", supportedAt, 8, Align.UINT64)
                || attributesAt != 0 && !c.isRam("Attributes", attributesAt, 8, Align.UINT64)) {
            return EfiStatus.INVALID_PARAMETER;
        }
        if (supportedAt != 0) {
            p.memory().putU64(supportedAt, rb.supports());
        }
        if (attributesAt != 0) {
            p.memory().putU64(attributesAt, rb.attributes());
        }
        c.output(String.format("supports 0x%X, attributes 0x%X", rb.supports(), rb.attributes()));
        return EfiStatus.SUCCESS;
    }

    /** {@code SetAttributes(This, Attributes, *ResourceBase, *ResourceLength)}. */
    private static EfiStatus setAttributes(PciProtocols p, ServiceCall c) {
        long self = c.arg(0);
        long attributes = c.arg(1);
        c.arguments(ptr(self), hex(attributes), ptr(c.arg(2)), ptr(c.arg(3)));
        PciRootBridge rb = p.rootBridgeFacts(self);
        if (rb == null) {
            return EfiStatus.INVALID_PARAMETER;
        }
        try {
            p.rootBridgeFacts(self, rb.setAttributes(attributes));
            return EfiStatus.SUCCESS;
        } catch (EfiException e) {
            c.output(e.getMessage());
            return e.status();
        }
    }

    /** {@code Configuration(This, **Resources)}: the root bridge's own buffer, which the caller must not free. */
    private static EfiStatus configuration(PciProtocols p, ServiceCall c) {
        long resourcesAt = c.arg(1);
        c.arguments(ptr(c.arg(0)), ptr(resourcesAt));
        PciRootBridge rb = p.rootBridgeFacts(c.arg(0));
        if (rb == null || resourcesAt == 0 || !c.isRam("Resources", resourcesAt, 8, Align.UINT64)) {
            return EfiStatus.INVALID_PARAMETER;
        }
        long buffer = p.configurationBuffer(c.arg(0));
        p.memory().write(buffer, rb.configuration());
        p.memory().putU64(resourcesAt, buffer);
        c.output(hex(buffer));
        return EfiStatus.SUCCESS;
    }
}
