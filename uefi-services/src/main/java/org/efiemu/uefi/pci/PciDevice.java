package org.efiemu.uefi.pci;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import org.efiemu.uefi.devicepath.DevicePath;

/**
 * One PCI function as the firmware presents it to applications (an {@code EFI_PCI_IO_PROTOCOL} handle, UEFI 2.10
 * §14.4): its location, its first 256 bytes of configuration space as the firmware left them (BARs programmed,
 * command register set), the attributes {@code Attributes(Get)} and {@code Attributes(Supported)} report, the option
 * ROM size and, when captured, the option ROM's bytes as the PCI bus driver keeps them ({@code RomImage}), the BARs as
 * GetBarAttributes describes them and the handle's device path. Captured from real firmware by the firmware-probe's
 * {@code pci:}, {@code pci-rom:} and {@code pci: bar} lines.
 *
 * @param segment PCI segment group
 * @param bus bus number
 * @param device device number (0-31)
 * @param function function number (0-7)
 * @param attributes {@code EFI_PCI_IO_ATTRIBUTE_*} bits enabled
 * @param supportedAttributes {@code EFI_PCI_IO_ATTRIBUTE_*} bits the device supports
 * @param romSize {@code RomSize} of the protocol as captured
 * @param config 256 bytes of configuration space
 * @param devicePath the handle's device path (bytes, end node included)
 * @param romImage the option ROM's {@code romSize} bytes, or empty when they were not captured (efiemu then presents
 *     RomSize 0 and RomImage NULL)
 * @param bars the BARs GetBarAttributes describes (EFI_SUCCESS), by index
 * @param barMasks what each BAR register (0x10-0x24 and the expansion ROM BAR 0x30 of a type 0 header; 0x10, 0x14 and
 *     0x38 of a type 1 header) read back after all ones were written to it (the size mask), by register offset; empty
 *     when not captured ({@link PciBarMasks})
 */
