package org.efiemu.uefi.pci;

import static org.efiemu.uefi.boot.ServiceCall.hex;
import static org.efiemu.uefi.boot.ServiceCall.ptr;

import org.efiemu.core.memory.GuestMemory;
import org.efiemu.uefi.boot.ServiceCall;
import org.efiemu.uefi.boot.ServiceCall.Align;
import org.efiemu.uefi.spec.EfiException;
import org.efiemu.uefi.spec.EfiStatus;

/**
 * ABI adapters of EFI_PCI_IO_PROTOCOL's PollMem, PollIo, CopyMem and SetBarAttributes (UEFI 2.10 §14.4) in the order of
 * checks of EDK2's PciBusDxe ({@code PciIoPollMem}, {@code PciIoPollIo}, {@code PciIoCopyMem},
 * {@code PciIoSetBarAttributes}) and of the root bridge functions they call (PciHostBridgeDxe, no unaligned access:
 * OVMF builds without {@code PcdUnalignedPciIoEnable}); the pure rules are {@link PciBarSpace#verify} and
 * {@link PciPolling}. A pointer that is not RAM (or not 8-byte aligned for a UINT64) is EFI_INVALID_PARAMETER.
 */
final class PciIoExtras {
    private PciIoExtras() {}

    /** {@code PollMem/PollIo(This, Width, BarIndex, Offset, Mask, Value, Delay, *Result)}. */
    static EfiStatus pollBar(PciProtocols p, ServiceCall c, boolean io) {
        long self = c.arg(0);
        int w = c.argU32(1);
        int barIndex = (int) (c.arg(2) & 0xFF);
        long offset = c.arg(3);
        long mask = c.arg(4);
        long value = c.arg(5);
        long delay = c.arg(6);
        long result = c.arg(7);
        c.arguments(ptr(self), PciProtocols.widthName(w), barIndex, hex(offset), hex(mask), hex(value),
                Long.toUnsignedString(delay), ptr(result));
        PciDevice d = p.deviceOf(self);
        if (d == null || (io ? Integer.compareUnsigned(w, 3) > 0 : Integer.compareUnsigned(w, 11) > 0)) {
            return EfiStatus.INVALID_PARAMETER;
        }
        PciBar bar;
        try {
            bar = PciBarSpace.verify(d, barIndex, io, w, offset, 1);
        } catch (EfiException e) {
            c.output(e.getMessage());
            return EfiStatus.UNSUPPORTED;
        }
        if (w > 3) {
            return EfiStatus.INVALID_PARAMETER;
        }
        // from here on the root bridge's PollMem/PollIo answers: PciBusDxe reports its errors as a status code,
        // whose router raises and restores the TPL (RFLAGS.IF set on return, a pending tick taken there)
        if (result == 0 || !c.isRam("Result", result, 8, Align.UINT64)) {
            c.lockTaken(true);
            return EfiStatus.INVALID_PARAMETER;
        }
        int unit = 1 << w;
        if (((bar.base() + offset) & (unit - 1)) != 0) {
            c.output(String.format("offset 0x%X is not aligned to %d bytes", offset, unit));
            c.lockTaken(true);
            return EfiStatus.UNSUPPORTED;
        }
        GuestMemory memory = p.memory();
        PciPolling.Outcome o = PciPolling.poll(memory.u64(result), p.readUnit(bar, offset, unit), unit, mask, value, delay);
        memory.putU64(result, o.result());
        if (o.nanos() > 0) {
            long previous = o.result();
            long[] last = {previous};
            if (p.waitNanos(c, o.nanos(), () -> {
                last[0] = PciPolling.result(previous, p.readUnit(bar, offset, unit), unit);
                return (last[0] & mask) == value;
            })) {
                memory.putU64(result, last[0]);
                c.output(hex(last[0]));
                return EfiStatus.SUCCESS;
            }
        }
        c.output(hex(o.result()) + (o.status() == EfiStatus.TIMEOUT ? " (no match within the delay)" : ""));
        c.lockTaken(o.status() != EfiStatus.SUCCESS);
        return o.status();
    }

