package org.efiemu.platform;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.efiemu.uefi.memory.PlacementRules;
import org.efiemu.uefi.pci.PciDevice;
import org.efiemu.uefi.tables.ConfigurationTableKind;
import org.efiemu.uefi.platform.PlatformDescription.Acpi;
import org.efiemu.uefi.platform.PlatformDescription.Console;
import org.efiemu.uefi.platform.PlatformDescription.Cpu;
import org.efiemu.uefi.platform.PlatformDescription.Firmware;
import org.efiemu.uefi.platform.PlatformDescription.PoolFreeBlock;
import org.efiemu.uefi.platform.PlatformDescription.Smbios;
import org.efiemu.uefi.platform.PlatformDescription.Variable;
import org.efiemu.uefi.spec.Guid;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.efiemu.uefi.spec.MemoryType;
import org.efiemu.uefi.spec.PlacementSpec;
import org.efiemu.uefi.protocol.GraphicsOutput;
import org.efiemu.uefi.variable.VariableStoreConfig;

/**
 * Reads the profile text format of docs/profiles.md. Every error is a {@link ProfileFormatException} naming the
 * file, the line and what was expected; nothing is guessed.
 */
public final class ProfileParser {

    private static final Pattern MAP_LINE = Pattern.compile("(\\S+)\\s+(0[xX][0-9A-Fa-f]+)-(0[xX][0-9A-Fa-f]+)\\s+(\\S+)");
    private static final Pattern TYPE_WRAPPED = Pattern.compile("(OEM|OS)\\((0[xX][0-9A-Fa-f]{1,8})\\)");
    private static final Pattern REVISION = Pattern.compile("(\\d+)\\.(\\d{2,3})");
    private static final Pattern CONSOLE = Pattern.compile("(\\d+)x(\\d+)");

    private final String file;
    private final Map<String, String> values = new HashMap<>();
    private final Map<String, Integer> lineOf = new HashMap<>();
    private final List<String> sources = new ArrayList<>();
    private final List<String> quirks = new ArrayList<>();
    private final List<Variable> variables = new ArrayList<>();
    private final List<PoolFreeBlock> poolFree = new ArrayList<>();
    private final List<PciDevice> pciDevices = new ArrayList<>();
    private final List<org.efiemu.uefi.pci.PciRootBridge> pciRootBridges = new ArrayList<>();
    private final List<org.efiemu.uefi.handle.CapturedHandle> handles = new ArrayList<>();
    private final List<Integer> handleLines = new ArrayList<>();
    private final List<byte[]> hobs = new ArrayList<>();
    private final List<Integer> hobLines = new ArrayList<>();
    private final java.util.Map<org.efiemu.uefi.spec.Guid, List<Integer>> locateOrders = new java.util.LinkedHashMap<>();
    private final java.util.Map<org.efiemu.uefi.spec.Guid, Integer> locateLines = new java.util.HashMap<>();
    private final java.util.Map<Integer, Long> imageBases = new java.util.TreeMap<>();
    private final java.util.Map<Integer, Integer> imageBaseLines = new java.util.HashMap<>();
    private final List<org.efiemu.uefi.handle.CapturedOpen> opens = new ArrayList<>();
    private final List<Integer> openLines = new ArrayList<>();
    private final List<org.efiemu.uefi.handle.CapturedUnload> unloads = new ArrayList<>();
    private final List<Integer> unloadLines = new ArrayList<>();
    private static final Pattern PCI_LOCATION = Pattern.compile("([0-9a-fA-F]{4}):([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\\.([0-7])");
    private final List<PlatformProfile.GraphicsMode> gopModes = new ArrayList<>();
    private final List<PlatformProfile.TextMode> textModes = new ArrayList<>();
    private static final Pattern GOP_MODE = Pattern.compile("(\\d+)\\s+(\\d+)x(\\d+)\\s+(\\S+)");
    private static final Pattern TEXT_MODE = Pattern.compile("(\\d+)\\s+(\\d+)x(\\d+)");
    private final List<MemoryDescriptor> map = new ArrayList<>();
    private final List<Integer> mapLines = new ArrayList<>();

    private ProfileParser(String file) {
        this.file = file;
    }

    /** Parses a profile file; errors name the file. */
    public static PlatformProfile parse(Path path) throws IOException {
        return parse(TextFiles.readUtf8(path, "profile"), path.toString());
    }

    /**
     * Parses profile text.
     *
     * @param text the file's contents
     * @param file the name used in error messages
     */
    public static PlatformProfile parse(String text, String file) {
        return new ProfileParser(file).run(text);
    }

    private PlatformProfile run(String text) {
        String[] lines = text.split("\r?\n", -1);
        boolean inMap = false;
        for (int i = 0; i < lines.length; i++) {
            int no = i + 1;
            String line = stripComment(lines[i]).strip();
            if (line.isEmpty()) {
                continue;
            }
            controlCharacters(line, no);
            if (inMap) {
                map.add(descriptor(line, no));
                mapLines.add(no);
            } else if (line.equals(ProfileKeys.MEMORY_MAP + ":")) {
                inMap = true;
            } else {
                header(line, no);
            }
        }
        if (!inMap) {
            throw new ProfileFormatException(file, 0, "no 'memory-map:' line; expected the header, then 'memory-map:',"
                    + " then one descriptor per line");
        }
        if (!values.containsKey("name")) {
            throw new ProfileFormatException(file, 0, "no 'name:' key; every profile needs a name");
        }
        for (MemoryMapCheck.Problem p : MemoryMapCheck.check(map)) {
            throw new ProfileFormatException(file, mapLines.get(p.index()), p.message(i -> "line " + mapLines.get(i)));
        }
        return build();
    }

