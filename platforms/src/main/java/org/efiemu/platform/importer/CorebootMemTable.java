package org.efiemu.platform.importer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.efiemu.platform.ProfileFormatException;

/**
 * Reads the memory table coreboot prints on its console when it writes the coreboot tables
 * ({@code src/lib/bootmem.c}, {@code bootmem_dump_ranges}):
 * <pre>
 *  0. 0000000000000000-0000000000000fff: CONFIGURATION TABLES
 *  1. 0000000000001000-000000000009ffff: RAM
 * </pre>
 * End inclusive. Tags become E820 kinds as coreboot's own table does ({@code bootmem_to_lb_tag}): RAM usable, ACPI
 * ACPI data, NVS ACPI NVS, UNUSABLE unusable, RESERVED/VENDOR RESERVED/BL31 reserved, CONFIGURATION TABLES
 * ({@code LB_MEM_TABLE}, E820 type 16) reserved RAM, SOFT RESERVED soft reserved; RAMSTAGE and PAYLOAD (coreboot's
 * own code and the payload, RAM in the table the OS gets) usable. The first table of the log is read.
 */
final class CorebootMemTable {

    private static final Pattern ROW_START = Pattern.compile("^\\s*\\d+\\. [0-9a-fA-F]");
    private static final Pattern ROW = Pattern.compile("^\\s*(\\d+)\\. ([0-9a-fA-F]{16})-([0-9a-fA-F]{16}): (.+?)\\s*$");
    private static final Map<String, String> KINDS = Map.ofEntries(Map.entry("RAM", "usable"),
            Map.entry("RESERVED", "reserved"), Map.entry("ACPI", "ACPI data"), Map.entry("NVS", "ACPI NVS"),
            Map.entry("UNUSABLE", "unusable"), Map.entry("VENDOR RESERVED", "reserved"), Map.entry("BL31", "reserved"),
            Map.entry("CONFIGURATION TABLES", "type 16"), Map.entry("SOFT RESERVED", "soft reserved"),
            Map.entry("RAMSTAGE", "usable"), Map.entry("PAYLOAD", "usable"), Map.entry("UNKNOWN!", "reserved"));

    private CorebootMemTable() {}

    /** True when a row {@code 0. <16 hex>-<16 hex>: TAG} with a coreboot tag is in the dump. */
    static boolean present(String[] lines) {
        for (String l : lines) {
            Matcher m = ROW.matcher(DumpLines.body(l));
            if (m.matches() && m.group(1).equals("0") && KINDS.containsKey(m.group(4))) {
                return true;
            }
        }
        return false;
    }

    static List<DumpEntry> read(String[] lines, String file, List<String> notes, List<String> kinds) {
        List<DumpEntry> out = new ArrayList<>();
        int i = 0;
        for (; i < lines.length; i++) {
            Matcher m = ROW.matcher(DumpLines.body(lines[i]));
            if (m.matches() && m.group(1).equals("0") && KINDS.containsKey(m.group(4))) {
                break;
            }
        }
        int first = i + 1;
        int rows = 0;
        for (; i < lines.length; i++) {
            int no = i + 1;
            String body = DumpLines.body(lines[i]);
            Matcher m = ROW.matcher(body);
            if (!m.matches()) {
                if (ROW_START.matcher(body).find()) {
                    throw new ProfileFormatException(file, no, "'" + body.strip() + "': expected ' N. SSSSSSSSSSSSSSSS-"
                            + "LLLLLLLLLLLLLLLL: TAG' (coreboot memory table, 16 hex digits, end inclusive)");
                }
                break;
            }
            if (DumpLines.decimal(m.group(1), "entry number", file, no) != rows) {
                if (m.group(1).equals("0")) {
                    notes.add("line " + no + ": a later coreboot memory table was ignored; the first one (line " + first
                            + ") was read");
                    break;
                }
                throw new ProfileFormatException(file, no, "entry " + m.group(1) + ": expected entry " + rows
                        + " (a line is missing or repeated)");
            }
            String tag = m.group(4);
            String kind = KINDS.get(tag);
            if (kind == null) {
                throw new ProfileFormatException(file, no, "tag '" + tag + "': expected one of " + KINDS.keySet());
            }
            long start = DumpLines.hex(m.group(2), "start", file, no);
            long last = DumpLines.hex(m.group(3), "end", file, no);
            if (last == -1L) {
                throw new ProfileFormatException(file, no, "end 0xFFFFFFFFFFFFFFFF: expected a range below 2^64 - 1");
            }
            if (tag.equals("UNKNOWN!")) {
                notes.add("line " + no + ": coreboot tag UNKNOWN! (a tag coreboot has no name for) -> reserved");
            }
            if (tag.equals("RAMSTAGE") || tag.equals("PAYLOAD")) {
                notes.add("line " + no + ": coreboot " + tag + " range -> usable: coreboot's own " + tag.toLowerCase()
                        + " memory, RAM in the table the OS gets");
            }
            E820Map.add(out, kinds, kind, start, last + 1, file, no, notes);
            rows++;
        }
        notes.add("read " + out.size() + " entries from coreboot's memory table (line " + first + "); no UEFI"
                + " descriptors in the dump, so types are inferred from E820 kinds");
        return out;
    }
}
