package org.efiemu.platform.capture;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.efiemu.platform.PlatformProfile;
import org.efiemu.platform.ProfileFormatException;
import org.efiemu.uefi.handle.CapturedHandle;
import org.efiemu.uefi.pci.PciBar;
import org.efiemu.uefi.pci.PciDevice;
import org.efiemu.uefi.platform.CapturedFirmware;
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
 * @param captured the whole handle database ({@code handle:} lines: protocols, device path, loaded image device path,
 *     loaded image fields) and the HOB list ({@code hob:} lines), as {@code handle:} and {@code hob:} profile lines
 * @param notes what was left out or not measured
 * @param pciRootBridges the root bridge's facts: {@code pci-rb: attributes} and {@code pci-rb: configuration}, the
 *     apertures from OVMF's platform information HOB ({@link OvmfPlatformInfoHob}); none without them
 */
public record FirmwareProbeFacts(List<ConfigurationTableKind> configurationTables, List<PciDevice> pciDevices,
        CapturedFirmware captured, List<String> notes, List<org.efiemu.uefi.pci.PciRootBridge> pciRootBridges) {
    private static final Pattern CFG = Pattern.compile("cfg: ([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})");
    private static final Pattern CFG_COUNT = Pattern.compile("cfg: count=(\\d+)");
    private static final Pattern DEVICES = Pattern.compile("pci: devices=(\\d+) \\((\\w+)\\)");
    private static final Pattern DEVICE = Pattern.compile("pci: device ([0-9a-f]{4}):([0-9a-f]{2}):([0-9a-f]{2})\\.([0-7]) "
            + "\\(EFI_SUCCESS\\) vendor=[0-9a-f]{4} device=[0-9a-f]{4} class=[0-9a-f]{6} attributes=0x([0-9a-f]+) "
            + "supported=0x([0-9a-f]+) rom-size=(\\d+) config=EFI_SUCCESS");
    private static final Pattern HEX_LINE = Pattern.compile("(pci-config:|pci: device-path) ([0-9a-f]*)");
    private static final Pattern ROM = Pattern.compile("pci: rom size=(\\d+) image=(set|null)");
    private static final Pattern BAR = Pattern.compile("pci: bar ([0-5]) \\((\\w+)\\)(?: supports=0x([0-9a-f]+) resources=([0-9a-f]+))?");
    private static final Pattern BAR_READ = Pattern.compile("pci: bar-read ([0-5]) (mem|io) \\((\\w+)\\) ?([0-9a-f]*)");

    private static final Pattern HANDLE_COUNT = Pattern.compile("handle: count=(\\d+) \\(EFI_SUCCESS\\)");
    private static final Pattern HANDLE_HEAD = Pattern.compile("handle: (\\d{3,}) protocols=(\\d+)");
    private static final Pattern HANDLE_GUID = Pattern.compile("handle: ([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})( null)?");
    private static final Pattern HANDLE_PATH = Pattern.compile("handle: (device-path|image-device-path) ([0-9a-f]+)");
    private static final Pattern LOADED_IMAGE = Pattern.compile("handle: loaded-image revision=(0x[0-9a-f]+) parent=(\\d{3,}|none) "
            + "device=(\\d{3,}|none) code=(\\d+) data=(\\d+) size=(0x[0-9a-f]+) options=(\\d+) file-path=([0-9a-f]*)");
    private static final Pattern HOB_COUNT = Pattern.compile("hob: count=(\\d+)");
    private static final Pattern IMAGE = Pattern.compile("image: (\\d{3,}) base=0x([0-9a-f]+) size=0x[0-9a-f]+ unload=(?:set|null)");
    private static final Pattern LOCATE = Pattern.compile("locate: ([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}) "
            + "\\((\\w+)\\) n=(\\d+)(?: ((?:\\d{3,},)*\\d{3,}))?");

    private static final Pattern OPEN = Pattern.compile("open: (\\d{3,}) ([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}) "
            + "agent=(\\d{3,}|none|gone) controller=(\\d{3,}|none|gone) attributes=0x([0-9a-f]+) count=(\\d+)");
    private static final Pattern OPEN_TOTAL = Pattern.compile("open: entries=(\\d+) by-driver=\\d+ by-child-controller=\\d+ handles=\\d+");
    private static final Pattern UNLOAD = Pattern.compile("unload: (\\d{3,}) \\((\\w+)\\) handles=\\d+ gone=((?:\\d{3,},)*\\d{3,}|none)");

    private static final Pattern BAR_MASKS = Pattern.compile("pci: bar-masks((?: [0-9a-f]{2}=[0-9a-f]{8})+)");
    private static final Pattern RB_SEGMENT = Pattern.compile("pci: root-bridge 0 segment=(\\d+) .*");
    private static final Pattern RB_ATTRIBUTES = Pattern.compile("pci-rb: attributes \\(EFI_SUCCESS\\) supports=0x([0-9a-f]+) "
            + "attributes=0x([0-9a-f]+) .*");
    private static final Pattern RB_CONFIGURATION = Pattern.compile("pci-rb: configuration \\(EFI_SUCCESS\\) ([0-9a-f]+)");

    /** Facts without root bridge facts. */
    public FirmwareProbeFacts(List<ConfigurationTableKind> configurationTables, List<PciDevice> pciDevices,
            CapturedFirmware captured, List<String> notes) {
        this(configurationTables, pciDevices, captured, notes, List.of());
    }

    public FirmwareProbeFacts {
        pciRootBridges = List.copyOf(pciRootBridges);
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
        List<CapturedHandle> handles = new ArrayList<>();
        List<Integer> handleLines = new ArrayList<>();
        List<byte[]> hobs = new ArrayList<>();
        Integer handlesDeclared = null;
        int handlesLine = 0;
        java.util.Map<Guid, List<Integer>> locateOrders = new java.util.LinkedHashMap<>();
        java.util.Map<Integer, Long> imageBases = new java.util.TreeMap<>();
        List<org.efiemu.uefi.handle.CapturedOpen> opens = new ArrayList<>();
        int openSeen = 0;
        List<org.efiemu.uefi.handle.CapturedUnload> unloads = new ArrayList<>();
        int cfgSeen = 0;
        Integer devicesDeclared = null;
        boolean ended = false;
        int rbSegment = -1;
        long[] rbAttributes = null;
        byte[] rbConfiguration = null;
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
                i = romAndBars(lines, i + 1, file, devices) - 1;
            } else if (l.startsWith("pci: bar-masks")) {
                Matcher m = BAR_MASKS.matcher(l);
                if (!m.matches() || devices.isEmpty()) {
                    throw new ProfileFormatException(file, no, "field 'pci: bar-masks': '" + l + "': expected 'pci: "
                            + "bar-masks RR=XXXXXXXX ...' after a 'pci: device' line");
                }
                java.util.Map<Integer, Integer> masks = new java.util.TreeMap<>();
                for (String w : m.group(1).strip().split(" ")) {
                    masks.put(Integer.parseInt(w.substring(0, 2), 16), Integer.parseUnsignedInt(w.substring(3), 16));
                }
                try {
                    devices.set(devices.size() - 1, devices.get(devices.size() - 1).withBarMasks(masks));
                } catch (IllegalArgumentException e) {
                    throw new ProfileFormatException(file, no, "field 'pci: bar-masks': " + e.getMessage());
                }
            } else if (RB_SEGMENT.matcher(l).matches()) {
                Matcher m = RB_SEGMENT.matcher(l);
                m.matches();
                rbSegment = Integer.parseInt(m.group(1));
            } else if (l.startsWith("pci-rb: attributes ")) {
                Matcher m = RB_ATTRIBUTES.matcher(l);
                if (m.matches()) {
                    rbAttributes = new long[] {Long.parseUnsignedLong(m.group(1), 16), Long.parseUnsignedLong(m.group(2), 16)};
                } else {
                    notes.add("the root bridge's GetAttributes failed (" + file + ":" + no + "): no pci-root-bridge line");
                }
            } else if (l.startsWith("pci-rb: configuration ")) {
                Matcher m = RB_CONFIGURATION.matcher(l);
                if (m.matches() && m.group(1).length() % 2 == 0) {
                    rbConfiguration = HexFormat.of().parseHex(m.group(1));
                } else {
                    notes.add("the root bridge's Configuration failed (" + file + ":" + no + "): no pci-root-bridge line");
                }
            } else if (l.startsWith("handle: count=")) {
                Matcher m = HANDLE_COUNT.matcher(l);
                if (!m.matches()) {
                    throw new ProfileFormatException(file, no, "field 'handle: count': '" + l + "': expected 'handle: "
                            + "count=N (EFI_SUCCESS)'");
                }
                handlesDeclared = Integer.parseInt(m.group(1));
                handlesLine = no;
            } else if (HANDLE_HEAD.matcher(l).matches()) {
                i = handle(lines, i, file, handles, handleLines);
            } else if (l.startsWith("image: ")) {
                Matcher m = IMAGE.matcher(l);
                if (!m.matches()) {
                    throw new ProfileFormatException(file, no, "field 'image': '" + l + "': expected 'image: NNN "
                            + "base=0x.. size=0x.. unload=set|null'");
                }
                imageBases.put(Integer.parseInt(m.group(1)), Long.parseUnsignedLong(m.group(2), 16));
            } else if (l.startsWith("locate: ")) {
                Matcher m = LOCATE.matcher(l);
                if (!m.matches()) {
                    throw new ProfileFormatException(file, no, "field 'locate': '" + l + "': expected 'locate: GUID (STATUS) "
                            + "n=N NNN,NNN,...'");
                }
                List<Integer> order = m.group(4) == null ? List.of()
                        : java.util.Arrays.stream(m.group(4).split(",")).map(Integer::parseInt).toList();
                if (order.size() != Integer.parseInt(m.group(3))) {
                    throw new ProfileFormatException(file, no, "field 'locate': n=" + m.group(3) + " but " + order.size()
                            + " handle indexes");
                }
                // only protocols whose order is not the handle list's: the others are presented in handle order
                if (!order.equals(order.stream().sorted().toList())) {
                    locateOrders.put(Guid.parse(m.group(1)), order);
                }
            } else if (l.startsWith("open: entries=")) {
                Matcher m = OPEN_TOTAL.matcher(l);
                if (!m.matches() || Integer.parseInt(m.group(1)) != openSeen) {
                    throw new ProfileFormatException(file, no, "field 'open: entries': '" + l + "' where " + openSeen
                            + " open: entry lines came before");
                }
            } else if (l.startsWith("open: ")) {
                Matcher m = OPEN.matcher(l);
                if (!m.matches()) {
                    if (l.matches("open: \\d{3,} \\S+ \\(\\w+\\)")) {
                        notes.add("OpenProtocolInformation failed (" + file + ":" + no + "): " + l.substring(6));
                        continue;
                    }
                    throw new ProfileFormatException(file, no, "field 'open': '" + l + "': expected 'open: HHH GUID "
                            + "agent=AAA controller=CCC|none attributes=0x.. count=N'");
                }
                openSeen++;
                if (m.group(3).equals("gone") || m.group(3).equals("none") || m.group(4).equals("gone")) {
                    notes.add("open entry naming a handle that is not in the handle list (" + file + ":" + no + ") left out");
                    continue;
                }
                opens.add(org.efiemu.platform.CapturedLines.parseOpen(m.group(1) + " " + m.group(2) + " " + m.group(3) + " "
                        + m.group(4) + " 0x" + m.group(5) + " " + m.group(6), file, no));
            } else if (l.startsWith("unload: ")) {
                Matcher m = UNLOAD.matcher(l);
                if (!m.matches()) {
                    throw new ProfileFormatException(file, no, "field 'unload': '" + l + "': expected 'unload: NNN "
                            + "(EFI_STATUS) handles=N gone=NNN,...|none'");
                }
                unloads.add(org.efiemu.platform.CapturedLines.parseUnload(m.group(1) + " " + m.group(2) + " " + m.group(3),
                        file, no));
            } else if (l.startsWith("hob: count=")) {
                Matcher m = HOB_COUNT.matcher(l);
                if (!m.matches() || Integer.parseInt(m.group(1)) != hobs.size()) {
                    throw new ProfileFormatException(file, no, "field 'hob: count': '" + l + "' where " + hobs.size()
                            + " hob: lines came before");
                }
            } else if (l.startsWith("hob: ")) {
                hobs.add(org.efiemu.platform.CapturedLines.parseHob(l.substring(5), file, no));
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
        if (handlesDeclared == null) {
            notes.add("no handle: lines: no handle lines (efiemu presents its own handles)");
        } else if (handlesDeclared != handles.size()) {
            throw new ProfileFormatException(file, handlesLine, "field 'handle: count': " + handlesDeclared
                    + " declared, " + handles.size() + " 'handle: NNN protocols=N' groups follow");
        } else if (handles.stream().noneMatch(h -> h.image() != null)) {
            notes.add("handle: lines without loaded-image lines (a capture made before the firmware-probe printed them): "
                    + "no handle lines (efiemu presents its own handles)");
            handles.clear();
        }
        if (hobs.isEmpty()) {
            notes.add("no hob: lines (a capture made before the firmware-probe dumped the HOB list): the HOB list is built "
                    + "from the memory map");
        }
        CapturedFirmware captured;
        try {
            captured = new CapturedFirmware(handles, hobs, handles.isEmpty() ? java.util.Map.of() : locateOrders,
                    handles.isEmpty() ? java.util.Map.of() : imageBases);
        } catch (IllegalArgumentException e) {
            throw new ProfileFormatException(file, lines.length, "field 'hob': " + e.getMessage());
        }
        if (!handles.isEmpty() && (!opens.isEmpty() || !unloads.isEmpty())) {
            try {
                captured = new CapturedFirmware(captured.handles(), captured.hobs(), captured.locateOrders(),
                        captured.imageBases(), opens, unloads);
            } catch (IllegalArgumentException e) {
                throw new ProfileFormatException(file, lines.length, "field 'open'/'unload': " + e.getMessage());
            }
        }
        List<org.efiemu.uefi.pci.PciRootBridge> bridges = new ArrayList<>();
        if (rbSegment >= 0 && rbAttributes != null && rbConfiguration != null) {
            java.util.Optional<OvmfPlatformInfoHob> info = OvmfPlatformInfoHob.find(hobs);
            if (info.isEmpty()) {
                notes.add("no OVMF platform information HOB (the root bridge's apertures): no pci-root-bridge line");
            } else {
                try {
                    bridges.add(new org.efiemu.uefi.pci.PciRootBridge(rbSegment, rbAttributes[0], rbAttributes[1],
                            info.get().io(), info.get().mem(), info.get().mem64(), rbConfiguration));
                } catch (IllegalArgumentException e) {
                    throw new ProfileFormatException(file, lines.length, "field 'pci-rb: configuration': " + e.getMessage());
                }
            }
        }
        return new FirmwareProbeFacts(tables, devices, captured, notes, bridges);
    }

    /**
     * The {@code pci: rom}, {@code pci-rom:}, {@code pci: bar} and {@code pci: bar-read} lines after a device's device
     * path (absent in captures made before the probe printed them): the ROM's bytes and the BARs become the last
     * device's. Returns the index of the first line after them.
     */
    private static int romAndBars(String[] lines, int i, String file, List<PciDevice> devices) {
        int last = devices.size() - 1;
        PciDevice d = devices.get(last);
        if (i >= lines.length || !lines[i].startsWith("pci: rom ")) {
            return i;
        }
        Matcher rom = ROM.matcher(lines[i]);
        if (!rom.matches()) {
            throw new ProfileFormatException(file, i + 1, "field 'pci: rom': '" + lines[i] + "': expected 'pci: rom size=N "
                    + "image=set|null'");
        }
        long size = Long.parseLong(rom.group(1));
        int romLine = i + 1;
        i++;
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        while (i < lines.length && lines[i].startsWith("pci-rom: ")) {
            String hex = lines[i].substring(9);
            if (hex.isEmpty() || hex.length() % 2 != 0 || !hex.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
                throw new ProfileFormatException(file, i + 1, "field 'pci-rom': expected an even number of hex digits");
            }
            bytes.writeBytes(java.util.HexFormat.of().parseHex(hex));
            i++;
        }
        if (rom.group(2).equals("set") && size > 0) {
            if (bytes.size() != size || size != d.romSize()) {
                throw new ProfileFormatException(file, romLine, "field 'pci: rom': size=" + size + " (rom-size="
                        + d.romSize() + ") but " + bytes.size() + " bytes in the pci-rom: lines that follow");
            }
            d = d.withRomImage(bytes.toByteArray());
        }
        while (i < lines.length && lines[i].startsWith("pci: bar ")) {
            Matcher bar = BAR.matcher(lines[i]);
            if (!bar.matches()) {
                throw new ProfileFormatException(file, i + 1, "field 'pci: bar': '" + lines[i] + "': expected 'pci: bar N "
                        + "(STATUS)' or 'pci: bar N (EFI_SUCCESS) supports=0x.. resources=HEX'");
            }
            int index = Integer.parseInt(bar.group(1));
            int barLine = i + 1;
            i++;
            if (bar.group(3) == null) {
                continue; // EFI_UNSUPPORTED: no such BAR
            }
            byte[] head = new byte[0];
            if (i < lines.length && lines[i].startsWith("pci: bar-read ")) {
                Matcher read = BAR_READ.matcher(lines[i]);
                if (!read.matches() || Integer.parseInt(read.group(1)) != index || read.group(4).length() % 2 != 0) {
                    throw new ProfileFormatException(file, i + 1, "field 'pci: bar-read': '" + lines[i] + "': expected "
                            + "'pci: bar-read " + index + " mem|io (STATUS) HEX'");
                }
                if (read.group(3).equals("EFI_SUCCESS")) {
                    head = java.util.HexFormat.of().parseHex(read.group(4));
                }
                i++;
            }
            try {
                d = d.withBar(new PciBar(index, Long.parseUnsignedLong(bar.group(3), 16),
                        java.util.HexFormat.of().parseHex(bar.group(4)), head));
            } catch (IllegalArgumentException e) {
                throw new ProfileFormatException(file, barLine, "field 'pci: bar': " + e.getMessage());
            }
        }
        devices.set(last, d);
        return i;
    }

    /** One handle's group of lines (head, GUIDs, device paths, loaded image); returns the index of its last line. */
    private static int handle(String[] lines, int i, String file, List<CapturedHandle> out, List<Integer> outLines) {
        Matcher head = HANDLE_HEAD.matcher(lines[i]);
        head.matches();
        int no = i + 1;
        int count = Integer.parseInt(head.group(2));
        StringBuilder value = new StringBuilder(head.group(1)).append(" protocols=");
        List<String> nulls = new ArrayList<>();
        for (int k = 0; k < count; k++) {
            String l = i + 1 + k < lines.length ? lines[i + 1 + k] : "";
            Matcher g = HANDLE_GUID.matcher(l);
            if (!g.matches()) {
                throw new ProfileFormatException(file, i + 2 + k, "field 'handle': '" + l + "': expected protocol "
                        + (k + 1) + " of " + count + " of handle " + head.group(1) + " ('handle: <GUID>')");
            }
            value.append(k == 0 ? "" : ",").append(g.group(1));
            if (g.group(2) != null) {
                nulls.add(g.group(1));
            }
        }
        if (!nulls.isEmpty()) {
            value.append(" null=").append(String.join(",", nulls));
        }
        int at = i + count + 1;
        for (; at < lines.length; at++) {
            Matcher p = HANDLE_PATH.matcher(lines[at]);
            Matcher li = LOADED_IMAGE.matcher(lines[at]);
            if (p.matches()) {
                value.append(p.group(1).equals("device-path") ? " path=" : " image-path=").append(p.group(2));
            } else if (li.matches()) {
                value.append(" image-revision=").append(li.group(1)).append(" image-parent=").append(li.group(2))
                        .append(" image-device=").append(li.group(3)).append(" image-code=").append(li.group(4))
                        .append(" image-data=").append(li.group(5)).append(" image-size=").append(li.group(6))
                        .append(" image-options=").append(li.group(7)).append(" image-file=")
                        .append(li.group(8).isEmpty() ? "none" : li.group(8));
            } else if (lines[at].startsWith("handle: device-path") || lines[at].startsWith("handle: image-device-path")
                    || lines[at].startsWith("handle: loaded-image")) {
                throw new ProfileFormatException(file, at + 1, "field 'handle': '" + lines[at] + "': expected '"
                        + "handle: device-path HEX', 'handle: image-device-path HEX' or 'handle: loaded-image revision=0x.. "
                        + "parent=NNN|none device=NNN|none code=N data=N size=0x.. options=N file-path=HEX'");
            } else {
                break;
            }
        }
        CapturedHandle h = org.efiemu.platform.CapturedLines.parseHandle(value.toString(), file, no);
        if (h.index() != out.size()) {
            throw new ProfileFormatException(file, no, "field 'handle': handle " + head.group(1) + " where "
                    + String.format("%03d", out.size()) + " was expected next");
        }
        out.add(h);
        outLines.add(no);
        return at - 1;
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
        PlatformProfile.Builder b = p.toBuilder().configurationTables(configurationTables).clearPciDevices()
                .captured(captured);
        pciDevices.forEach(b::pciDevice);
        b.clearPciRootBridges();
        pciRootBridges.forEach(b::pciRootBridge);
        if (!pciRootBridges.isEmpty()) {
            b.source("measured: pci-root-bridge and pci-bar-masks lines = the firmware-probe's pci-rb: attributes and "
                    + "configuration lines, OVMF's platform information HOB (apertures) and its pci: bar-masks lines in "
                    + captureName);
        }
        boolean romsOrBars = pciDevices.stream().anyMatch(d -> d.hasRomImage() || !d.bars().isEmpty());
        b.source((romsOrBars ? "measured: configuration-tables, pci-device, pci-rom and pci-bar lines = the "
                + "firmware-probe's cfg:, pci:, pci-rom: and pci: bar lines in " : "measured: configuration-tables and "
                + "pci-device lines = the firmware-probe's cfg: and pci: lines in ")
                + captureName + " (" + configurationTables.size() + " tables, " + pciDevices.size() + " PCI functions)");
        if (captured.hasHandles() || captured.hasHobList()) {
            b.source("measured: handle and hob lines = the firmware-probe's handle: and hob: lines in " + captureName
                    + " (" + captured.handles().size() + " handles in LocateHandleBuffer(AllHandles) order, "
                    + captured.hobs().size() + " HOBs, bytes as captured)");
        }
        if (!captured.imageBases().isEmpty()) {
            b.source("measured: image-base lines = the firmware-probe's image: lines in " + captureName + " (the ImageBase"
                    + " of each of the " + captured.imageBases().size() + " loaded images)");
        }
        if (!captured.locateOrders().isEmpty()) {
            b.source("measured: handle-locate lines = the firmware-probe's locate: lines in " + captureName + " for the "
                    + captured.locateOrders().size() + " protocols whose LocateHandleBuffer(ByProtocol) order is not the "
                    + "handle order (EDK2 returns a protocol's handles in the order their interfaces were installed)");
        }
        if (!captured.opens().isEmpty()) {
            b.source("measured: handle-open lines = the firmware-probe's open: lines in " + captureName + " ("
                    + captured.opens().size() + " OpenProtocolInformation entries when BDS started the probe)");
        }
        if (!captured.unloads().isEmpty()) {
            b.source("measured: image-unload lines = the firmware-probe's unload: lines in " + captureName + " (UnloadImage"
                    + " of the " + captured.unloads().size() + " driver images whose Unload is set, in handle order)");
        }
        notes.forEach(n -> b.source("note: " + n));
        return b.build();
    }
}