    /**
     * Refuses a control character (other than a tab) inside a line, e.g. a lone carriage return: it cannot be written
     * back into a profile's one-line values, and no real profile has one.
     */
    private void controlCharacters(String line, int no) {
        for (int c = 0; c < line.length(); c++) {
            char ch = line.charAt(c);
            if ((ch < 0x20 && ch != '\t') || ch == 0x7F) {
                throw new ProfileFormatException(file, no, String.format("control character U+%04X at column %d;"
                        + " expected printable text (one key or descriptor per line, lines ending in LF or CR LF)",
                        (int) ch, c + 1));
            }
        }
    }

    /** Removes a comment: from a '#' at the start of the line or after a blank. */
    static String stripComment(String line) {
        for (int i = 0; i < line.length(); i++) {
            if (line.charAt(i) == '#' && (i == 0 || Character.isWhitespace(line.charAt(i - 1)))) {
                return line.substring(0, i);
            }
        }
        return line;
    }

    private void header(String line, int no) {
        int colon = line.indexOf(':');
        if (colon <= 0) {
            throw new ProfileFormatException(file, no, "'" + line + "': expected 'key: value' (header) or 'memory-map:'");
        }
        String key = line.substring(0, colon).strip();
        String value = line.substring(colon + 1).strip();
        if (!ProfileKeys.ORDER.contains(key)) {
            throw new ProfileFormatException(file, no, "unknown key '" + key + "'; expected one of " + ProfileKeys.ORDER);
        }
        switch (key) {
            case "source" -> sources.add(value);
            case "quirk" -> {
                if (!PlatformProfile.KNOWN_QUIRKS.contains(value)) {
                    throw new ProfileFormatException(file, no, "quirk '" + value + "': expected one of "
                            + PlatformProfile.KNOWN_QUIRKS);
                }
                quirks.add(value);
            }
            case "variable" -> variables.add(variable(value, no));
            case "pool-free" -> poolFree.add(poolFree(value, no));
            case "pci-device" -> pciDevices.add(pciDevice(value, no));
            case "pci-rom" -> pciRom(value, no);
            case "pci-bar" -> pciBar(value, no);
            case "pci-bar-masks" -> pciBarMasks(value, no);
            case "pci-root-bridge" -> pciRootBridges.add(pciRootBridge(value, no));
            case "handle" -> {
                org.efiemu.uefi.handle.CapturedHandle h = CapturedLines.parseHandle(value, file, no);
                if (h.index() != handles.size()) {
                    throw new ProfileFormatException(file, no, "handle " + value.strip().split("\\s+")[0] + ": expected "
                            + String.format("%03d", handles.size()) + " (handle lines are numbered 000, 001, ... in order)");
                }
                handles.add(h);
                handleLines.add(no);
            }
            case "image-base" -> {
                Matcher m = Pattern.compile("(\\d{3,})\\s+0x([0-9a-fA-F]{1,16})").matcher(value.strip());
                if (!m.matches()) {
                    throw new ProfileFormatException(file, no, "image-base '" + value.strip() + "': expected 'NNN 0xBASE' "
                            + "(a handle index and its loaded image's ImageBase)");
                }
                int index = Integer.parseInt(m.group(1));
                if (imageBases.containsKey(index)) {
                    throw new ProfileFormatException(file, no, "image-base " + m.group(1) + ": handle given twice");
                }
                imageBases.put(index, Long.parseUnsignedLong(m.group(2), 16));
                imageBaseLines.put(index, no);
            }
            case "handle-open" -> {
                opens.add(CapturedLines.parseOpen(value, file, no));
                openLines.add(no);
            }
            case "image-unload" -> {
                var u = CapturedLines.parseUnload(value, file, no);
                for (int k = 0; k < unloads.size(); k++) {
                    if (unloads.get(k).image() == u.image()) {
                        throw new ProfileFormatException(file, no, "image-unload " + String.format("%03d", u.image())
                                + ": image given twice (first on line " + unloadLines.get(k) + ")");
                    }
                }
                unloads.add(u);
                unloadLines.add(no);
            }
            case "handle-locate" -> {
                var e = CapturedLines.parseLocate(value, file, no);
                if (locateOrders.containsKey(e.getKey())) {
                    throw new ProfileFormatException(file, no, "handle-locate " + value.strip().split("\\s+")[0]
                            + ": protocol given twice (first on line " + locateLines.get(e.getKey()) + ")");
                }
                locateOrders.put(e.getKey(), e.getValue());
                locateLines.put(e.getKey(), no);
            }
            case "hob" -> {
                hobs.add(CapturedLines.parseHob(value, file, no));
                hobLines.add(no);
            }
            case "gop-mode" -> gopModes.add(gopMode(value, no));
            case "text-mode" -> textModes.add(textMode(value, no));
            default -> {
                if (values.containsKey(key)) {
                    throw new ProfileFormatException(file, no, "key '" + key + "' given twice (first on line "
                            + lineOf.get(key) + "); only source, quirk, variable, pool-free, gop-mode, text-mode, pci-root-bridge, pci-device, pci-rom, pci-bar, pci-bar-masks, handle, handle-locate, image-base, handle-open, image-unload and hob may repeat");
                }
                values.put(key, value);
                lineOf.put(key, no);
            }
        }
    }

