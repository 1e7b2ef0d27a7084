package org.efiemu.uefi.pci;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import org.efiemu.uefi.devicepath.DevicePath;

/**
 * One PCI function as the firmware presents it to applications (an {@code EFI_PCI_IO_PROTOCOL} handle, UEFI 2.10
 * §14.4): its location, its first 256 bytes of configuration space as the firmware left them (BARs programmed,
 * command register set), the attributes {@code Attributes(Get)} and {@code Attributes(Supported)} report, the option
 * ROM size and the handle's device path. Captured from real firmware by the firmware-probe's {@code pci:} lines.
 *
 * @param segment PCI segment group
 * @param bus bus number
 * @param device device number (0-31)
 * @param function function number (0-7)
 * @param attributes {@code EFI_PCI_IO_ATTRIBUTE_*} bits enabled
 * @param supportedAttributes {@code EFI_PCI_IO_ATTRIBUTE_*} bits the device supports
 * @param romSize {@code RomSize} of the protocol (the option ROM image is not kept: {@code RomImage} is NULL when 0)
 * @param config 256 bytes of configuration space
 * @param devicePath the handle's device path (bytes, end node included)
 */
public record PciDevice(int segment, int bus, int device, int function, long attributes, long supportedAttributes,
        long romSize, byte[] config, byte[] devicePath) {
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
                && p.romSize == romSize && Arrays.equals(p.config, config) && Arrays.equals(p.devicePath, devicePath);
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
