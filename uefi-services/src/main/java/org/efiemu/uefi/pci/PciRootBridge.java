package org.efiemu.uefi.pci;

import java.util.Arrays;
import java.util.Objects;
import org.efiemu.uefi.spec.EfiException;
import org.efiemu.uefi.spec.EfiStatus;

/**
 * A PCI root bridge as its EFI_PCI_ROOT_BRIDGE_IO_PROTOCOL presents it (UEFI 2.10 §14.2), pure: the attributes
 * GetAttributes reports, the resources Configuration returns (ACPI QWORD address space descriptors and the end tag, the
 * ranges the host bridge allocated) and the apertures EDK2's PciHostBridgeDxe checks Mem/Io accesses against
 * ({@code RootBridgeIoCheckParameter}). Captured from the real machine: the firmware-probe's {@code pci-rb:} lines give
 * the attributes and the descriptors, OVMF's platform information HOB the apertures its PciHostBridgeLib builds from
 * (PcdPciIoBase/Size, PcdPciMmio32Base/Size, PcdPciMmio64Base/Size; the prefetchable apertures do not exist, OVMF
 * combines them with the others); the profile's {@code pci-root-bridge} line.
 *
 * @param segment the PCI segment
 * @param supports GetAttributes' Supports
 * @param attributes GetAttributes' Attributes (SetAttributes changes what a running machine reports)
 * @param io the I/O aperture
 * @param mem the 32-bit memory aperture
 * @param mem64 the memory aperture above 4 GiB
 * @param configuration the bytes Configuration returns
 */
