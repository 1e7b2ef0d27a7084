package org.efiemu.platform;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Locale;
import org.efiemu.uefi.pci.PciDevice;
import org.efiemu.uefi.tables.ConfigurationTableKind;
import org.efiemu.uefi.platform.PlatformDescription.Variable;
import org.efiemu.uefi.protocol.GraphicsOutput;
import org.efiemu.uefi.variable.VariableStoreConfig;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.efiemu.uefi.spec.MemoryType;

/**
 * Writes a profile in the canonical text form of docs/profiles.md: every header key in fixed order (defaults
 * written out), then one descriptor per line. {@code write(parse(write(p)))} is byte-identical to {@code write(p)}.
 */
public final class ProfileWriter {

    private ProfileWriter() {}

    /** The canonical text of {@code p}. */
    public static String write(PlatformProfile p) {
        StringBuilder sb = new StringBuilder(64 * (p.memoryMap().size() + 40));
        key(sb, "name", p.name());
        key(sb, "description", p.description());
        p.sources().forEach(s -> key(sb, "source", s));
        key(sb, "placement", p.placement().toString());
        key(sb, "descriptor-size", Integer.toString(p.descriptorSize()));
        key(sb, "descriptor-version", Integer.toString(p.descriptorVersion()));
        key(sb, "firmware-vendor", p.firmware().vendor());
        key(sb, "firmware-revision", "0x" + Long.toHexString(p.firmware().revision()).toUpperCase(Locale.ROOT));
        key(sb, "uefi-revision", ProfileKeys.uefiRevision(p.firmware().uefiRevision()));
        key(sb, "cpu-vendor", p.cpu().vendor());
        key(sb, "cpu-family", Integer.toString(p.cpu().family()));
        key(sb, "cpu-model", Integer.toString(p.cpu().model()));
        key(sb, "cpu-stepping", Integer.toString(p.cpu().stepping()));
        key(sb, "cpu-brand", p.cpu().brand());
        key(sb, "cpu-count", Integer.toString(p.cpu().count()));
        key(sb, "smbios-bios-vendor", p.smbios().biosVendor());
        key(sb, "smbios-bios-version", p.smbios().biosVersion());
        key(sb, "smbios-bios-date", p.smbios().biosDate());
        key(sb, "smbios-manufacturer", p.smbios().manufacturer());
        key(sb, "smbios-product", p.smbios().product());
        key(sb, "smbios-version", p.smbios().version());
        key(sb, "smbios-serial", p.smbios().serialNumber());
        key(sb, "acpi-oem-id", p.acpi().oemId());
        key(sb, "acpi-oem-table-id", p.acpi().oemTableId());
        key(sb, "console", p.console().columns() + "x" + p.console().rows());
        if (p.display() != null) {
            key(sb, "display", display(p.display()));
        }
        if (p.variableStore() != null) {
            key(sb, "variable-store", variableStore(p.variableStore()));
        }
        if (p.configurationTables() != null) {
            key(sb, "configuration-tables", p.configurationTables().stream().map(ConfigurationTableKind::profileName)
                    .collect(java.util.stream.Collectors.joining(" ")));
        }
        p.quirks().forEach(q -> key(sb, "quirk", q));
        p.variables().forEach(v -> key(sb, "variable", variable(v)));
        p.poolFreeBlocks().forEach(f -> key(sb, "pool-free", String.format(Locale.ROOT, "%s 0x%X %d",
                MemoryType.nameOf(f.poolType()), f.head(), f.size())));
        p.pciRootBridges().forEach(r -> key(sb, "pci-root-bridge", pciRootBridge(r)));
        p.pciDevices().forEach(d -> {
            key(sb, "pci-device", pciDevice(d));
            if (d.hasRomImage()) {
                byte[] rom = d.romImage();
                key(sb, "pci-rom", String.format(Locale.ROOT, "%s size=%d sha256=%s deflate-base64=%s", d.location(),
                        rom.length, PciRomText.sha256(rom), PciRomText.encode(rom)));
            }
            d.bars().forEach(b -> key(sb, "pci-bar", String.format(Locale.ROOT, "%s index=%d supports=0x%X resources=%s read=%s",
                    d.location(), b.index(), b.supports(), PciDevice.hex(b.resources()), PciDevice.hex(b.head()))));
            if (!d.barMasks().isEmpty()) {
                key(sb, "pci-bar-masks", d.location() + d.barMasks().entrySet().stream().map(e -> String.format(
                        Locale.ROOT, " %02x=%08x", e.getKey(), e.getValue())).collect(java.util.stream.Collectors.joining()));
            }
        });
        p.captured().handles().forEach(h -> key(sb, "handle", CapturedLines.handle(h)));
        p.captured().locateOrders().forEach((g, l) -> key(sb, "handle-locate", CapturedLines.locate(g, l)));
        p.captured().imageBases().forEach((i, b) -> key(sb, "image-base", String.format(java.util.Locale.ROOT,
                "%03d 0x%X", i, b)));
        p.captured().opens().forEach(o -> key(sb, "handle-open", CapturedLines.open(o)));
        p.captured().unloads().forEach(u -> key(sb, "image-unload", CapturedLines.unload(u)));
        p.captured().hobs().forEach(h -> key(sb, "hob", CapturedLines.hob(h)));
        sb.append(ProfileKeys.MEMORY_MAP).append(":\n");
        for (MemoryDescriptor d : p.memoryMap()) {
            sb.append(descriptorLine(d)).append('\n');
        }
        return sb.toString();
    }