    private MemoryDescriptor descriptor(String line, int no) {
        Matcher m = MAP_LINE.matcher(line);
        if (!m.matches()) {
            throw new ProfileFormatException(file, no, "'" + line + "': expected '<Type> 0x<first>-0x<last> 0x<attribute>'"
                    + " (inclusive range, e.g. 'EfiConventionalMemory 0x100000-0x7FFFFFF 0xF')");
        }
        int type = memoryType(m.group(1), no);
        long first = hex(m.group(2), "first address", no);
        long last = hex(m.group(3), "last address", no);
        long attr = hex(m.group(4), "attribute", no);
        if (Long.compareUnsigned(last, first) < 0) {
            throw new ProfileFormatException(file, no, String.format("reversed range 0x%X-0x%X; expected first <= last",
                    first, last));
        }
        if ((first & 0xFFF) != 0 || ((last + 1) & 0xFFF) != 0) {
            throw new ProfileFormatException(file, no, String.format("range 0x%X-0x%X is not page aligned; expected first"
                    + " on a 4 KiB boundary and last ending in FFF", first, last));
        }
        long pages = last == -1L ? (1L << 52) - (first >>> 12) : (last + 1 - first) >>> 12;
        MemoryDescriptor d = new MemoryDescriptor(type, first, pages, attr);
        MemoryMapCheck.checkDescriptor(d).ifPresent(msg -> {
            throw new ProfileFormatException(file, no, msg);
        });
        return d;
    }

    /**
     * {@code pci-device: SSSS:BB:DD.F attributes=0x.. supported=0x.. rom-size=N path=HEX config=HEX}: a PCI function
     * the firmware presents with EFI_PCI_IO_PROTOCOL (its device path's bytes, 256 bytes of configuration space).
     */
    private PciDevice pciDevice(String value, int no) {
        String[] f = value.split("\\s+", 2);
        Matcher m = PCI_LOCATION.matcher(f[0]);
        if (!m.matches() || f.length < 2) {
            throw new ProfileFormatException(file, no, "pci-device '" + value + "': expected 'SSSS:BB:DD.F attributes=0x.. "
                    + "supported=0x.. rom-size=N path=HEX config=HEX' (e.g. '0000:00:01.0 attributes=0x40708 ...')");
        }
        Map<String, String> p = params("pci-device", f[1], no, List.of("attributes", "supported", "rom-size", "path", "config"));
        byte[] path = hexBytes(p.get("path"), "pci-device path", no);
        byte[] config = hexBytes(p.get("config"), "pci-device config", no);
        if (config.length != PciDevice.CONFIG_SIZE) {
            throw new ProfileFormatException(file, no, "pci-device config: " + config.length + " bytes; expected "
                    + PciDevice.CONFIG_SIZE + " (512 hex digits: the function's configuration space)");
        }
        try {
            return new PciDevice(Integer.parseInt(m.group(1), 16), Integer.parseInt(m.group(2), 16),
                    Integer.parseInt(m.group(3), 16), Integer.parseInt(m.group(4), 16),
                    hex(p.get("attributes"), "pci-device attributes", no), hex(p.get("supported"), "pci-device supported", no),
                    decimal("pci-device rom-size", p.get("rom-size"), no), config, path);
        } catch (IllegalArgumentException e) {
            throw new ProfileFormatException(file, no, "pci-device " + f[0] + ": " + e.getMessage());
        }
    }

    /** The index in {@link #pciDevices} of the device a {@code pci-rom:}/{@code pci-bar:} line names (given before it). */
    private int pciDeviceAt(String key, String location, int no) {
        for (int i = 0; i < pciDevices.size(); i++) {
            if (pciDevices.get(i).location().equals(location.toLowerCase(java.util.Locale.ROOT))) {
                return i;
            }
        }
        throw new ProfileFormatException(file, no, key + " '" + location + "': no pci-device line before it has that "
                + "location (expected SSSS:BB:DD.F of a pci-device line above)");
    }

    /**
     * {@code pci-rom: SSSS:BB:DD.F size=N sha256=HEX deflate-base64=TEXT}: the option ROM's bytes of the pci-device
     * above (RomImage, RomSize bytes), deflated (RFC 1951, zlib wrapper) and in Base64; size and digest are checked.
     */
    private void pciRom(String value, int no) {
        String[] f = value.split("\\s+", 2);
        if (f.length < 2) {
            throw new ProfileFormatException(file, no, "pci-rom '" + value + "': expected 'SSSS:BB:DD.F size=N sha256=HEX "
                    + "deflate-base64=TEXT'");
        }
        int at = pciDeviceAt("pci-rom", f[0], no);
        Map<String, String> p = params("pci-rom", f[1], no, List.of("size", "sha256", "deflate-base64"));
        long size = decimal("pci-rom size", p.get("size"), no);
        PciDevice d = pciDevices.get(at);
        if (size != d.romSize() || size <= 0 || size > 16 << 20) {
            throw new ProfileFormatException(file, no, "pci-rom size=" + size + ": expected the pci-device's rom-size "
                    + d.romSize() + " (1 byte to 16 MiB)");
        }
        byte[] rom;
        try {
            rom = PciRomText.decode(p.get("deflate-base64"), (int) size);
        } catch (IllegalArgumentException e) {
            throw new ProfileFormatException(file, no, "pci-rom deflate-base64: " + e.getMessage());
        }
        String digest = PciRomText.sha256(rom);
        if (!digest.equalsIgnoreCase(p.get("sha256"))) {
            throw new ProfileFormatException(file, no, "pci-rom sha256=" + p.get("sha256") + ": the decoded " + size
                    + " bytes have sha256 " + digest);
        }
        if (d.hasRomImage()) {
            throw new ProfileFormatException(file, no, "pci-rom " + f[0] + ": given twice");
        }
        pciDevices.set(at, d.withRomImage(rom));
    }