public record PciRootBridge(int segment, long supports, long attributes, Aperture io, Aperture mem, Aperture mem64,
        byte[] configuration) {
    /** EFI_PCI_ATTRIBUTE_* bits that allow legacy I/O below 0x1000 ({@code RootBridgeIoCheckParameter}). */
    static final long LEGACY_IO = 0x0002 | 0x0004 | 0x0010 | 0x0020 | 0x0040 | 0x10000 | 0x20000 | 0x40000;
    /** EFI_PCI_ATTRIBUTE_VGA_MEMORY: the legacy VGA memory 0xA0000-0xBFFFF. */
    static final long VGA_MEMORY = 0x0008;

    /** An address range [base, limit]; EDK2's non-existent aperture is base MAX_UINT64, limit 0. */
    public record Aperture(long base, long limit) {
        public static final Aperture NONE = new Aperture(-1L, 0);

        public boolean exists() {
            return Long.compareUnsigned(base, limit) <= 0;
        }

        boolean holds(long address, long length) {
            return Long.compareUnsigned(address, base) >= 0
                    && Long.compareUnsigned(address + length, limit + 1) <= 0;
        }

        @Override
        public String toString() {
            return exists() ? String.format("0x%X-0x%X", base, limit) : "none";
        }
    }

    public PciRootBridge {
        if (segment < 0 || segment > 0xFFFF) {
            throw new IllegalArgumentException("PCI root bridge segment " + segment + " is out of range 0-0xFFFF");
        }
        Objects.requireNonNull(io, "io");
        Objects.requireNonNull(mem, "mem");
        Objects.requireNonNull(mem64, "mem64");
        configuration = configuration.clone();
        int n = 0;
        while (n + 3 <= configuration.length && (configuration[n] & 0xFF) == PciBar.QWORD_DESCRIPTOR) {
            n += 3 + ((configuration[n + 1] & 0xFF) | (configuration[n + 2] & 0xFF) << 8);
        }
        if (n + 2 != configuration.length || (configuration[n] & 0xFF) != 0x79) {
            throw new IllegalArgumentException("PCI root bridge " + segment + " configuration: expected QWORD address "
                    + "space descriptors (0x8A) and the end tag 0x79 as the last 2 bytes, got " + configuration.length
                    + " bytes");
        }
    }

    @Override
    public byte[] configuration() {
        return configuration.clone();
    }

    /** This root bridge with other current attributes (SetAttributes). */
    public PciRootBridge withAttributes(long newAttributes) {
        return new PciRootBridge(segment, supports, newAttributes, io, mem, mem64, configuration);
    }

    /**
     * Checks a Mem or Io access as EDK2's {@code RootBridgeIoCheckParameter} (after the NULL Buffer check): a width out
     * of 0-11 EFI_INVALID_PARAMETER; Fifo counts once; an address not aligned to the width EFI_UNSUPPORTED; a range
     * overflowing 64 bits EFI_INVALID_PARAMETER; legacy I/O below 0x1000 (with an ISA/VGA/IDE attribute) and the VGA
     * memory 0xA0000-0xBFFFF (with VGA_MEMORY) allowed; else the range must lie in an aperture (memory: the 32-bit
     * one, else the one above 4 GiB), EFI_INVALID_PARAMETER otherwise.
     */
    public void check(boolean ioSpace, int width, long address, long count) {
        if (width < 0 || width > 11) {
            throw new EfiException(EfiStatus.INVALID_PARAMETER, "Width " + width + " is not an "
                    + "EFI_PCI_ROOT_BRIDGE_IO_PROTOCOL_WIDTH");
        }
        if (width >= 4 && width < 8) {
            count = 1;
        }
        int size = 1 << (width & 3);
        if (Long.compareUnsigned(count, Long.divideUnsigned(-1L, size)) > 0) {
            throw new EfiException(EfiStatus.INVALID_PARAMETER, "Count " + Long.toUnsignedString(count) + " overflows");
        }
        if ((address & (size - 1)) != 0) {
            throw new EfiException(EfiStatus.UNSUPPORTED, String.format("address 0x%X is not aligned to %d bytes",
                    address, size));
        }
        long length = count * size;
        if (Long.compareUnsigned(address, -1L - length) > 0) {
            throw new EfiException(EfiStatus.INVALID_PARAMETER, String.format("0x%X + 0x%X overflows 64 bits", address,
                    length));
        }
        Aperture a;
        if (ioSpace) {
            if (Long.compareUnsigned(address + length, 0x1000) <= 0 && (attributes & LEGACY_IO) != 0) {
                return;
            }
            a = io;
        } else {
            if (Long.compareUnsigned(address, 0xA0000) >= 0 && Long.compareUnsigned(address + length, 0xC0000) <= 0
                    && (attributes & VGA_MEMORY) != 0) {
                return;
            }
            a = mem.holds(address, length) ? mem : mem64.holds(address, length) ? mem64 : Aperture.NONE;
        }
        if (!a.holds(address, length)) {
            throw new EfiException(EfiStatus.INVALID_PARAMETER, String.format("%s 0x%X+0x%X is outside the root "
                    + "bridge's %s aperture%s", ioSpace ? "I/O" : "memory", address, length, ioSpace ? "I/O" : "memory",
                    ioSpace ? " " + io : "s " + mem + ", " + mem64));
        }
    }

    /** SetAttributes: attributes outside Supports are EFI_UNSUPPORTED (EDK2 {@code RootBridgeIoSetAttributes}). */
    public PciRootBridge setAttributes(long newAttributes) {
        if ((newAttributes & ~supports) != 0) {
            throw new EfiException(EfiStatus.UNSUPPORTED, String.format("attributes 0x%X are not supported (0x%X)",
                    newAttributes & ~supports, supports));
        }
        return withAttributes(newAttributes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PciRootBridge r && r.segment == segment && r.supports == supports
                && r.attributes == attributes && r.io.equals(io) && r.mem.equals(mem) && r.mem64.equals(mem64)
                && Arrays.equals(r.configuration, configuration);
    }

    @Override
    public int hashCode() {
        return Objects.hash(segment, supports, attributes, io, mem, mem64, Arrays.hashCode(configuration));
    }

    @Override
    public String toString() {
        return String.format("PciRoot(0x%X) io %s mem %s mem64 %s", segment, io, mem, mem64);
    }
}
