package org.efiemu.uefi.pci;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.efiemu.uefi.spec.EfiException;
import org.efiemu.uefi.spec.EfiStatus;

/**
 * The configuration space of a platform's PCI functions (pure model, no emulator): 256 bytes per function, starting as
 * the firmware left them (the profile's {@code pci-device} lines). Reads of a function no device answers return all
 * ones, as a PCI host bridge does for a master abort. Writes change the function's bytes except its identity: vendor
 * and device IDs (0x00-0x03), revision and class code (0x08-0x0B) and the header type (0x0E) keep their values, as
 * they are read-only in hardware. A BAR register whose size mask was captured ({@link PciDevice#barMasks}) changes only
 * in its writable bits ({@link PciBarMasks}): a sizing write of all ones reads back the real machine's mask, writing
 * the base back restores it; without captured masks BARs are plain bytes.
 *
 * <p>The access rules of EFI_PCI_IO_PROTOCOL.Pci and EFI_PCI_ROOT_BRIDGE_IO_PROTOCOL.Pci (UEFI 2.10 §14.2, §14.4):
 * Width 0-3 is Uint8..Uint64 (the address advances by the width each count), 4-7 Fifo (the address stays, the buffer
 * advances), 8-11 Fill (the address advances, the buffer stays); the address must be aligned to the width and the
 * access must stay inside the 256 bytes (EDK2 {@code PciIoVerifyConfigAccess}: else EFI_UNSUPPORTED).
 */
public final class PciConfigSpace {
    private final Map<String, byte[]> functions = new LinkedHashMap<>();
    private final Map<String, PciDevice> devices = new LinkedHashMap<>();
    private final Map<String, Map<Integer, Integer>> writableBarBits = new LinkedHashMap<>();

    public PciConfigSpace(List<PciDevice> devices) {
        for (PciDevice d : devices) {
            this.devices.put(d.location(), d);
            functions.put(d.location(), d.config());
            writableBarBits.put(d.location(), PciBarMasks.writable(d.config(), d.barMasks()));
        }
    }

    /** The device at a location, if one answers there. */
    public Optional<PciDevice> device(int segment, int bus, int device, int function) {
        return Optional.ofNullable(devices.get(PciDevice.location(segment, bus, device, function)));
    }

    /** Bytes per unit of a width (0-11), after checking it. */
    public static int unitBytes(int width) {
        if (width < 0 || width > 11) {
            throw new EfiException(EfiStatus.INVALID_PARAMETER, "Width " + width + " is not an EFI_PCI_IO_PROTOCOL_WIDTH");
        }
        return 1 << (width & 3);
    }

    /**
     * Checks an access of {@code count} units of {@code width} at {@code offset} (EDK2 {@code PciIoVerifyConfigAccess}).
     *
     * @throws EfiException EFI_INVALID_PARAMETER for a bad width; EFI_UNSUPPORTED for a misaligned offset or an access
     *     that leaves the 256 bytes
     */
    public static void checkAccess(int width, long offset, long count) {
        int unit = unitBytes(width);
        if ((offset & (unit - 1)) != 0) {
            throw new EfiException(EfiStatus.UNSUPPORTED, String.format("offset 0x%X is not aligned to %d bytes", offset, unit));
        }
        boolean advances = width < 4 || width >= 8;
        long span = advances ? unit * count : unit;
        if (offset < 0 || count < 0 || count > PciDevice.CONFIG_SIZE || offset + span > PciDevice.CONFIG_SIZE) {
            throw new EfiException(EfiStatus.UNSUPPORTED, String.format("%d units of %d bytes at 0x%X leave the %d bytes "
                    + "of configuration space", count, unit, offset, PciDevice.CONFIG_SIZE));
        }
    }

    /** The bytes a read of {@code count} units returns (count x unit bytes, in buffer order). */
    public byte[] read(String location, int width, int offset, int count) {
        checkAccess(width, offset, count);
        int unit = unitBytes(width);
        byte[] cfg = functions.get(location);
        byte[] out = new byte[unit * count];
        for (int i = 0; i < count; i++) {
            int at = width >= 4 && width < 8 ? offset : offset + i * unit;
            for (int k = 0; k < unit; k++) {
                out[i * unit + k] = cfg == null ? (byte) 0xFF : cfg[at + k];
            }
        }
        return out;
    }

    /** Writes {@code count} units from {@code buffer} (Fill: the first unit each time). */
    public void write(String location, int width, int offset, int count, byte[] buffer) {
        checkAccess(width, offset, count);
        int unit = unitBytes(width);
        byte[] cfg = functions.get(location);
        if (cfg == null) {
            return; // no device answers: the write goes nowhere
        }
        Map<Integer, Integer> bars = writableBarBits.getOrDefault(location, Map.of());
        for (int i = 0; i < count; i++) {
            int at = width >= 4 && width < 8 ? offset : offset + i * unit;
            int from = width >= 8 ? 0 : i * unit;
            for (int k = 0; k < unit; k++) {
                int reg = at + k;
                Integer writable = bars.get(reg & ~3);
                if (writable != null) {
                    cfg[reg] = PciBarMasks.apply(cfg[reg], buffer[from + k], writable, reg & 3);
                } else if (!readOnly(reg)) {
                    cfg[reg] = buffer[from + k];
                }
            }
        }
    }

    static boolean readOnly(int register) {
        return register < 4 || (register >= 8 && register < 12) || register == 0x0E;
    }
}