    /** Writes the canonical text to {@code file} (UTF-8), creating parent folders. */
    public static void write(PlatformProfile p, Path file) throws IOException {
        if (file.toAbsolutePath().getParent() != null) {
            Files.createDirectories(file.toAbsolutePath().getParent());
        }
        Files.writeString(file, write(p), StandardCharsets.UTF_8);
    }

    /** {@code EfiBootServicesData        0x0000000000010000-0x000000000009FFFF 0xF}. */
    public static String descriptorLine(MemoryDescriptor d) {
        String type = MemoryType.nameOf(d.type());
        return String.format(Locale.ROOT, "%-" + (ProfileKeys.TYPE_COLUMN - 1) + "s 0x%016X-0x%016X 0x%X", type,
                d.physicalStart(), d.last(), d.attribute());
    }

    /** {@code 0000:00:01.0 attributes=0x40708 supported=0x4E708 rom-size=39936 path=HEX config=HEX}. */
    static String pciDevice(PciDevice d) {
        return String.format(Locale.ROOT, "%s attributes=0x%X supported=0x%X rom-size=%d path=%s config=%s", d.location(),
                d.attributes(), d.supportedAttributes(), d.romSize(), PciDevice.hex(d.devicePath()), PciDevice.hex(d.config()));
    }

    /** {@code 0000 supports=0x70069 attributes=0x70069 io=0x6000-0xFFFF mem=0xC0000000-0xFBFFFFFF mem64=... configuration=HEX}. */
    static String pciRootBridge(org.efiemu.uefi.pci.PciRootBridge r) {
        return String.format(Locale.ROOT, "%04x supports=0x%X attributes=0x%X io=%s mem=%s mem64=%s configuration=%s",
                r.segment(), r.supports(), r.attributes(), aperture(r.io()), aperture(r.mem()), aperture(r.mem64()),
                PciDevice.hex(r.configuration()));
    }

    static String aperture(org.efiemu.uefi.pci.PciRootBridge.Aperture a) {
        return a.exists() ? String.format(Locale.ROOT, "0x%X-0x%X", a.base(), a.limit()) : "none";
    }

    /** {@code framebuffer=0xC0000000 memory=0x1000000 mode=0 modes=1280x800,640x480}. */
    static String display(GraphicsOutput.Display d) {
        return String.format(Locale.ROOT, "framebuffer=0x%X memory=0x%X mode=%d modes=%s", d.frameBufferBase(),
                d.memoryBytes(), d.initialMode(), d.modes().stream().map(GraphicsOutput.Mode::toString)
                        .collect(java.util.stream.Collectors.joining(",")));
    }

    /** {@code nv-size=0x3FFB8 volatile-size=0x80000 max-nv-variable=0x8400 max-volatile-variable=0x40000 format=authenticated}. */
    static String variableStore(VariableStoreConfig c) {
        return String.format(Locale.ROOT, "nv-size=0x%X volatile-size=0x%X max-nv-variable=0x%X "
                + "max-volatile-variable=0x%X format=%s", c.nonVolatileStoreSize(), c.volatileStoreSize(),
                c.maxVariableSize(), c.maxVolatileVariableSize(), c.authenticated() ? "authenticated" : "plain");
    }

    /** A variable name with blanks, '%' and '#' percent-encoded ({@code Attempt%201}), so the line splits on blanks. */
    static String encodeName(String name) {
        StringBuilder b = new StringBuilder();
        for (char c : name.toCharArray()) {
            if (c == '%' || c == '#' || c <= ' ' || c >= 0x7F) {
                if (c > 0xFF) {
                    b.append(String.format(Locale.ROOT, "%%u%04X", (int) c));
                } else {
                    b.append(String.format(Locale.ROOT, "%%%02X", (int) c));
                }
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static String variable(Variable v) {
        String text = utf16Text(v.data());
        String data = text != null ? "utf16:" + text : "hex:" + HexFormat.of().withUpperCase().formatHex(v.data());
        return encodeName(v.name()) + " " + v.vendorGuid().toUpperCase(Locale.ROOT) + " 0x"
                + Integer.toHexString(v.attributes()).toUpperCase(Locale.ROOT) + " " + data;
    }

    /** The text of NUL-terminated UTF-16LE data when it is printable and survives the text form, else null. */
    private static String utf16Text(byte[] data) {
        if (data.length < 4 || data.length % 2 != 0 || data[data.length - 1] != 0 || data[data.length - 2] != 0) {
            return null;
        }
        String s = new String(data, 0, data.length - 2, StandardCharsets.UTF_16LE);
        if (s.isEmpty() || s.chars().anyMatch(c -> c < 0x20 || c > 0x7E || c == '#' || c == 0)
                || !s.equals(s.strip())
                || !java.util.Arrays.equals((s + "\0").getBytes(StandardCharsets.UTF_16LE), data)) {
            return null;
        }
        return s;
    }

    private static void key(StringBuilder sb, String key, String value) {
        if (value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0 || !value.equals(value.strip())
                || value.startsWith("#") || value.matches("(?s).*\\s#.*")) {
            throw new IllegalArgumentException("profile key '" + key + "' value '" + value
                    + "': a value must be one line without leading/trailing blanks and without a ' #' (comment start)");
        }
        sb.append(key).append(':');
        if (!value.isEmpty()) {
            sb.append(' ').append(value);
        }
        sb.append('\n');
    }
}