    /**
     * {@code pci-bar: SSSS:BB:DD.F index=N supports=0x.. resources=HEX read=HEX}: a BAR of the pci-device above as
     * GetBarAttributes describes it (its ACPI resource descriptors' bytes) and the first bytes a read at its offset 0
     * returned ({@code read=} empty: not captured).
     */
    private void pciBar(String value, int no) {
        String[] f = value.split("\\s+", 2);
        if (f.length < 2) {
            throw new ProfileFormatException(file, no, "pci-bar '" + value + "': expected 'SSSS:BB:DD.F index=N "
                    + "supports=0x.. resources=HEX read=HEX'");
        }
        int at = pciDeviceAt("pci-bar", f[0], no);
        Map<String, String> p = params("pci-bar", f[1], no, List.of("index", "supports", "resources", "read"));
        long index = decimal("pci-bar index", p.get("index"), no);
        byte[] resources = hexBytes(p.get("resources"), "pci-bar resources", no);
        byte[] head = p.get("read").isEmpty() ? new byte[0] : hexBytes(p.get("read"), "pci-bar read", no);
        try {
            pciDevices.set(at, pciDevices.get(at).withBar(new org.efiemu.uefi.pci.PciBar((int) Math.min(index, 99),
                    hex(p.get("supports"), "pci-bar supports", no), resources, head)));
        } catch (IllegalArgumentException e) {
            throw new ProfileFormatException(file, no, "pci-bar " + f[0] + ": " + e.getMessage());
        }
    }

    private static final Pattern BAR_MASK = Pattern.compile("([0-9a-fA-F]{2})=([0-9a-fA-F]{8})");

    /**
     * {@code pci-bar-masks: SSSS:BB:DD.F 10=ff000008 14=00000000 ... 30=ffff0001}: what each BAR register of the
     * pci-device above read back after all ones were written to it (its size mask), by register offset.
     */
    private void pciBarMasks(String value, int no) {
        String[] f = value.split("\\s+");
        int at = pciDeviceAt("pci-bar-masks", f[0], no);
        Map<Integer, Integer> masks = new java.util.TreeMap<>();
        for (int i = 1; i < f.length; i++) {
            Matcher m = BAR_MASK.matcher(f[i]);
            if (!m.matches() || masks.put(Integer.parseInt(m.group(1), 16), Integer.parseUnsignedInt(m.group(2), 16)) != null) {
                throw new ProfileFormatException(file, no, "pci-bar-masks '" + f[i] + "': expected RR=XXXXXXXX (a BAR "
                        + "register's offset, two hex digits, and what it read back, eight), each register once");
            }
        }
        if (masks.isEmpty()) {
            throw new ProfileFormatException(file, no, "pci-bar-masks '" + value + "': expected 'SSSS:BB:DD.F RR=XXXXXXXX ...'");
        }
        if (!pciDevices.get(at).barMasks().isEmpty()) {
            throw new ProfileFormatException(file, no, "pci-bar-masks " + f[0] + ": given twice");
        }
        try {
            pciDevices.set(at, pciDevices.get(at).withBarMasks(masks));
        } catch (IllegalArgumentException e) {
            throw new ProfileFormatException(file, no, "pci-bar-masks " + f[0] + ": " + e.getMessage());
        }
    }

    private static final Pattern APERTURE = Pattern.compile("0x([0-9a-fA-F]{1,16})-0x([0-9a-fA-F]{1,16})");

    /**
     * {@code pci-root-bridge: SSSS supports=0x.. attributes=0x.. io=0xB-0xL mem=0xB-0xL mem64=0xB-0xL|none
     * configuration=HEX}: a PCI root bridge's GetAttributes, its apertures and what Configuration returns.
     */
    private org.efiemu.uefi.pci.PciRootBridge pciRootBridge(String value, int no) {
        String[] f = value.split("\\s+", 2);
        if (f.length < 2 || !f[0].matches("[0-9a-fA-F]{4}")) {
            throw new ProfileFormatException(file, no, "pci-root-bridge '" + value + "': expected 'SSSS supports=0x.. "
                    + "attributes=0x.. io=0xB-0xL mem=0xB-0xL mem64=0xB-0xL|none configuration=HEX'");
        }
        Map<String, String> p = params("pci-root-bridge", f[1], no, List.of("supports", "attributes", "io", "mem",
                "mem64", "configuration"));
        try {
            return new org.efiemu.uefi.pci.PciRootBridge(Integer.parseInt(f[0], 16), hex(p.get("supports"),
                    "pci-root-bridge supports", no), hex(p.get("attributes"), "pci-root-bridge attributes", no),
                    aperture(p.get("io"), "io", no), aperture(p.get("mem"), "mem", no), aperture(p.get("mem64"), "mem64", no),
                    hexBytes(p.get("configuration"), "pci-root-bridge configuration", no));
        } catch (IllegalArgumentException e) {
            throw new ProfileFormatException(file, no, "pci-root-bridge " + f[0] + ": " + e.getMessage());
        }
    }

    private org.efiemu.uefi.pci.PciRootBridge.Aperture aperture(String text, String what, int no) {
        if (text.equals("none")) {
            return org.efiemu.uefi.pci.PciRootBridge.Aperture.NONE;
        }
        Matcher m = APERTURE.matcher(text);
        if (!m.matches() || Long.compareUnsigned(Long.parseUnsignedLong(m.group(1), 16),
                Long.parseUnsignedLong(m.group(2), 16)) > 0) {
            throw new ProfileFormatException(file, no, "pci-root-bridge " + what + "=" + text + ": expected 0xBASE-0xLIMIT "
                    + "(inclusive, base <= limit) or none");
        }
        return new org.efiemu.uefi.pci.PciRootBridge.Aperture(Long.parseUnsignedLong(m.group(1), 16),
                Long.parseUnsignedLong(m.group(2), 16));
    }