    /** {@code CopyMem(This, Width, DestBarIndex, DestOffset, SrcBarIndex, SrcOffset, Count)}. */
    static EfiStatus copyMem(PciProtocols p, ServiceCall c) {
        long self = c.arg(0);
        int w = c.argU32(1);
        int destIndex = (int) (c.arg(2) & 0xFF);
        long destOffset = c.arg(3);
        int srcIndex = (int) (c.arg(4) & 0xFF);
        long srcOffset = c.arg(5);
        long count = c.arg(6);
        c.arguments(ptr(self), PciProtocols.widthName(w), destIndex, hex(destOffset), srcIndex, hex(srcOffset),
                Long.toUnsignedString(count));
        PciDevice d = p.deviceOf(self);
        if (d == null || Integer.compareUnsigned(w, 3) > 0) { // Fifo and Fill widths too (PciIoCopyMem)
            return EfiStatus.INVALID_PARAMETER;
        }
        PciBar dest;
        PciBar src;
        try {
            dest = PciBarSpace.verify(d, destIndex, false, w, destOffset, count);
            src = PciBarSpace.verify(d, srcIndex, false, w, srcOffset, count);
        } catch (EfiException e) {
            c.output(e.getMessage());
            return EfiStatus.UNSUPPORTED;
        }
        int unit = 1 << w;
        long destAt = dest.base() + destOffset;
        long srcAt = src.base() + srcOffset;
        if (destAt == srcAt) {
            return EfiStatus.SUCCESS;
        }
        if (((destAt | srcAt) & (unit - 1)) != 0) {
            c.output("an address is not aligned to " + unit + " bytes");
            c.lockTaken(true); // the root bridge's refusal: PciBusDxe reports it as a status code (RFLAGS.IF set)
            return EfiStatus.UNSUPPORTED;
        }
        boolean forward = !(destAt > srcAt && destAt < srcAt + count * unit);
        for (long i = 0; i < count; i++) {
            long k = forward ? i : count - 1 - i;
            p.writeUnit(dest, destOffset + k * unit, unit, p.readUnit(src, srcOffset + k * unit, unit));
        }
        c.output(String.format("%s units %s", Long.toUnsignedString(count), forward ? "forward" : "backward"));
        return EfiStatus.SUCCESS;
    }

    /** {@code SetBarAttributes(This, Attributes, BarIndex, *Offset, *Length)}. */
    static EfiStatus setBarAttributes(PciProtocols p, ServiceCall c) {
        long self = c.arg(0);
        long attributes = c.arg(1);
        int barIndex = (int) (c.arg(2) & 0xFF);
        long offsetAt = c.arg(3);
        long lengthAt = c.arg(4);
        c.arguments(ptr(self), hex(attributes), barIndex, ptr(offsetAt), ptr(lengthAt));
        PciDevice d = p.deviceOf(self);
        if (d == null || offsetAt == 0 || lengthAt == 0 || !c.isRam("Offset", offsetAt, 8, Align.UINT64)
                || !c.isRam("Length", lengthAt, 8, Align.UINT64)) {
            return EfiStatus.INVALID_PARAMETER;
        }
        if (barIndex > 5 || d.bar(barIndex).isEmpty()) {
            c.output(d.location() + " has no BAR " + barIndex);
            return EfiStatus.UNSUPPORTED;
        }
        // PciBusDxe: Supports = Supports & MEMORY_CACHED & MEMORY_WRITE_COMBINE, which is 0: only Attributes 0 passes
        if (attributes != 0) {
            c.output("this PCI bus driver sets no BAR attribute (WRITE_COMBINE, CACHED)");
            return EfiStatus.UNSUPPORTED;
        }
        GuestMemory memory = p.memory();
        long offset = memory.u64(offsetAt);
        long length = memory.u64(lengthAt) & 0xFFFF_FFFFL; // PciIoVerifyBarAccess gets (UINT32)*Length
        try {
            PciBarSpace.verify(d, barIndex, false, 0, offset, length);
        } catch (EfiException e) {
            c.output(e.getMessage());
            return EfiStatus.UNSUPPORTED;
        }
        return EfiStatus.SUCCESS;
    }
}