public record PciDevice(int segment, int bus, int device, int function, long attributes, long supportedAttributes,
        long romSize, byte[] config, byte[] devicePath, byte[] romImage, List<PciBar> bars,
        java.util.Map<Integer, Integer> barMasks) {
    public static final int CONFIG_SIZE = 256;

    public PciDevice {
        if (segment < 0 || segment > 0xFFFF || bus < 0 || bus > 0xFF || device < 0 || device > 31 || function < 0
                || function > 7) {
            throw new IllegalArgumentException(String.format("PCI location %x:%x:%x.%x is out of range", segment, bus,
                    device, function));
        }
        if (config.length != CONFIG_SIZE) {
            throw new IllegalArgumentException("PCI " + location(segment, bus, device, function) + ": configuration space of "
                    + config.length + " bytes where " + CONFIG_SIZE + " were expected");
        }
        config = config.clone();
        devicePath = DevicePath.parse(devicePath).toBytes();
        romImage = romImage == null ? new byte[0] : romImage.clone();
        if (romImage.length != 0 && romImage.length != romSize) {
            throw new IllegalArgumentException("PCI " + location(segment, bus, device, function) + ": option ROM of "
                    + romImage.length + " bytes where rom-size is " + romSize);
        }
        bars = List.copyOf(bars == null ? List.of() : bars);
        if (bars.stream().map(PciBar::index).distinct().count() != bars.size()) {
            throw new IllegalArgumentException("PCI " + location(segment, bus, device, function) + ": a BAR index is given twice");
        }
        barMasks = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(barMasks == null ? java.util.Map.of()
                : barMasks));
        for (int register : barMasks.keySet()) {
            if (!PciBarMasks.isBarRegister(config, register)) {
                throw new IllegalArgumentException(String.format("PCI %s: bar mask for register 0x%X: expected a BAR "
                        + "register of the header type %d (%s)", location(segment, bus, device, function), register,
                        config[0x0E] & 0x7F, PciBarMasks.registers(config)));
            }
        }
    }

    /** A function with ROM bytes and BARs but without captured BAR size masks. */
    public PciDevice(int segment, int bus, int device, int function, long attributes, long supportedAttributes,
            long romSize, byte[] config, byte[] devicePath, byte[] romImage, List<PciBar> bars) {
        this(segment, bus, device, function, attributes, supportedAttributes, romSize, config, devicePath, romImage, bars,
                java.util.Map.of());
    }

    /** A function without captured ROM bytes or BARs (captures made before the probe printed them). */
    public PciDevice(int segment, int bus, int device, int function, long attributes, long supportedAttributes,
            long romSize, byte[] config, byte[] devicePath) {
        this(segment, bus, device, function, attributes, supportedAttributes, romSize, config, devicePath, new byte[0],
                List.of());
    }

    /** This function with the option ROM's bytes (their length must be {@code romSize}). */
    public PciDevice withRomImage(byte[] image) {
        return new PciDevice(segment, bus, device, function, attributes, supportedAttributes, romSize, config, devicePath,
                image, bars, barMasks);
    }

    /** This function with one more BAR. */
    public PciDevice withBar(PciBar bar) {
        List<PciBar> all = new java.util.ArrayList<>(bars);
        all.add(bar);
        all.sort(java.util.Comparator.comparingInt(PciBar::index));
        return new PciDevice(segment, bus, device, function, attributes, supportedAttributes, romSize, config, devicePath,
                romImage, all, barMasks);
    }

    /** This function with its BAR size masks (register offset to what reads back after all ones were written). */
    public PciDevice withBarMasks(java.util.Map<Integer, Integer> masks) {
        return new PciDevice(segment, bus, device, function, attributes, supportedAttributes, romSize, config, devicePath,
                romImage, bars, masks);
    }

    /** The BAR at an index, if GetBarAttributes describes one there. */
    public java.util.Optional<PciBar> bar(int index) {
        return bars.stream().filter(b -> b.index() == index).findFirst();
    }

    /** The option ROM's bytes (empty when not captured). */
    @Override
    public byte[] romImage() {
        return romImage.clone();
    }

    /** Whether the option ROM's bytes are known. */
    public boolean hasRomImage() {
        return romImage.length > 0;
    }

    /** {@code SSSS:BB:DD.F}, as the firmware-probe and profiles write it. */
    public String location() {
        return location(segment, bus, device, function);
    }

    static String location(int segment, int bus, int device, int function) {
        return String.format("%04x:%02x:%02x.%x", segment, bus, device, function);
    }

    public int vendorId() {
        return (config[0] & 0xFF) | (config[1] & 0xFF) << 8;
    }

    public int deviceId() {
        return (config[2] & 0xFF) | (config[3] & 0xFF) << 8;
    }

    /** Base class, sub-class and programming interface (config bytes 0x0B, 0x0A, 0x09). */
    public int classCode() {
        return (config[0x0B] & 0xFF) << 16 | (config[0x0A] & 0xFF) << 8 | (config[0x09] & 0xFF);
    }

    @Override
    public byte[] config() {
        return config.clone();
    }

    @Override
    public byte[] devicePath() {
        return devicePath.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PciDevice p && p.segment == segment && p.bus == bus && p.device == device
                && p.function == function && p.attributes == attributes && p.supportedAttributes == supportedAttributes
                && p.romSize == romSize && Arrays.equals(p.config, config) && Arrays.equals(p.devicePath, devicePath)
                && Arrays.equals(p.romImage, romImage) && p.bars.equals(bars) && p.barMasks.equals(barMasks);
    }

    @Override
    public int hashCode() {
        return Objects.hash(segment, bus, device, function, attributes, Arrays.hashCode(config));
    }

    @Override
    public String toString() {
        return String.format("PCI %s %04x:%04x class %06x %s", location(), vendorId(), deviceId(), classCode(),
                DevicePath.parse(devicePath));
    }

    /** Lower-case hex of some bytes (profile lines). */
    public static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}