    /** The {@code handle:} and {@code hob:} lines as one value; a rule across lines is reported at the line it names. */
    private org.efiemu.uefi.platform.CapturedFirmware captured() {
        for (org.efiemu.uefi.handle.CapturedHandle h : handles) {
            var i = h.image();
            if (i != null && (i.parent() >= handles.size() || i.device() >= handles.size())) {
                throw new ProfileFormatException(file, handleLines.get(h.index()), "handle " + String.format("%03d",
                        h.index()) + ": image-parent/image-device names a handle beyond the last handle line ("
                        + String.format("%03d", handles.size() - 1) + ")");
            }
        }
        try {
            for (var e : locateOrders.entrySet()) {
                for (int i : e.getValue()) {
                    if (i >= handles.size()) {
                        throw new ProfileFormatException(file, locateLines.get(e.getKey()), "handle-locate "
                                + e.getKey().registryForm().toLowerCase(java.util.Locale.ROOT) + ": handle "
                                + String.format("%03d", i) + " beyond the last handle line");
                    }
                }
            }
            for (var e : imageBases.entrySet()) {
                if (e.getKey() >= handles.size() || handles.get(e.getKey()).image() == null) {
                    throw new ProfileFormatException(file, imageBaseLines.get(e.getKey()), "image-base "
                            + String.format("%03d", e.getKey()) + ": no handle line " + String.format("%03d", e.getKey())
                            + " with loaded-image fields");
                }
            }
            for (int k = 0; k < opens.size(); k++) {
                var o = opens.get(k);
                if (o.handle() >= handles.size() || o.agent() >= handles.size() || o.controller() >= handles.size()) {
                    throw new ProfileFormatException(file, openLines.get(k), "handle-open " + String.format("%03d",
                            o.handle()) + ": a handle index beyond the last handle line (" + String.format("%03d",
                            handles.size() - 1) + ")");
                }
                if (!handles.get(o.handle()).protocols().contains(o.protocol())) {
                    throw new ProfileFormatException(file, openLines.get(k), "handle-open " + String.format("%03d",
                            o.handle()) + " " + o.protocol().registryForm().toLowerCase(java.util.Locale.ROOT)
                            + ": handle line " + String.format("%03d", o.handle()) + " has no such protocol");
                }
            }
            for (int k = 0; k < unloads.size(); k++) {
                var u = unloads.get(k);
                int last = u.removed().isEmpty() ? -1 : u.removed().get(u.removed().size() - 1);
                if (u.image() >= handles.size() || handles.get(u.image()).image() == null || last >= handles.size()) {
                    throw new ProfileFormatException(file, unloadLines.get(k), "image-unload " + String.format("%03d",
                            u.image()) + ": " + (last >= handles.size() ? "a removed handle beyond the last handle line"
                            : "no handle line " + String.format("%03d", u.image()) + " with loaded-image fields"));
                }
            }
            return new org.efiemu.uefi.platform.CapturedFirmware(handles, hobs, locateOrders, imageBases, opens, unloads);
        } catch (IllegalArgumentException e) {
            Matcher m = Pattern.compile("HOB (\\d+)").matcher(e.getMessage());
            int line = m.lookingAt() ? hobLines.get(Integer.parseInt(m.group(1))) : hobLines.isEmpty() ? 0 : hobLines.get(0);
            throw new ProfileFormatException(file, line, "hob: " + e.getMessage());
        }
    }

    private byte[] hexBytes(String text, String what, int no) {
        if (text.isEmpty() || text.length() % 2 != 0 || !text.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            throw new ProfileFormatException(file, no, what + " '" + (text.length() > 40 ? text.substring(0, 40) + "..." : text)
                    + "': expected an even number of hex digits");
        }
        return java.util.HexFormat.of().parseHex(text);
    }

    /** {@code configuration-tables: NAME ...}: the firmware's configuration tables in its order. */
    private List<ConfigurationTableKind> configurationTables() {
        String v = values.get("configuration-tables");
        if (v == null) {
            return null;
        }
        int no = lineOf.get("configuration-tables");
        List<ConfigurationTableKind> out = new ArrayList<>();
        for (String w : v.split("\\s+")) {
            ConfigurationTableKind k = ConfigurationTableKind.byProfileName(w).orElseThrow(() -> new ProfileFormatException(
                    file, no, "configuration-tables '" + w + "': expected names from " + ConfigurationTableKind.names()));
            if (out.contains(k)) {
                throw new ProfileFormatException(file, no, "configuration-tables '" + w + "' named twice; expected each "
                        + "table at most once");
            }
            out.add(k);
        }
        return out;
    }

    /** {@code pool-free: <PoolType> 0x<head> <bin size>}: a block on the firmware's pool free lists at entry. */
    private PoolFreeBlock poolFree(String value, int no) {
        String[] f = value.split("\\s+");
        if (f.length != 3) {
            throw new ProfileFormatException(file, no, "pool-free '" + value + "': expected '<PoolType> 0x<head address> "
                    + "<block size>' (e.g. 'EfiRuntimeServicesData 0x7F51CE00 128')");
        }
        int type = memoryType(f[0], no);
        long head = hex(f[1], "pool-free head address", no);
        int size;
        try {
            size = Integer.parseInt(f[2]);
        } catch (NumberFormatException e) {
            size = -1;
        }
        if (!List.of(128, 256, 384, 640, 1024, 1664, 2688).contains(size) || (head & 7) != 0
                || (head & 0xFFF) + size > 0x1000) {
            throw new ProfileFormatException(file, no, "pool-free '" + value + "': expected a block size of 128, 256, "
                    + "384, 640, 1024, 1664 or 2688 (EDK2 mPoolSizeTable) and an 8-byte aligned head whose block fits "
                    + "in its page");
        }
        return new PoolFreeBlock(type, head, size);
    }

