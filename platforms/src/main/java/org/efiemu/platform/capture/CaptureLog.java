package org.efiemu.platform.capture;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.efiemu.platform.ProfileFormatException;
import org.efiemu.platform.ProfileValues;
import org.efiemu.uefi.spec.MemoryDescriptor;

/**
 * A capture file read line by line: what the capture application ({@code platforms/src/main/c/ovmf-probe}) printed on
 * COM1 or wrote to its volume, optionally preceded by the {@code #} header {@link QemuCapture} writes. Every line the
 * profile needs is checked here; a malformed, missing or out-of-place line is a {@link ProfileFormatException}
 * naming the file, the line and the field that was expected. Lines of other programs (the firmware's boot manager
 * on the same serial port) are ignored.
 *
 * <p>The format version is the number on the probe's first line, {@code probe: begin ovmf-probe N}; this class reads
 * {@link #VERSION} only: a capture by another version of the application is refused, never half-read.
 */
public final class CaptureLog {

    /** The capture format this efiemu reads and its probe writes. */
    public static final int VERSION = 2;

    private static final Pattern BEGIN = Pattern.compile("^probe: begin ovmf-probe (\\S+)$");
    private static final Pattern FIRMWARE = Pattern.compile(
            "^probe: FirmwareVendor=\"([^\"]*)\" FirmwareRevision=0x([0-9a-f]+) SystemTableRevision=0x([0-9a-f]+)$");
    private static final Pattern ENTRY = Pattern.compile("^probe: entry GetMemoryMap = (\\w+), MemoryMapSize=(\\d+) "
            + "DescriptorSize=(\\d+) DescriptorVersion=(\\d+) MapKey=0x[0-9a-f]+$");
    private static final Pattern MAP_BEGIN = Pattern.compile("^map: entry entries=(\\d+)$");
    private static final Pattern MAP_LINE = Pattern.compile("^efi: mem(\\d+): type=(\\d+), attr=0x([0-9a-f]+), "
            + "range=\\[0x([0-9a-f]{16})-0x([0-9a-f]{16})\\) \\((\\d+)MB\\)$");
    private static final Pattern BIN_FREE = Pattern.compile("^bin: type=(\\d+) free 0x([0-9a-f]+) \\+0x([0-9a-f]+) pages$");
    private static final Pattern BIN_END = Pattern.compile("^bin: type=(\\d+) runs=(\\d+)$");
    private static final Pattern IMAGE = Pattern.compile("^probe: LoadedImage ImageBase=0x([0-9a-f]+) ImageSize=0x([0-9a-f]+) .*$");
    private static final Pattern STEP = Pattern.compile("^probe: (\\d{2,}) (.*)$");
    private static final Pattern MAT = Pattern.compile("^mat: table=0x([0-9a-f]+) version=(\\d+) entries=(\\d+) "
            + "descriptor-size=(\\d+) ro=(\\d+) xp=(\\d+)$");
    private static final Pattern QVI = Pattern.compile("^qvi: attr=0x([0-9a-f]+) = (\\w+)(?: max-storage=0x([0-9a-f]+) "
            + "remaining=0x([0-9a-f]+) max-variable=0x([0-9a-f]+))?$");
    private static final Pattern STEPS_END = Pattern.compile("^probe: steps=(\\d+)$");
    private static final Pattern IDENTITY_FIELD = Pattern.compile("([a-z0-9-]+)=(\"([^\"]*)\"|(\\S+))");

    /** One entry-map descriptor and the line it came from. */
    public record MapLine(MemoryDescriptor descriptor, int line) {}

    /** One free run inside a memory-type bin ({@code bin: type=N free 0xBASE +0xPAGES pages}). */
    public record FreeRun(long base, long pages, int line) {}

    /** One step line ({@code probe: NN text}). */
    public record Step(int number, String text, int line) {}

    /** A variable present at entry ({@code var: ...}). */
    public record VariableLine(String name, String guid, long attributes, String dataHex, int line) {}

