package org.efiemu.platform.importer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.efiemu.platform.ProfileFormatException;

/**
 * Reads GRUB's {@code lsmmap} output ({@code grub-core/commands/lsmmap.c}):
 * <pre>
 * base_addr = 0x0, length = 0x9f000, available RAM
 * base_addr = 0x9f000, length = 0x1000, reserved RAM
 * base_addr = 0x100000, length = 0x10000, type = 0x11
 * </pre>
 * GRUB's memory types are E820's (grub/memory.h): both the GRUB 2.00+ names ({@code available RAM},
 * {@code ACPI reclaimable RAM}, {@code RAM holding firmware code}, ...) and the GRUB 1.9x ones ({@code available},
 * {@code ACPI reclamaible}, {@code firmware code}, {@code hole}) are read; {@code type = 0xN} is E820 type N. On UEFI
 * GRUB folds boot-services, loader and conventional memory into {@code available} and reports runtime-services
 * code as {@code RAM holding firmware code} (type 20), as the E820 it hands to Linux.
 */
final class GrubLsmmap {

    private static final Pattern ROW_START = Pattern.compile("^\\s*base_addr\\s*=");
    private static final Pattern ROW = Pattern.compile(
            "^\\s*base_addr = 0x([0-9a-fA-F]+), length = 0x([0-9a-fA-F]+), (?:type = 0x([0-9a-fA-F]{1,8})|(.+?))\\s*$");
    private static final Map<String, String> NAMES = Map.ofEntries(Map.entry("available RAM", "usable"),
            Map.entry("available", "usable"), Map.entry("reserved RAM", "reserved"), Map.entry("reserved", "reserved"),
            Map.entry("ACPI reclaimable RAM", "ACPI data"), Map.entry("ACPI reclamaible", "ACPI data"),
            Map.entry("ACPI non-volatile storage RAM", "ACPI NVS"), Map.entry("NVS", "ACPI NVS"),
            Map.entry("faulty RAM (BadRAM)", "unusable"), Map.entry("BadRAM", "unusable"),
            Map.entry("persistent RAM", "type 7"), Map.entry("persistent RAM (legacy)", "type 12"),
            Map.entry("RAM holding coreboot tables", "type 16"), Map.entry("RAM holding firmware code", "type 20"),
            Map.entry("firmware code", "type 20"), Map.entry("hole", ""));
    /** E820 types GRUB prints by name, for {@code type = 0xN} of the same value. */
    private static final Map<Integer, String> NUMBERED = Map.of(1, "usable", 2, "reserved", 3, "ACPI data",
            4, "ACPI NVS", 5, "unusable");

    private GrubLsmmap() {}

    static boolean present(String[] lines) {
        for (String l : lines) {
            if (ROW.matcher(DumpLines.body(l)).matches()) {
                return true;
            }
        }
        return false;
    }

    static List<DumpEntry> read(String[] lines, String file, List<String> notes, List<String> kinds) {
        List<DumpEntry> out = new ArrayList<>();
        int firstLine = 0;
        boolean ended = false;
        for (int i = 0; i < lines.length; i++) {
            int no = i + 1;
            String body = DumpLines.body(lines[i]);
            if (!ROW_START.matcher(body).find()) {
                ended = firstLine > 0;
                continue;
            }
            if (ended) {
                notes.add("line " + no + ": a later lsmmap listing was ignored; the first one (line " + firstLine
                        + ") was read");
                break;
            }
            Matcher m = ROW.matcher(body);
            if (!m.matches()) {
                throw new ProfileFormatException(file, no, "'" + body.strip() + "': expected 'base_addr = 0xB, length ="
                        + " 0xL, NAME' or 'base_addr = 0xB, length = 0xL, type = 0xT' (GRUB lsmmap)");
            }
            firstLine = firstLine == 0 ? no : firstLine;
            long base = DumpLines.hex(m.group(1), "base_addr", file, no);
            long length = DumpLines.hex(m.group(2), "length", file, no);
            if (length == 0) {
                throw new ProfileFormatException(file, no, "length 0x0: expected a non-empty range");
            }
            if (Long.compareUnsigned(length, -base) > 0 && base != 0) {
                throw new ProfileFormatException(file, no, String.format("length 0x%X from base_addr 0x%X runs past the"
                        + " end of the 64-bit address space", length, base));
            }
            String kind;
            if (m.group(3) != null) {
                int t = (int) Long.parseLong(m.group(3), 16);
                kind = NUMBERED.getOrDefault(t, "type " + Integer.toUnsignedString(t));
            } else {
                kind = NAMES.get(m.group(4));
                if (kind == null) {
                    throw new ProfileFormatException(file, no, "memory type '" + m.group(4) + "': expected one of "
                            + NAMES.keySet() + " or 'type = 0xN'");
                }
                if (kind.isEmpty()) {
                    notes.add("line " + no + ": a 'hole' (no memory) was skipped");
                    continue;
                }
            }
            E820Map.add(out, kinds, kind, base, base + length, file, no, notes);
        }
        notes.add("read " + out.size() + " entries from GRUB 'lsmmap' output (line " + firstLine + "); no UEFI"
                + " descriptors in the dump, so types are inferred from E820 kinds");
        return out;
    }
}
