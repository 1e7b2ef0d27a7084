package org.efiemu.uefi.memory;

import java.util.List;
import java.util.Locale;
import org.efiemu.uefi.spec.MemoryDescriptor;

/**
 * The one text form of a memory map, used by {@code efiemu run}, {@code efiemu profile show}, the debugger's
 * {@code map} and the report: a header, then one row per descriptor in the map's order (index, type name,
 * {@code PhysicalStart} and last byte as 16 hex digits, {@code NumberOfPages} in hex, {@code Attribute} in hex;
 * UEFI 2.10 §7.2, EFI_MEMORY_DESCRIPTOR).
 */
public final class MemoryMapText {
    /** The column header of {@link #table(List)}. */
    public static final String HEADER = String.format(Locale.ROOT, "%5s  %-26s %-18s %-18s %12s  %s", "#", "Type",
            "First", "Last", "Pages", "Attribute");

    private MemoryMapText() {
    }

    /** One descriptor as a table row, {@code index} first. */
    public static String row(int index, MemoryDescriptor d) {
        return String.format(Locale.ROOT, "%5d  %s", index, line(d));
    }

    /** One descriptor in the table's columns without the index (for lists of changed descriptors). */
    public static String line(MemoryDescriptor d) {
        return String.format(Locale.ROOT, "%-26s 0x%016X 0x%016X %12X  0x%X", d.typeName(), d.physicalStart(), d.last(),
                d.numberOfPages(), d.attribute());
    }

    /** The header and a row per descriptor, each line ending in a newline. */
    public static String table(List<MemoryDescriptor> map) {
        StringBuilder sb = new StringBuilder((map.size() + 1) * 96);
        sb.append(HEADER).append('\n');
        for (int i = 0; i < map.size(); i++) {
            sb.append(row(i, map.get(i))).append('\n');
        }
        return sb.toString();
    }
}
