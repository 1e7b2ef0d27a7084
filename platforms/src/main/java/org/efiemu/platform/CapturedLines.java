package org.efiemu.platform;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.efiemu.uefi.handle.CapturedHandle;
import org.efiemu.uefi.handle.CapturedHandle.CapturedImage;
import org.efiemu.uefi.spec.Guid;

/**
 * The text of the {@code handle:} and {@code hob:} profile keys (docs/profiles.md, "Captured handles and HOB list"):
 * <pre>
 * handle: 005 protocols=GUID,GUID,... [null=GUID,...] [path=HEX] [image-path=HEX] [image-revision=0x.. image-parent=NNN|none
 *         image-device=NNN|none image-code=N image-data=N image-size=0x.. image-options=N image-file=HEX|none]
 * hob: HEX
 * </pre>
 * Errors name the file, the line and the field.
 */
public final class CapturedLines {
    private static final Pattern GUID = Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final Pattern INDEX = Pattern.compile("\\d{3,}");
    private static final List<String> IMAGE_KEYS = List.of("image-revision", "image-parent", "image-device", "image-code",
            "image-data", "image-size", "image-options", "image-file");
    private static final Set<String> KEYS = Set.of("protocols", "null", "path", "image-path", "image-revision", "image-parent",
            "image-device", "image-code", "image-data", "image-size", "image-options", "image-file");

    private CapturedLines() {}

