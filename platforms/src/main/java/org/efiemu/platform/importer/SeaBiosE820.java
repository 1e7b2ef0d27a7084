package org.efiemu.platform.importer;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.efiemu.platform.ProfileFormatException;

/**
 * Reads the E820 map SeaBIOS prints on its debug console before booting ({@code src/e820map.c}, {@code dump_map}):
 * <pre>
 * e820 map has 7 items:
 *   0: 0000000000000000 - 000000000009fc00 = 1 RAM
 *   1: 000000000009fc00 - 00000000000a0000 = 2 RESERVED
 * </pre>
 * End exclusive; the number is the E820 type (1 RAM, 2 RESERVED, 3 ACPI, 4 NVS, 5 UNUSABLE, anything else UNKNOWN),
 * the name must agree with it. The header's item count must equal the rows that follow (a shorter list is a truncated
 * log). When the log holds several maps (one per boot) the first is read and the others are noted.
 */
final class SeaBiosE820 {

    private static final Pattern HEADER = Pattern.compile("^e820 map has (\\d+) items:\\s*$");
    private static final Pattern ROW_START = Pattern.compile("^\\s*\\d+:\\s");
    private static final Pattern ROW = Pattern.compile(
            "^\\s*(\\d+): ([0-9a-fA-F]{1,16}) - ([0-9a-fA-F]{1,16}) = (\\d{1,10}) (RAM|RESERVED|ACPI|NVS|UNUSABLE|UNKNOWN)\\s*$");
    private static final List<String> NAMES = List.of("UNKNOWN", "RAM", "RESERVED", "ACPI", "NVS", "UNUSABLE");
    private static final List<String> KINDS = List.of("", "usable", "reserved", "ACPI data", "ACPI NVS", "unusable");

    private SeaBiosE820() {}

    static boolean present(String[] lines) {
        return DumpLines.headerIndex(lines, HEADER) >= 0;
    }

    static List<DumpEntry> read(String[] lines, String file, List<String> notes, List<String> kinds) {
        List<DumpEntry> out = new ArrayList<>();
        int i = DumpLines.headerIndex(lines, HEADER);
        Matcher h = HEADER.matcher(DumpLines.body(lines[i]));
        h.matches();
        int headerLine = i + 1;
        long items = DumpLines.decimal(h.group(1), "item count", file, i + 1);
        int rows = 0;
        for (i++; i < lines.length && rows < items; i++) {
            int no = i + 1;
            String body = DumpLines.body(lines[i]);
            Matcher m = ROW.matcher(body);
            if (!m.matches()) {
                throw new ProfileFormatException(file, no, (ROW_START.matcher(body).find() ? "'" + body.strip() + "'"
                        : "line after " + rows + " of the " + items + " items announced on line " + headerLine)
                        + ": expected '  N: SSSSSSSSSSSSSSSS - EEEEEEEEEEEEEEEE = T NAME' (SeaBIOS e820 dump, end exclusive)");
            }
            if (DumpLines.decimal(m.group(1), "item number", file, no) != rows) {
                throw new ProfileFormatException(file, no, "item " + m.group(1) + ": expected item " + rows
                        + " (a line is missing or repeated)");
            }
            long type = DumpLines.decimal(m.group(4), "type", file, no);
            String name = type >= 1 && type <= 5 ? NAMES.get((int) type) : "UNKNOWN";
            if (!name.equals(m.group(5))) {
                throw new ProfileFormatException(file, no, "type " + type + " " + m.group(5) + ": SeaBIOS names type "
                        + type + " " + name + "; the line is corrupted");
            }
            long first = DumpLines.hex(m.group(2), "start", file, no);
            long end = DumpLines.hex(m.group(3), "end", file, no);
            String kind = type >= 1 && type <= 5 ? KINDS.get((int) type) : "type " + type;
            E820Map.add(out, kinds, kind, first, end, file, no, notes);
            rows++;
        }
        if (rows < items) {
            throw new ProfileFormatException(file, lines.length, "the e820 map announced on line " + headerLine + " has "
                    + items + " items but the file ends after " + rows + ": expected the rest of the map (truncated log?)");
        }
        for (; i < lines.length; i++) {
            if (HEADER.matcher(DumpLines.body(lines[i])).matches()) {
                notes.add("line " + (i + 1) + ": a later SeaBIOS e820 map (another boot) was ignored; the first one"
                        + " (line " + headerLine + ") was read");
                break;
            }
        }
        notes.add("read " + out.size() + " E820 entries from SeaBIOS's debug console ('e820 map has " + items
                + " items:', line " + headerLine + "); no UEFI descriptors in the dump, so types are inferred from"
                + " E820 kinds");
        return out;
    }
}