    /** A graphics mode ({@code gop: mode=N WxH ...}). */
    public record GopMode(int mode, int width, int height, String pixelFormat, int line) {}

    /** A text mode ({@code text: mode=N CxR}). */
    public record TextMode(int mode, int columns, int rows, int line) {}

    /**
     * The probe's {@code mat:} line: the EFI_MEMORY_ATTRIBUTES_TABLE at entry (UEFI 2.10 §4.6.4).
     *
     * @param table the VendorTable pointer (EDK2: an EfiBootServicesData pool buffer)
     * @param entries NumberOfEntries
     * @param descriptorSize DescriptorSize
     * @param readOnly entries with EFI_MEMORY_RO (EDK2: one per code section of a runtime image)
     * @param noExecute entries with EFI_MEMORY_XP
     * @param line the line number
     */
    public record AttributesTable(long table, int entries, int descriptorSize, int readOnly, int noExecute, int line) {}

    private final String file;
    /** A {@code # } header line: its text without {@code "# "}, its number, where that text starts in the line. */
    private record HeaderLine(String text, int line, int offset) {}

    private final List<HeaderLine> header = new ArrayList<>();
    private int version;
    private String firmwareVendor;
    private long firmwareRevision;
    private int systemTableRevision;
    private int descriptorSize;
    private int descriptorVersion;
    private final List<MapLine> entryMap = new ArrayList<>();
    private final Map<Integer, List<FreeRun>> binRuns = new TreeMap<>();
    private final Map<Integer, Integer> binsComplete = new TreeMap<>();
    private long imageBase = -1;
    private long imageSize;
    private final Map<String, String> identity = new LinkedHashMap<>();
    private final Map<Integer, Step> steps = new TreeMap<>();
    private final List<VariableLine> variables = new ArrayList<>();
    private Integer variablesCount;
    private final List<GopMode> gopModes = new ArrayList<>();
    private String gop;
    private final List<TextMode> textModes = new ArrayList<>();
    private String text;
    private final List<String> outputs = new ArrayList<>();
    private boolean ended;
    private AttributesTable attributesTable;
    private final Map<Long, long[]> variableInfo = new TreeMap<>();

    private CaptureLog(String file) {
        this.file = file;
    }

    /** True when {@code text} holds a capture (of any version): a {@code probe: begin ovmf-probe N} line. */
    public static boolean present(String[] lines) {
        for (String l : lines) {
            if (BEGIN.matcher(l.strip()).matches()) {
                return true;
            }
        }
        return false;
    }

    /**
     * Reads a capture.
     *
     * @param text the capture file's contents
     * @param file the name errors and the profile's {@code source:} line use
     */
    public static CaptureLog parse(String text, String file) {
        CaptureLog c = new CaptureLog(file);
        c.read(text.split("\r?\n", -1));
        return c;
    }

    private ProfileFormatException error(int line, String what) {
        return new ProfileFormatException(file, line, what);
    }