    /** {@code gop-mode: <N> <W>x<H> <PixelFormat>} (UEFI 2.10 §12.9 QueryMode). */
    private PlatformProfile.GraphicsMode gopMode(String value, int no) {
        Matcher m = GOP_MODE.matcher(value);
        if (!m.matches() || !PlatformProfile.GraphicsMode.PIXEL_FORMATS.contains(m.group(4))) {
            throw new ProfileFormatException(file, no, "gop-mode '" + value + "': expected '<mode> <width>x<height> "
                    + "<pixel format>' with a format of " + PlatformProfile.GraphicsMode.PIXEL_FORMATS
                    + " (e.g. '0 1280x800 PixelBlueGreenRedReserved8BitPerColor')");
        }
        return new PlatformProfile.GraphicsMode(small(m.group(1), "gop-mode number", no), small(m.group(2), "gop-mode width", no),
                small(m.group(3), "gop-mode height", no), m.group(4));
    }

    /** {@code text-mode: <N> <C>x<R>} (UEFI 2.10 §12.4 QueryMode). */
    private PlatformProfile.TextMode textMode(String value, int no) {
        Matcher m = TEXT_MODE.matcher(value);
        if (!m.matches()) {
            throw new ProfileFormatException(file, no, "text-mode '" + value + "': expected '<mode> <columns>x<rows>' "
                    + "(e.g. '0 80x25')");
        }
        return new PlatformProfile.TextMode(small(m.group(1), "text-mode number", no), small(m.group(2), "text-mode columns", no),
                small(m.group(3), "text-mode rows", no));
    }

    private int small(String digits, String what, int no) {
        try {
            return Integer.parseInt(digits);
        } catch (NumberFormatException e) {
            throw new ProfileFormatException(file, no, what + " '" + digits + "': expected a number up to " + Integer.MAX_VALUE);
        }
    }

    /** A type name ({@code EfiConventionalMemory}, {@code OEM(0x70000001)}, {@code OS(0x80000000)}) or a number. */
    private int memoryType(String text, int no) {
        for (MemoryType t : MemoryType.values()) {
            if (t.name().equals(text)) {
                return t.value();
            }
        }
        Matcher w = TYPE_WRAPPED.matcher(text);
        String number = w.matches() ? w.group(2) : text;
        long v;
        try {
            v = number.startsWith("0x") || number.startsWith("0X") ? Long.parseLong(number.substring(2), 16)
                    : Long.parseLong(number);
        } catch (NumberFormatException e) {
            throw new ProfileFormatException(file, no, "memory type '" + text + "': expected a spec name"
                    + " (EfiConventionalMemory, ...), OEM(0x7xxxxxxx), OS(0x8xxxxxxx) or a number");
        }
        int raw = (int) v;
        if (v < 0 || v > 0xFFFF_FFFFL || MemoryType.isInvalid(raw)
                || (w.matches() && (w.group(1).equals("OEM") != MemoryType.isOem(raw)
                        || w.group(1).equals("OS") != MemoryType.isOsLoader(raw)))) {
            throw new ProfileFormatException(file, no, "memory type '" + text + "' is not a valid EFI_MEMORY_TYPE;"
                    + " expected 0..15, OEM(0x70000000..0x7FFFFFFF) or OS(0x80000000..0xFFFFFFFF)");
        }
        return raw;
    }

    private long hex(String text, String what, int no) {
        String digits = text.startsWith("0x") || text.startsWith("0X") ? text.substring(2) : null;
        if (digits == null || digits.isEmpty() || digits.length() > 16 || !digits.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            throw new ProfileFormatException(file, no, what + " '" + text + "': expected 0x and 1 to 16 hex digits");
        }
        return Long.parseUnsignedLong(digits, 16);
    }

    private long number(String key, long dflt) {
        String v = values.get(key);
        if (v == null) {
            return dflt;
        }
        try {
            return v.startsWith("0x") || v.startsWith("0X") ? Long.parseUnsignedLong(v.substring(2), 16) : Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new ProfileFormatException(file, lineOf.get(key), key + " '" + v + "': expected a decimal or 0x-hex number");
        }
    }

    private int integer(String key, int dflt) {
        long v = number(key, dflt);
        if (v < 0 || v > Integer.MAX_VALUE) {
            throw new ProfileFormatException(file, lineOf.get(key), key + " " + v + ": expected 0.." + Integer.MAX_VALUE);
        }
        return (int) v;
    }

    private String text(String key, String dflt) {
        return values.getOrDefault(key, dflt);
    }

