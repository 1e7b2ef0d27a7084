package org.efiemu.platform;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.efiemu.uefi.memory.MemoryMapText;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.efiemu.uefi.spec.MemoryType;

/** Text renderings of a memory map: a table in firmware order and one-line pictures by type. Returns text only. */
public final class MapPicture {

    /** One character per type; a blank is a hole. */
    private static final String TYPE_CHARS = "XLlBbRr.UANMPpSu";
    public static final String LEGEND = "legend: . Conventional  b BS_Data  B BS_Code  l LoaderData  L LoaderCode"
            + "  r RT_Data  R RT_Code  A ACPI_Recl  N ACPI_NVS  X Reserved  M MMIO  P MMIO_Port  U Unusable  p PalCode"
            + "  S Persistent  u Unaccepted  O OEM/OS  (blank) absent";

    private MapPicture() {}

    public static char typeChar(int type) {
        MemoryType t = MemoryType.ofValue(type);
        return t == null ? 'O' : TYPE_CHARS.charAt(t.value());
    }

    /** The map as a table: index, type, first and last address, pages, attribute ({@link MemoryMapText}). */
    public static String table(List<MemoryDescriptor> map) {
        return MemoryMapText.table(map);
    }

    /**
     * One line of {@code cells} characters covering [from, to): each cell shows the type that covers most of it,
     * a blank when nothing does.
     */
    public static String line(List<MemoryDescriptor> map, long from, long to, int cells) {
        if (cells < 1 || Long.compareUnsigned(to, from) <= 0) {
            throw new IllegalArgumentException(String.format("picture of 0x%X-0x%X in %d cells: expected from < to and"
                    + " at least one cell", from, to, cells));
        }
        double cell = (double) (to - from) / cells;
        StringBuilder sb = new StringBuilder(cells);
        Map<Integer, Long> cover = new HashMap<>();
        for (int c = 0; c < cells; c++) {
            long a = from + (long) (c * cell);
            long b = c == cells - 1 ? to : from + (long) ((c + 1) * cell);
            cover.clear();
            for (MemoryDescriptor d : map) {
                long lo = Math.max(a, d.physicalStart());
                long hi = Math.min(b, d.end());
                if (hi > lo) {
                    cover.merge(d.type(), hi - lo, Long::sum);
                }
            }
            sb.append(cover.entrySet().stream().max(Map.Entry.<Integer, Long>comparingByValue()
                    .thenComparing(Map.Entry.comparingByKey())).map(e -> typeChar(e.getKey())).orElse(' '));
        }
        return sb.toString();
    }

    /** Low 1 MiB (16 KiB a cell), below 4 GiB and the whole map, with a legend. */
    public static String pictures(List<MemoryDescriptor> map) {
        long top = map.stream().mapToLong(MemoryDescriptor::end).max().orElse(0x100000);
        StringBuilder sb = new StringBuilder();
        sb.append("low 1 MiB   0x0-0xFFFFF, 16 KiB a cell\n  |").append(line(map, 0, 0x100000, 64)).append("|\n");
        sb.append("below 4 GiB 0x0-0xFFFFFFFF, 64 MiB a cell\n  |").append(line(map, 0, 0x100000000L, 64)).append("|\n");
        sb.append(String.format(Locale.ROOT, "whole map   0x0-0x%X, %d MiB a cell%n  |", top - 1, Math.max(1, (top >> 20) / 64)))
                .append(line(map, 0, top, 64)).append("|\n");
        sb.append(LEGEND).append('\n');
        return sb.toString();
    }
}