    private void read(String[] lines) {
        int begin = 0;
        int mapExpected = -1;
        int mapLine = 0;
        boolean inMap = false;
        for (int i = 0; i < lines.length; i++) {
            int no = i + 1;
            String l = lines[i].strip();
            if (begin == 0) {
                if (l.startsWith("# ")) {
                    header.add(new HeaderLine(l.substring(2), no, lines[i].indexOf(l) + 2));
                }
                Matcher m = BEGIN.matcher(l);
                if (m.matches()) {
                    begin = no;
                    if (!m.group(1).equals(Integer.toString(VERSION))) {
                        throw error(no, "field 'version': capture format version " + m.group(1) + "; this efiemu reads "
                                + "version " + VERSION + " only (the file was written by another version of the capture "
                                + "application: capture again with this efiemu's 'efiemu profile capture')");
                    }
                    version = VERSION;
                }
                continue;
            }
            if (ended) {
                continue;
            }
            Matcher m;
            if (l.isEmpty()) {
                continue;
            }
            if (inMap) {
                if (l.equals("map: end entry")) {
                    inMap = false;
                    if (entryMap.size() != mapExpected) {
                        throw error(no, "field 'entries': 'map: entry entries=" + mapExpected + "' on line " + mapLine
                                + " but " + entryMap.size() + " 'efi: memNN:' lines before 'map: end entry' (corrupt capture)");
                    }
                    continue;
                }
                m = MAP_LINE.matcher(l);
                if (!m.matches()) {
                    throw error(no, "field 'efi: memNN': '" + l + "': expected 'efi: memNN: type=T, attr=0xA, "
                            + "range=[0x<16 digits>-0x<16 digits>) (NMB)' or 'map: end entry' (truncated or corrupt capture)");
                }
                entryMap.add(new MapLine(descriptor(m, no), no));
                continue;
            }
            if (l.equals("probe: end")) {
                ended = true;
            } else if ((m = FIRMWARE.matcher(l)).matches()) {
                firmwareVendor = profileText(no, lines[i].indexOf(l) + m.start(1), m.group(1), "field 'FirmwareVendor'");
                firmwareRevision = Long.parseLong(m.group(2), 16);
                systemTableRevision = (int) Long.parseLong(m.group(3), 16);
            } else if ((m = ENTRY.matcher(l)).matches()) {
                if (!m.group(1).equals("EFI_SUCCESS")) {
                    throw error(no, "field 'entry GetMemoryMap': " + m.group(1) + "; the capture has no entry map");
                }
                descriptorSize = Integer.parseInt(m.group(3));
                descriptorVersion = Integer.parseInt(m.group(4));
            } else if ((m = MAP_BEGIN.matcher(l)).matches()) {
                mapExpected = Integer.parseInt(m.group(1));
                mapLine = no;
                inMap = true;
            } else if ((m = BIN_FREE.matcher(l)).matches()) {
                binRuns.computeIfAbsent(Integer.parseInt(m.group(1)), k -> new ArrayList<>())
                        .add(new FreeRun(hex(m.group(2), "bin base", no), hex(m.group(3), "bin pages", no), no));
            } else if ((m = BIN_END.matcher(l)).matches()) {
                binsComplete.put(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
            } else if (l.startsWith("bin: ")) {
                throw error(no, "field 'bin': '" + l + "': the probe could not finish its scan of the memory-type bins; "
                        + "expected 'bin: type=N free 0xBASE +0xPAGES pages' or 'bin: type=N runs=K'");
            } else if ((m = IMAGE.matcher(l)).matches()) {
                imageBase = hex(m.group(1), "ImageBase", no);
                imageSize = hex(m.group(2), "ImageSize", no);
            } else if (l.startsWith("identity: ")) {
                Matcher f = IDENTITY_FIELD.matcher(l.substring("identity: ".length()));
                while (f.find()) {
                    int at = lines[i].indexOf(l) + "identity: ".length() + (f.group(3) != null ? f.start(3) : f.start(4));
                    identity.put(f.group(1), profileText(no, at, f.group(3) != null ? f.group(3) : f.group(4),
                            "field '" + f.group(1) + "'"));
                }
            } else if ((m = STEPS_END.matcher(l)).matches()) {
                int n = Integer.parseInt(m.group(1));
                if (steps.size() != n) {
                    throw error(no, "field 'steps': 'probe: steps=" + n + "' but " + steps.size() + " step lines before it "
                            + "(corrupt capture)");
                }
            } else if ((m = STEP.matcher(l)).matches()) {
                int n = Integer.parseInt(m.group(1));
                Step previous = steps.putIfAbsent(n, new Step(n, m.group(2), no));
                if (previous != null) {
                    throw error(no, "field 'step': step " + n + " appears twice (first on line " + previous.line() + ")");
                }
            } else if (l.startsWith("var: ")) {
                variables.add(CaptureExtras.variable(this, l, no));
            } else if (l.startsWith("vars: ")) {
                variablesCount = CaptureExtras.count(this, l, "vars: count=", no);
            } else if (l.startsWith("gop: mode=")) {
                gopModes.add(CaptureExtras.gopMode(this, l, no));
            } else if (l.startsWith("gop: ")) {
                gop = l.substring(5);
            } else if (l.startsWith("text: mode=")) {
                textModes.add(CaptureExtras.textMode(this, l, no));
            } else if (l.startsWith("text: ")) {
                text = l.substring(6);
            } else if ((m = MAT.matcher(l)).matches()) {
                attributesTable = new AttributesTable(hex(m.group(1), "mat table", no), Integer.parseInt(m.group(3)),
                        Integer.parseInt(m.group(4)), Integer.parseInt(m.group(5)), Integer.parseInt(m.group(6)), no);
            } else if ((m = QVI.matcher(l)).matches()) {
                if (m.group(3) != null) {
                    variableInfo.put(hex(m.group(1), "qvi attr", no), new long[] {hex(m.group(3), "qvi max-storage", no),
                        hex(m.group(4), "qvi remaining", no), hex(m.group(5), "qvi max-variable", no)});
                }
            } else if (l.startsWith("qvi: ")) {
                throw error(no, "field 'qvi': '" + l + "': expected 'qvi: attr=0xA = STATUS[ max-storage=0x.. remaining=0x.. "
                        + "max-variable=0x..]'");
            } else if (l.startsWith("mat: ") && !l.equals("mat: none")) {
                throw error(no, "field 'mat': '" + l + "': expected 'mat: none' or 'mat: table=0xADDR version=N entries=N "
                        + "descriptor-size=N ro=N xp=N'");
            } else if (l.startsWith("output: ")) {
                outputs.add(l.substring(8));
            }
        }
        if (begin == 0) {
            throw error(0, "no 'probe: begin ovmf-probe " + VERSION + "' line: not a capture of efiemu's capture application");
        }
        if (inMap) {
            throw error(lines.length, "field 'map: end entry': the entry map that starts on line " + mapLine
                    + " has no end (truncated capture)");
        }
        if (!ended) {
            throw error(lines.length, "field 'probe: end': no 'probe: end' line; the capture stops after line " + lastLine(lines)
                    + " (truncated: the probe did not finish, or the file was cut)");
        }
        require(firmwareVendor != null, "probe: FirmwareVendor=...");
        require(descriptorSize != 0, "probe: entry GetMemoryMap = EFI_SUCCESS, ...");
        require(!entryMap.isEmpty(), "map: entry entries=N");
        require(imageBase >= 0, "probe: LoadedImage ImageBase=...");
        require(!steps.isEmpty(), "probe: NN <step>");
    }

    private static int lastLine(String[] lines) {
        int n = lines.length;
        while (n > 0 && lines[n - 1].isBlank()) {
            n--;
        }
        return n;
    }

    private void require(boolean present, String line) {
        if (!present) {
            throw error(0, "field '" + line.replaceFirst("[ =].*", "") + "': no '" + line + "' line (corrupt capture)");
        }
    }

    private MemoryDescriptor descriptor(Matcher m, int no) {
        int index = Integer.parseInt(m.group(1));
        if (index != entryMap.size()) {
            throw error(no, "field 'efi: memNN': mem" + m.group(1) + " where mem" + String.format("%02d", entryMap.size())
                    + " was expected (a line is missing: truncated or spliced capture)");
        }
        long type = Long.parseLong(m.group(2));
        long attr = hex(m.group(3), "attr", no);
        long start = hex(m.group(4), "range start", no);
        long end = hex(m.group(5), "range end", no);
        if (type > 0xFFFF_FFFFL) {
            throw error(no, "field 'type': " + type + " is not a 32-bit EFI_MEMORY_TYPE");
        }
        if ((start & 0xFFF) != 0 || (end & 0xFFF) != 0 || Long.compareUnsigned(end, start) <= 0) {
            throw error(no, String.format("field 'range': [0x%X-0x%X) is not a non-empty 4 KiB aligned range", start, end));
        }
        long mb = (end - start) >>> 20;
        if (mb != Long.parseLong(m.group(6))) {
            throw error(no, "field '(NMB)': " + m.group(6) + "MB but the range holds " + mb + "MB (corrupt line)");
        }
        return new MemoryDescriptor((int) type, start, (end - start) >>> 12, attr);
    }

    long hex(String digits, String field, int no) {
        if (digits.isEmpty() || digits.length() > 16) {
            throw error(no, "field '" + field + "': '" + digits + "': expected 1 to 16 hex digits");
        }
        try {
            return Long.parseUnsignedLong(digits, 16);
        } catch (NumberFormatException e) {
            throw error(no, "field '" + field + "': '" + digits + "': expected 1 to 16 hex digits");
        }
    }

    ProfileFormatException errorAt(int line, String what) {
        return error(line, what);
    }

    public String file() { return file; }
    public int version() { return version; }
    /** The {@code # } header lines (without {@code "# "}), empty for a capture written by the probe to its volume. */
    public List<String> header() { return header.stream().map(HeaderLine::text).toList(); }

    /**
     * The value of the first {@code # KEY: value} header line. The importer copies it into the profile's one-line
     * {@code source:} or {@code description:} text, so a value the profile cannot hold is refused (see
     * {@link ProfileValues#require}).
     */
    public Optional<String> headerValue(String key) {
        for (HeaderLine h : header) {
            if (h.text().startsWith(key + ": ")) {
                String value = h.text().substring(key.length() + 2);
                return Optional.of(profileText(h.line(), h.offset() + key.length() + ": ".length(), value,
                        "header '" + key + "'"));
            }
        }
        return Optional.empty();
    }

    /** {@code value} as {@link ProfileValues#require} checks it ({@code offset}: where it starts in its line). */
    private String profileText(int line, int offset, String value, String what) {
        return ProfileValues.require(file, line, offset, value, what);
    }
    public String firmwareVendor() { return firmwareVendor; }
    public long firmwareRevision() { return firmwareRevision; }
    public int systemTableRevision() { return systemTableRevision; }
    public int descriptorSize() { return descriptorSize; }
    public int descriptorVersion() { return descriptorVersion; }
    public List<MapLine> entryMap() { return List.copyOf(entryMap); }
    /** Free runs per bin type, as printed (highest first). */
    public Map<Integer, List<FreeRun>> binRuns() { return binRuns; }
    /** {@code runs=K} per bin type whose scan completed. */
    public Map<Integer, Integer> binsComplete() { return binsComplete; }
    public long imageBase() { return imageBase; }
    public long imageSize() { return imageSize; }
    public Map<String, String> identity() { return identity; }
    public Map<Integer, Step> steps() { return steps; }

    /**
     * Successful QueryVariableInfo answers by attribute set: {max-storage, remaining, max-variable}; empty for a
     * capture without {@code qvi:} lines.
     */
    public Map<Long, long[]> variableInfo() { return variableInfo; }

    /** The EFI_MEMORY_ATTRIBUTES_TABLE at entry; empty for a capture without a {@code mat:} line or with {@code mat: none}. */
    public Optional<AttributesTable> attributesTable() { return Optional.ofNullable(attributesTable); }
    public List<VariableLine> variables() { return List.copyOf(variables); }
    /** The {@code vars: count=N} line's N, if the probe enumerated variables. */
    public Optional<Integer> variablesCount() { return Optional.ofNullable(variablesCount); }
    public List<GopMode> gopModes() { return List.copyOf(gopModes); }
    /** The {@code gop: ...} summary line (current mode or why there is none). */
    public Optional<String> gop() { return Optional.ofNullable(gop); }
    public List<TextMode> textModes() { return List.copyOf(textModes); }
    public Optional<String> text() { return Optional.ofNullable(text); }
    /** {@code output: ...} lines: where the probe wrote its report. */
    public List<String> outputs() { return List.copyOf(outputs); }
}