    private Variable variable(String value, int no) {
        String[] f = value.split("\\s+", 4);
        if (f.length < 4) {
            throw new ProfileFormatException(file, no, "variable '" + value + "': expected 'NAME GUID ATTRIBUTES DATA'"
                    + " with DATA hex:... or utf16:...");
        }
        String guid;
        try {
            guid = Guid.parse(f[1]).registryForm();
        } catch (IllegalArgumentException e) {
            throw new ProfileFormatException(file, no, "variable " + f[0] + ": " + e.getMessage());
        }
        long attrs;
        try {
            attrs = f[2].startsWith("0x") ? Long.parseLong(f[2].substring(2), 16) : Long.parseLong(f[2]);
        } catch (NumberFormatException e) {
            attrs = -1;
        }
        if (attrs < 0 || attrs > 0xFFFF_FFFFL) {
            throw new ProfileFormatException(file, no, "variable " + f[0] + " attributes '" + f[2]
                    + "': expected a 32-bit number (EFI_VARIABLE_* bits, e.g. 0x7)");
        }
        byte[] data;
        if (f[3].startsWith("utf16:")) {
            data = (f[3].substring(6) + "\0").getBytes(StandardCharsets.UTF_16LE);
        } else if (f[3].startsWith("hex:")) {
            try {
                data = HexFormat.of().parseHex(f[3].substring(4));
            } catch (IllegalArgumentException e) {
                throw new ProfileFormatException(file, no, "variable " + f[0] + " data '" + f[3]
                        + "': expected hex: followed by an even number of hex digits");
            }
        } else {
            throw new ProfileFormatException(file, no, "variable " + f[0] + " data '" + f[3]
                    + "': expected hex:<digits> or utf16:<text>");
        }
        return new Variable(decodeName(f[0], no), guid, (int) attrs, data);
    }

