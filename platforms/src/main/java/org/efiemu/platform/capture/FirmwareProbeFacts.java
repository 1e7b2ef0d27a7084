package org.efiemu.platform.capture;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.efiemu.platform.PlatformProfile;
import org.efiemu.platform.ProfileFormatException;
import org.efiemu.uefi.pci.PciDevice;
import org.efiemu.uefi.spec.Guid;
import org.efiemu.uefi.tables.ConfigurationTableKind;

/**
 * What a firmware-probe capture ({@code *.firmware.txt}, {@link FirmwareProbeCapture}) says about the firmware's
 * presentation that a profile records: the configuration tables in the firmware's order ({@code cfg:} lines, as
 * {@code configuration-tables:}) and the PCI functions with EFI_PCI_IO_PROTOCOL ({@code pci:} and {@code pci-config:}
 * lines, as {@code pci-device:} lines). Captures made before the probe printed {@code pci:} lines give no PCI devices
 * (a note says so). A configuration table GUID efiemu cannot present is left out with a note naming it.
 *
 * @param configurationTables the tables efiemu presents, in the capture's order
 * @param pciDevices the PciIo handles in the capture's order
 * @param notes what was left out or not measured
 */
public record FirmwareProbeFacts(List<ConfigurationTableKind> configurationTables, List<PciDevice> pciDevices,
        List<String> notes) {
    private static final Pattern CFG = Pattern.compile("cfg: ([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})");
    private static final Pattern CFG_COUNT = Pattern.compile("cfg: count=(\\d+)");
    private static final Pattern DEVICES = Pattern.compile("pci: devices=(\\d+) \\((\\w+)\\)");
    private static final Pattern DEVICE = Pattern.compile("pci: device ([0-9a-f]{4}):([0-9a-f]{2}):([0-9a-f]{2})\\.([0-7]) "
            + "\\(EFI_SUCCESS\\) vendor=[0-9a-f]{4} device=[0-9a-f]{4} class=[0-9a-f]{6} attributes=0x([0-9a-f]+) "
            + "supported=0x([0-9a-f]+) rom-size=(\\d+) config=EFI_SUCCESS");
    private static final Pattern HEX_LINE = Pattern.compile("(pci-config:|pci: device-path) ([0-9a-f]*)");

    public FirmwareProbeFacts {
        configurationTables = List.copyOf(configurationTables);
        pciDevices = List.copyOf(pciDevices);
        notes = List.copyOf(notes);
    }

    /**
     * Reads a firmware-probe capture.
     *
     * @param file the name used in errors ({@code file:line: field '...': ...})
     * @throws ProfileFormatException a line that does not read, a count that disagrees with the lines, a device without
     *     its config or device path line, no {@code fw: firmware-probe end}
     */
    public static FirmwareProbeFacts parse(String text, String file) {
        String[] lines = text.split("\r?\n", -1);
        List<ConfigurationTableKind> tables = new ArrayList<>();
        List<PciDevice> devices = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        int cfgSeen = 0;
        Integer devicesDeclared = null;
        boolean ended = false;
        for (int i = 0; i < lines.length; i++) {
            String l = lines[i];
            int no = i + 1;
            if (l.equals(FirmwareProbeCapture.END)) {
                ended = true;
            } else if (l.startsWith("cfg: count=")) {
                Matcher m = CFG_COUNT.matcher(l);
                if (!m.matches() || Integer.parseInt(m.group(1)) != cfgSeen) {
                    throw new ProfileFormatException(file, no, "field 'cfg: count': '" + l + "' where " + cfgSeen
                            + " cfg: lines came before");
                }
            } else if (l.startsWith("cfg: ")) {
                Matcher m = CFG.matcher(l);
                if (!m.matches()) {
                    throw new ProfileFormatException(file, no, "field 'cfg': '" + l + "': expected 'cfg: <GUID>'");
                }
                cfgSeen++;
                Guid g = Guid.parse(m.group(1));
                ConfigurationTableKind.byGuid(g).ifPresentOrElse(tables::add, () -> notes.add("configuration table "
                        + g.registryForm() + " (" + file + ":" + no + ") is not one efiemu presents; left out"));
            } else if (l.startsWith("pci: devices=")) {
                Matcher m = DEVICES.matcher(l);
                if (!m.matches()) {
                    throw new ProfileFormatException(file, no, "field 'pci: devices': '" + l + "': expected 'pci: devices=N (STATUS)'");
                }
                devicesDeclared = Integer.parseInt(m.group(1));
            } else if (l.startsWith("pci: device ")) {
                Matcher m = DEVICE.matcher(l);
                if (!m.matches()) {
                    throw new ProfileFormatException(file, no, "field 'pci: device': '" + l + "': expected 'pci: device "
                            + "SSSS:BB:DD.F (EFI_SUCCESS) vendor=.. device=.. class=.. attributes=0x.. supported=0x.. "
                            + "rom-size=N config=EFI_SUCCESS'");
                }
                byte[] config = hexLine(lines, i + 1, "pci-config:", file);
                byte[] path = hexLine(lines, i + 2, "pci: device-path", file);
                try {
                    devices.add(new PciDevice(Integer.parseInt(m.group(1), 16), Integer.parseInt(m.group(2), 16),
                            Integer.parseInt(m.group(3), 16), Integer.parseInt(m.group(4), 16),
                            Long.parseUnsignedLong(m.group(5), 16), Long.parseUnsignedLong(m.group(6), 16),
                            Long.parseLong(m.group(7)), config, path));
                } catch (IllegalArgumentException e) {
                    throw new ProfileFormatException(file, no, "field 'pci: device': " + e.getMessage());
                }
                i += 2;
            }
        }
        if (!ended) {
            throw new ProfileFormatException(file, lines.length, "field 'end': no '" + FirmwareProbeCapture.END
                    + "' line (truncated capture)");
        }
        if (devicesDeclared == null) {
            notes.add("no pci: lines (a capture made before the firmware-probe printed PCI devices): no pci-device lines");
        } else if (devicesDeclared != devices.size()) {
            throw new ProfileFormatException(file, lines.length, "field 'pci: devices': " + devicesDeclared
                    + " declared, " + devices.size() + " 'pci: device' lines");
        }
        return new FirmwareProbeFacts(tables, devices, notes);
    }

    private static byte[] hexLine(String[] lines, int index, String prefix, String file) {
        String l = index < lines.length ? lines[index] : "";
        Matcher m = HEX_LINE.matcher(l);
        if (!m.matches() || !m.group(1).equals(prefix) || m.group(2).length() % 2 != 0) {
            throw new ProfileFormatException(file, index + 1, "field '" + prefix + "': '" + l + "': expected '" + prefix
                    + " <hex bytes>' after the 'pci: device' line");
        }
        return HexFormat.of().parseHex(m.group(2));
    }

    /** {@code p} with these configuration tables and PCI devices and a {@code source:} line naming {@code captureName}. */
    public PlatformProfile applyTo(PlatformProfile p, String captureName) {
        PlatformProfile.Builder b = p.toBuilder().configurationTables(configurationTables).clearPciDevices();
        pciDevices.forEach(b::pciDevice);
        b.source("measured: configuration-tables and pci-device lines = the firmware-probe's cfg: and pci: lines in "
                + captureName + " (" + configurationTables.size() + " tables, " + pciDevices.size() + " PCI functions)");
        notes.forEach(n -> b.source("note: " + n));
        return b.build();
    }
}
