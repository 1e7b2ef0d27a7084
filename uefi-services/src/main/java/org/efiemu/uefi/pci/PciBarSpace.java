package org.efiemu.uefi.pci;

import org.efiemu.uefi.spec.EfiException;
import org.efiemu.uefi.spec.EfiStatus;

/**
 * Memory and I/O space behind a PCI function's BARs as EFI_PCI_IO_PROTOCOL.Mem/Io reach it (UEFI 2.10 §14.4), pure:
 * the access checks of EDK2's PciBusDxe ({@code PciIoVerifyBarAccess}: a BAR the device does not have, of the other
 * space, or an access leaving the BAR is EFI_UNSUPPORTED; the root bridge refuses an offset not aligned to the width
 * with EFI_UNSUPPORTED, OVMF building without {@code PcdUnalignedPciIoEnable}) and what a read returns.
 *
 * <p>What a read returns is decided from what QEMU 7.2 answered under OVMF 2022.11 for the functions of the OVMF
 * profiles (the firmware-probe's {@code pci: bar-read} lines): each BAR's bytes (whole register BARs up to 4 KiB, else
 * the first 64 of memory or 16 of I/O) read back as captured at BDS time (the stdvga MMIO BAR's EDID header, the AHCI controller's CAP/GHC registers,
 * I/O BARs' register values); device registers are not otherwise modelled, so bytes beyond the captured ones read as
 * all ones (0xFF), what a read of an unclaimed address gives on PCI. Where the BAR's range is RAM in the emulator (the
 * stdvga framebuffer BAR, which efiemu's GOP framebuffer occupies) the ABI adapter reads and writes that memory
 * instead. Writes to device registers are accepted and change nothing that a read returns.
 */
public final class PciBarSpace {
    private PciBarSpace() {}

    /**
     * Checks an access and gives its first byte's offset in the BAR (Fifo: the offset stays, Fill: it advances).
     *
     * @param io whether the access is Io.Read/Write (else Mem.Read/Write)
     * @throws EfiException EFI_INVALID_PARAMETER for a width out of 0-11; EFI_UNSUPPORTED for a BAR the device does not
     *     have or of the other space, a misaligned offset or a range leaving the BAR
     */
    public static PciBar check(PciDevice d, int barIndex, boolean io, int width, long offset, long count) {
        int unit = PciConfigSpace.unitBytes(width);
        PciBar bar = barIndex >= 0 && barIndex < 6 ? d.bar(barIndex).orElse(null) : null;
        if (bar == null || bar.io() != io) {
            throw new EfiException(EfiStatus.UNSUPPORTED, String.format("%s has no %s BAR %d", d.location(),
                    io ? "I/O" : "memory", barIndex));
        }
        long units = width >= 4 && width < 8 ? 1 : count;
        if (count < 0 || offset < 0 || units > bar.length() || offset + units * unit > bar.length()) {
            throw new EfiException(EfiStatus.UNSUPPORTED, String.format("%d units of %d bytes at 0x%X leave BAR %d "
                    + "(0x%X bytes)", count, unit, offset, barIndex, bar.length()));
        }
        if ((offset & (unit - 1)) != 0) {
            throw new EfiException(EfiStatus.UNSUPPORTED, String.format("offset 0x%X is not aligned to %d bytes", offset,
                    unit));
        }
        return bar;
    }

    /** The bytes a read of {@code count} units returns from captured device registers (after {@link #check}). */
    public static byte[] read(PciBar bar, int width, long offset, int count) {
        int unit = PciConfigSpace.unitBytes(width);
        byte[] head = bar.head();
        byte[] out = new byte[unit * count];
        for (int i = 0; i < count; i++) {
            long at = width >= 4 && width < 8 ? offset : offset + (long) i * unit;
            for (int k = 0; k < unit; k++) {
                long b = at + k;
                out[i * unit + k] = b < head.length ? head[(int) b] : (byte) 0xFF;
            }
        }
        return out;
    }

    /** Whether a read of these bytes is served by captured bytes alone (none read as all ones). */
    public static boolean captured(PciBar bar, int width, long offset, long count) {
        int unit = PciConfigSpace.unitBytes(width);
        long end = width >= 4 && width < 8 ? offset + unit : offset + unit * count;
        return end <= bar.head().length;
    }

    /**
     * EDK2 PciBusDxe's {@code PciIoVerifyBarAccess} as PollMem, PollIo, CopyMem and SetBarAttributes use it (their
     * callers turn any failure into EFI_UNSUPPORTED): the BAR index 0-5, a BAR of that space, {@code count} units (Fifo:
     * one) ending inside the BAR; no alignment check (the root bridge checks that when it reads).
     *
     * @return the BAR
     * @throws EfiException EFI_UNSUPPORTED
     */
    public static PciBar verify(PciDevice d, int barIndex, boolean io, int width, long offset, long count) {
        PciBar bar = barIndex >= 0 && barIndex < 6 ? d.bar(barIndex).orElse(null) : null;
        if (bar == null || bar.io() != io) {
            throw new EfiException(EfiStatus.UNSUPPORTED, String.format("%s has no %s BAR %d", d.location(),
                    io ? "I/O" : "memory", barIndex));
        }
        long units = width >= 4 && width < 8 ? 1 : count;
        long end = offset + units * (1L << (width & 3)) - 1;
        if (Long.compareUnsigned(end, bar.length()) >= 0) {
            throw new EfiException(EfiStatus.UNSUPPORTED, String.format("%s units of %d bytes at 0x%X leave BAR %d "
                    + "(0x%X bytes)", Long.toUnsignedString(count), 1 << (width & 3), offset, barIndex, bar.length()));
        }
        return bar;
    }

    /** The BAR of {@code d} whose range holds {@code [address, address+length)} in that space, if one does. */
    public static java.util.Optional<PciBar> barAt(PciDevice d, boolean io, long address, long length) {
        return d.bars().stream().filter(b -> b.io() == io && Long.compareUnsigned(address, b.base()) >= 0
                && Long.compareUnsigned(address + length, b.base() + b.length()) <= 0).findFirst();
    }
}