    /** Undoes {@link ProfileWriter#encodeName}: {@code %XX} is one character (0x00-0xFF), {@code %uXXXX} one UTF-16 unit. */
    private String decodeName(String text, int no) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c != '%') {
                b.append(c);
                continue;
            }
            boolean wide = i + 1 < text.length() && text.charAt(i + 1) == 'u';
            int start = i + (wide ? 2 : 1);
            int end = start + (wide ? 4 : 2);
            String digits = end <= text.length() ? text.substring(start, end) : "";
            if (digits.isEmpty() || !digits.chars().allMatch(d -> Character.digit(d, 16) >= 0)) {
                throw new ProfileFormatException(file, no, "variable name '" + text + "': '%' must be followed by two hex"
                        + " digits (%20 is a blank) or u and four hex digits (%u00E9)");
            }
            b.append((char) Integer.parseInt(digits, 16));
            i = end - 1;
        }
        return b.toString();
    }

    private static final Pattern MODE = Pattern.compile("(\\d{1,5})x(\\d{1,5})");

    /** {@code display: framebuffer=0x.. memory=0x.. mode=N modes=WxH,WxH,...}. */
    private GraphicsOutput.Display display() {
        String v = values.get("display");
        if (v == null) {
            return null;
        }
        int no = lineOf.get("display");
        Map<String, String> p = params("display", v, no, List.of("framebuffer", "memory", "mode", "modes"));
        List<GraphicsOutput.Mode> modes = new ArrayList<>();
        try {
            for (String m : p.get("modes").split(",")) {
                Matcher mm = MODE.matcher(m);
                if (!mm.matches()) {
                    throw new ProfileFormatException(file, no, "display mode '" + m + "': expected WIDTHxHEIGHT, e.g."
                            + " 1280x800");
                }
                // a zero size is refused by the mode itself, with its reason, caught below
                modes.add(new GraphicsOutput.Mode(Integer.parseInt(mm.group(1)), Integer.parseInt(mm.group(2))));
            }
            return new GraphicsOutput.Display(modes, (int) decimal("display mode", p.get("mode"), no),
                    hex(p.get("framebuffer"), "display framebuffer", no), hex(p.get("memory"), "display memory", no));
        } catch (IllegalArgumentException e) {
            throw new ProfileFormatException(file, no, e.getMessage());
        }
    }

    /** {@code variable-store: nv-size=0x.. volatile-size=0x.. max-nv-variable=0x.. max-volatile-variable=0x.. format=..}. */
    private VariableStoreConfig variableStore() {
        String v = values.get("variable-store");
        if (v == null) {
            return null;
        }
        int no = lineOf.get("variable-store");
        Map<String, String> p = params("variable-store", v, no, List.of("nv-size", "volatile-size", "max-nv-variable",
                "max-volatile-variable", "format"));
        String format = p.get("format");
        if (!format.equals("authenticated") && !format.equals("plain")) {
            throw new ProfileFormatException(file, no, "variable-store format '" + format + "': expected authenticated "
                    + "(60-byte AUTHENTICATED_VARIABLE_HEADER, AuthVariableLib) or plain (32-byte VARIABLE_HEADER)");
        }
        boolean auth = format.equals("authenticated");
        try {
            return new VariableStoreConfig(hex(p.get("nv-size"), "nv-size", no), hex(p.get("volatile-size"),
                    "volatile-size", no), hex(p.get("max-nv-variable"), "max-nv-variable", no),
                    hex(p.get("max-volatile-variable"), "max-volatile-variable", no),
                    auth ? VariableStoreConfig.AUTHENTICATED_VARIABLE_HEADER_SIZE : VariableStoreConfig.VARIABLE_HEADER_SIZE,
                    auth);
        } catch (IllegalArgumentException e) {
            throw new ProfileFormatException(file, no, e.getMessage());
        }
    }

    /** {@code k=v} words of a key's value: exactly {@code names}, each once. */
    private Map<String, String> params(String key, String value, int no, List<String> names) {
        Map<String, String> p = new LinkedHashMap<>();
        for (String w : value.split("\\s+")) {
            int eq = w.indexOf('=');
            String k = eq > 0 ? w.substring(0, eq) : w;
            if (eq <= 0 || !names.contains(k) || p.containsKey(k)) {
                throw new ProfileFormatException(file, no, key + " '" + w + "': expected each of " + names
                        + " once, as name=value");
            }
            p.put(k, w.substring(eq + 1));
        }
        for (String n : names) {
            if (!p.containsKey(n)) {
                throw new ProfileFormatException(file, no, key + ": missing " + n + "=; expected " + names);
            }
        }
        return p;
    }

    private long decimal(String what, String text, int no) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new ProfileFormatException(file, no, what + " '" + text + "': expected a decimal number");
        }
    }

    private PlacementSpec placement() {
        String v = values.get("placement");
        if (v == null) {
            return PlacementSpec.EDK2_TOPDOWN;
        }
        return parsePlacement(v, file, lineOf.get("placement"));
    }

    /**
     * A {@code placement:} value ({@code edk2-topdown bins=... default-max=0x...}), checked by the firmware model's
     * own {@code PlacementRules.create}; errors name {@code file} and {@code line} (0: the whole input, e.g. an option).
     */
    public static PlacementSpec parsePlacement(String value, String file, int line) {
        String[] parts = value.strip().split("\\s+");
        Map<String, String> params = new LinkedHashMap<>();
        for (int i = 1; i < parts.length; i++) {
            int eq = parts[i].indexOf('=');
            if (eq <= 0 || eq == parts[i].length() - 1) {
                throw new ProfileFormatException(file, line, "placement parameter '" + parts[i]
                        + "': expected key=value, e.g. default-max=0xFFFFFFFF");
            }
            params.put(parts[i].substring(0, eq), parts[i].substring(eq + 1));
        }
        if (!PlatformProfile.PLACEMENT_NAMES.contains(parts[0])) {
            throw new ProfileFormatException(file, line, "placement '" + parts[0]
                    + "': expected one of " + PlatformProfile.PLACEMENT_NAMES);
        }
        PlacementSpec spec = new PlacementSpec(parts[0], params);
        try {
            PlacementRules.create(spec); // the firmware model's own check of every parameter
        } catch (IllegalArgumentException e) {
            throw new ProfileFormatException(file, line, e.getMessage());
        }
        return spec;
    }

    private int uefiRevision() {
        String v = values.get("uefi-revision");
        if (v == null) {
            return Firmware.UEFI_2_70;
        }
        Matcher m = REVISION.matcher(v);
        if (!m.matches()) {
            throw new ProfileFormatException(file, lineOf.get("uefi-revision"), "uefi-revision '" + v
                    + "': expected major.minor with two minor digits, e.g. 2.30 or 2.70");
        }
        long major = m.group(1).length() > 5 ? Long.MAX_VALUE : Long.parseLong(m.group(1));
        if (major > 0xFFFF) {
            throw new ProfileFormatException(file, lineOf.get("uefi-revision"), "uefi-revision '" + v
                    + "': major " + m.group(1) + " is out of range; expected 0..65535 (the upper 16 bits of EFI_TABLE_HEADER.Revision)");
        }
        return ((int) major << 16) | Integer.parseInt(m.group(2));
    }

    private Console console() {
        String v = values.get("console");
        if (v == null) {
            return new Console(80, 25);
        }
        Matcher m = CONSOLE.matcher(v);
        if (!m.matches()) {
            throw new ProfileFormatException(file, lineOf.get("console"), "console '" + v + "': expected COLUMNSxROWS, e.g. 80x25");
        }
        long columns = m.group(1).length() > 5 ? Long.MAX_VALUE : Long.parseLong(m.group(1));
        long rows = m.group(2).length() > 5 ? Long.MAX_VALUE : Long.parseLong(m.group(2));
        if (columns < 1 || columns > 1000 || rows < 1 || rows > 1000) {
            throw new ProfileFormatException(file, lineOf.get("console"), "console '" + v
                    + "': expected COLUMNSxROWS with each 1..1000, e.g. 80x25");
        }
        return new Console((int) columns, (int) rows);
    }

    private PlatformProfile build() {
        String name = values.get("name");
        PlatformProfile.Builder b = PlatformProfile.builder(name)
                .description(text("description", ""))
                .placement(placement())
                .descriptorSize(integer("descriptor-size", 48))
                .descriptorVersion(integer("descriptor-version", 1))
                .firmware(new Firmware(text("firmware-vendor", "EDK II"), number("firmware-revision", 0x10000), uefiRevision()))
                .cpu(new Cpu(text("cpu-vendor", "GenuineIntel"), integer("cpu-family", 6), integer("cpu-model", 45),
                        integer("cpu-stepping", 7), text("cpu-brand", "Intel(R) Xeon(R) CPU"), integer("cpu-count", 1)))
                .smbios(new Smbios(text("smbios-bios-vendor", "efiemu"), text("smbios-bios-version", "0.1"),
                        text("smbios-bios-date", "01/01/2024"), text("smbios-manufacturer", "efiemu"),
                        text("smbios-product", name), text("smbios-version", "1"), text("smbios-serial", "0")))
                .acpi(new Acpi(text("acpi-oem-id", "EFIEMU"), text("acpi-oem-table-id", "EFIEMU01")))
                .display(display())
                .variableStore(variableStore())
                .configurationTables(configurationTables())
                .memoryMap(map);
        if (values.containsKey("console")) {
            b.console(console());
        }
        sources.forEach(b::source);
        quirks.forEach(b::quirk);
        variables.forEach(b::variable);
        poolFree.forEach(b::poolFree);
        pciDevices.forEach(b::pciDevice);
        pciRootBridges.forEach(b::pciRootBridge);
        b.captured(captured());
        try {
            if (!gopModes.isEmpty() || !textModes.isEmpty() || values.containsKey("gop-current")
                    || values.containsKey("text-current")) {
                b.screens(new PlatformProfile.Screens(gopModes, values.containsKey("gop-current")
                        ? integer("gop-current", 0) : -1, textModes, values.containsKey("text-current")
                        ? integer("text-current", 0) : -1));
            }
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new ProfileFormatException(file, 0, e.getMessage());
        }
    }
}