    /** The value of a {@code handle:} line. */
    public static String handle(CapturedHandle h) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%03d protocols=", h.index()));
        sb.append(String.join(",", h.protocols().stream().map(g -> g.registryForm().toLowerCase(Locale.ROOT)).toList()));
        if (!h.nullInterfaces().isEmpty()) {
            sb.append(" null=").append(String.join(",", h.nullInterfaces().stream()
                    .map(g -> g.registryForm().toLowerCase(Locale.ROOT)).toList()));
        }
        if (h.devicePath() != null) {
            sb.append(" path=").append(HexFormat.of().formatHex(h.devicePath()));
        }
        if (h.imageDevicePath() != null) {
            sb.append(" image-path=").append(HexFormat.of().formatHex(h.imageDevicePath()));
        }
        CapturedImage i = h.image();
        if (i != null) {
            sb.append(String.format(Locale.ROOT, " image-revision=0x%X image-parent=%s image-device=%s image-code=%d "
                    + "image-data=%d image-size=0x%X image-options=%d image-file=%s", i.revision(), index(i.parent()),
                    index(i.device()), i.codeType(), i.dataType(), i.size(), i.optionsSize(),
                    i.filePath() == null ? "none" : HexFormat.of().formatHex(i.filePath())));
        }
        return sb.toString();
    }

    private static String index(int i) {
        return i < 0 ? "none" : String.format(Locale.ROOT, "%03d", i);
    }

    /** The value of a {@code hob:} line: the HOB's bytes as hex. */
    public static String hob(byte[] hob) {
        return HexFormat.of().formatHex(hob);
    }

    /**
     * Reads a {@code handle:} value.
     *
     * @throws ProfileFormatException naming {@code file:line} and the field that does not read
     */
    public static CapturedHandle parseHandle(String value, String file, int no) {
        String[] words = value.strip().split("\\s+");
        if (words.length < 2 || !INDEX.matcher(words[0]).matches()) {
            throw new ProfileFormatException(file, no, "handle '" + cut(value) + "': expected 'NNN protocols=GUID,... "
                    + "[path=HEX] [image-path=HEX] [image-revision=0x.. ...]' (NNN: the handle's index, 3 digits or more)");
        }
        Map<String, String> p = new LinkedHashMap<>();
        for (int i = 1; i < words.length; i++) {
            String w = words[i];
            int eq = w.indexOf('=');
            String k = eq > 0 ? w.substring(0, eq) : w;
            if (eq <= 0 || !KEYS.contains(k) || p.containsKey(k)) {
                throw new ProfileFormatException(file, no, "handle field '" + cut(w) + "': expected each of " + KEYS
                        + " at most once, as name=value");
            }
            p.put(k, w.substring(eq + 1));
        }
        if (!p.containsKey("protocols")) {
            throw new ProfileFormatException(file, no, "handle " + words[0] + ": no protocols=GUID,... field");
        }
        List<Guid> protocols = guids(p.get("protocols"), "protocols", words[0], file, no);
        List<Guid> nulls = p.containsKey("null") ? guids(p.get("null"), "null", words[0], file, no) : List.of();
        long given = IMAGE_KEYS.stream().filter(p::containsKey).count();
        if (given != 0 && given != IMAGE_KEYS.size()) {
            throw new ProfileFormatException(file, no, "handle " + words[0] + ": loaded-image fields " + IMAGE_KEYS
                    + " go together; missing " + IMAGE_KEYS.stream().filter(k -> !p.containsKey(k)).toList());
        }
        try {
            CapturedImage image = given == 0 ? null : new CapturedImage((int) hex(p, "image-revision", file, no),
                    handleIndex(p, "image-parent", file, no), handleIndex(p, "image-device", file, no),
                    (int) decimal(p, "image-code", file, no), (int) decimal(p, "image-data", file, no),
                    hex(p, "image-size", file, no), (int) decimal(p, "image-options", file, no),
                    p.get("image-file").equals("none") ? null : bytes(p, "image-file", file, no));
            return new CapturedHandle(Integer.parseInt(words[0]), protocols, nulls,
                    p.containsKey("path") ? bytes(p, "path", file, no) : null,
                    p.containsKey("image-path") ? bytes(p, "image-path", file, no) : null, image);
        } catch (IllegalArgumentException e) {
            throw new ProfileFormatException(file, no, "handle " + words[0] + ": " + e.getMessage());
        }
    }

    /**
     * The value of a {@code handle-locate:} line: a protocol GUID and the handles LocateHandle(ByProtocol) returns for
     * it, as handle indexes in the order returned.
     */
    public static String locate(Guid protocol, List<Integer> handles) {
        return protocol.registryForm().toLowerCase(Locale.ROOT) + " "
                + String.join(",", handles.stream().map(CapturedLines::index).toList());
    }

    /**
     * Reads a {@code handle-locate:} value ({@code GUID NNN,NNN,...}).
     *
     * @throws ProfileFormatException naming {@code file:line} and what does not read
     */
    public static Map.Entry<Guid, List<Integer>> parseLocate(String value, String file, int no) {
        String[] words = value.strip().split("\\s+");
        if (words.length != 2 || !GUID.matcher(words[0]).matches()) {
            throw new ProfileFormatException(file, no, "handle-locate '" + cut(value) + "': expected 'GUID NNN,NNN,...' "
                    + "(a protocol and the handle indexes LocateHandle(ByProtocol) returns, in its order)");
        }
        List<Integer> handles = new ArrayList<>();
        for (String i : words[1].split(",", -1)) {
            if (!INDEX.matcher(i).matches()) {
                throw new ProfileFormatException(file, no, "handle-locate " + words[0] + ": '" + cut(i) + "': expected a "
                        + "handle index of 3 digits or more");
            }
            if (handles.contains(Integer.parseInt(i))) {
                throw new ProfileFormatException(file, no, "handle-locate " + words[0] + ": handle " + i + " named twice");
            }
            handles.add(Integer.parseInt(i));
        }
        return Map.entry(Guid.parse(words[0]), List.copyOf(handles));
    }

    /**
     * The value of a {@code handle-open:} line: {@code HHH GUID AAA CCC|none 0xATTR COUNT}, one open entry of
     * OpenProtocolInformation (UEFI 2.10 §7.3.11): the handle, the protocol, AgentHandle, ControllerHandle (none for
     * NULL), Attributes and OpenCount.
     */
    public static String open(org.efiemu.uefi.handle.CapturedOpen o) {
        return String.format(Locale.ROOT, "%s %s %s %s 0x%x %d", index(o.handle()),
                o.protocol().registryForm().toLowerCase(Locale.ROOT), index(o.agent()),
                o.controller() < 0 ? "none" : index(o.controller()), o.attributes(), o.count());
    }

    private static final java.util.regex.Pattern OPEN = java.util.regex.Pattern.compile(
            "(\\d{3,})\\s+(\\S+)\\s+(\\d{3,})\\s+(\\d{3,}|none)\\s+0x([0-9a-fA-F]{1,8})\\s+(\\d{1,9})");

    /**
     * Reads a {@code handle-open:} value.
     *
     * @throws ProfileFormatException naming {@code file:line} and what does not read
     */
    public static org.efiemu.uefi.handle.CapturedOpen parseOpen(String value, String file, int no) {
        java.util.regex.Matcher m = OPEN.matcher(value.strip());
        if (!m.matches() || !GUID.matcher(m.group(2)).matches()) {
            throw new ProfileFormatException(file, no, "handle-open '" + cut(value) + "': expected 'HHH GUID AAA CCC|none "
                    + "0xATTRIBUTES COUNT' (handle, protocol, agent and controller handle indexes, attributes, open count)");
        }
        try {
            return new org.efiemu.uefi.handle.CapturedOpen(Integer.parseInt(m.group(1)), Guid.parse(m.group(2)),
                    Integer.parseInt(m.group(3)), m.group(4).equals("none") ? -1 : Integer.parseInt(m.group(4)),
                    Integer.parseUnsignedInt(m.group(5), 16), Integer.parseInt(m.group(6)));
        } catch (IllegalArgumentException e) {
            throw new ProfileFormatException(file, no, "handle-open " + m.group(1) + " " + m.group(2) + ": " + e.getMessage());
        }
    }

    /**
     * The value of an {@code image-unload:} line: {@code NNN STATUS NNN,NNN|none}: a driver image whose Unload is set,
     * the status UnloadImage (UEFI 2.10 §7.4.6) gave and the handles gone afterwards.
     */
    public static String unload(org.efiemu.uefi.handle.CapturedUnload u) {
        return index(u.image()) + " " + u.status().specName() + " "
                + (u.removed().isEmpty() ? "none" : String.join(",", u.removed().stream().map(CapturedLines::index).toList()));
    }

    /**
     * Reads an {@code image-unload:} value.
     *
     * @throws ProfileFormatException naming {@code file:line} and what does not read
     */
    public static org.efiemu.uefi.handle.CapturedUnload parseUnload(String value, String file, int no) {
        String[] w = value.strip().split("\\s+");
        if (w.length != 3 || !INDEX.matcher(w[0]).matches()) {
            throw new ProfileFormatException(file, no, "image-unload '" + cut(value) + "': expected 'NNN EFI_STATUS "
                    + "NNN,NNN|none' (the driver image's handle index, UnloadImage's status, the handles it removed)");
        }
        org.efiemu.uefi.spec.EfiStatus status = java.util.Arrays.stream(org.efiemu.uefi.spec.EfiStatus.values())
                .filter(s -> s.specName().equals(w[1])).findFirst().orElseThrow(() -> new ProfileFormatException(file, no,
                        "image-unload " + w[0] + ": status '" + cut(w[1]) + "': expected a UEFI status name (EFI_SUCCESS, "
                                + "EFI_UNSUPPORTED, ...)"));
        List<Integer> removed = new ArrayList<>();
        if (!w[2].equals("none")) {
            for (String i : w[2].split(",", -1)) {
                if (!INDEX.matcher(i).matches()) {
                    throw new ProfileFormatException(file, no, "image-unload " + w[0] + ": removed handle '" + cut(i)
                            + "': expected a handle index of 3 digits or more, or none");
                }
                removed.add(Integer.parseInt(i));
            }
        }
        try {
            return new org.efiemu.uefi.handle.CapturedUnload(Integer.parseInt(w[0]), status, removed);
        } catch (IllegalArgumentException e) {
            throw new ProfileFormatException(file, no, "image-unload " + w[0] + ": " + e.getMessage());
        }
    }

    /** Reads a {@code hob:} value: hex bytes whose HOB header length is their count. */
    public static byte[] parseHob(String value, String file, int no) {
        String v = value.strip();
        if (v.isEmpty() || v.length() % 2 != 0 || !v.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            throw new ProfileFormatException(file, no, "hob '" + cut(v) + "': expected the HOB's bytes as an even number "
                    + "of hex digits");
        }
        byte[] b = HexFormat.of().parseHex(v);
        int length = b.length >= 4 ? (b[2] & 0xFF) | (b[3] & 0xFF) << 8 : -1;
        if (b.length < 8 || length != b.length) {
            throw new ProfileFormatException(file, no, "hob '" + cut(v) + "': " + b.length + " bytes but HobLength "
                    + length + "; expected an EFI_HOB_GENERIC_HEADER (type, length, reserved) whose HobLength is the "
                    + "HOB's byte count (8 or more)");
        }
        return b;
    }

    private static List<Guid> guids(String list, String field, String handle, String file, int no) {
        List<Guid> out = new ArrayList<>();
        for (String g : list.split(",", -1)) {
            if (!GUID.matcher(g).matches()) {
                throw new ProfileFormatException(file, no, "handle " + handle + " field '" + field + "': '" + cut(g)
                        + "': expected a GUID like 09576e91-6d3f-11d2-8e39-00a0c969723b");
            }
            out.add(Guid.parse(g));
        }
        return out;
    }

    private static String cut(String s) {
        return s.length() > 60 ? s.substring(0, 60) + "..." : s;
    }

    private static byte[] bytes(Map<String, String> p, String key, String file, int no) {
        String v = p.get(key);
        if (v.isEmpty() || v.length() % 2 != 0 || !v.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            throw new ProfileFormatException(file, no, "handle field '" + key + "': '" + cut(v) + "': expected an even "
                    + "number of hex digits");
        }
        return HexFormat.of().parseHex(v);
    }

    private static long hex(Map<String, String> p, String key, String file, int no) {
        String v = p.get(key);
        if (!v.matches("0[xX][0-9a-fA-F]{1,16}")) {
            throw new ProfileFormatException(file, no, "handle field '" + key + "': '" + cut(v) + "': expected 0x and 1 "
                    + "to 16 hex digits");
        }
        return Long.parseUnsignedLong(v.substring(2), 16);
    }

    private static long decimal(Map<String, String> p, String key, String file, int no) {
        String v = p.get(key);
        if (!v.matches("\\d{1,9}")) {
            throw new ProfileFormatException(file, no, "handle field '" + key + "': '" + cut(v) + "': expected a decimal "
                    + "number");
        }
        return Long.parseLong(v);
    }

    private static int handleIndex(Map<String, String> p, String key, String file, int no) {
        String v = p.get(key);
        if (v.equals("none")) {
            return -1;
        }
        if (!INDEX.matcher(v).matches() || v.length() > 9) {
            throw new ProfileFormatException(file, no, "handle field '" + key + "': '" + cut(v) + "': expected a handle "
                    + "index (3 digits or more) or none");
        }
        return Integer.parseInt(v);
    }
}
