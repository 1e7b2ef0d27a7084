package org.efiemu.platform.importer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.efiemu.platform.ProfileFormatException;
import org.efiemu.uefi.spec.MemoryAttribute;
import org.efiemu.uefi.spec.MemoryType;

/**
 * Reads FreeBSD's EFI map table, as {@code sysctl machdep.efi_map} and the kernel print it
 * ({@code efi_map_print_entries}) and as the loader's {@code memmap} command prints it
 * ({@code stand/efi/loader/main.c}):
 * <pre>
 *                    Type     Physical      Virtual   #Pages Attr
 *        BootServicesCode 000000000000 000000000000 00000001 UC WC WT WB
 *      ConventionalMemory 000000001000 000000000000 0000009f UC WC WT WB
 *     RuntimeServicesData 00007f000000 00007f000000 00001000 UC WC WT WB RUNTIME
 * </pre>
 * {@code #Pages} is the page count; the Virtual column is ignored. The loader's form has no RUNTIME flag (and writes
 * MR for MORE_RELIABLE): when no row of a table carries RUNTIME, RuntimeServicesCode/Data get it, as UEFI 2.10 §7.2
 * requires, and the import says so.
 */
final class FreeBsdEfiMap {

    private static final Pattern HEADER = Pattern.compile("^\\s*Type\\s+Physical\\s+Virtual\\s+#Pages\\s+Attr\\s*$");
    private static final Pattern ROW = Pattern.compile(
            "^\\s*([A-Za-z]+|<INVALID>)\\s+([0-9a-fA-F]{12,16})\\s+([0-9a-fA-F]{12,16})\\s+([0-9a-fA-F]{8,16})((?:\\s+[A-Z_]+)*)\\s*$");
    private static final List<String> NAMES = List.of("Reserved", "LoaderCode", "LoaderData", "BootServicesCode",
            "BootServicesData", "RuntimeServicesCode", "RuntimeServicesData", "ConventionalMemory", "UnusableMemory",
            "ACPIReclaimMemory", "ACPIMemoryNVS", "MemoryMappedIO", "MemoryMappedIOPortSpace", "PalCode",
            "PersistentMemory");
    private static final Map<String, Long> FLAGS = Map.ofEntries(Map.entry("UC", MemoryAttribute.UC),
            Map.entry("WC", MemoryAttribute.WC), Map.entry("WT", MemoryAttribute.WT), Map.entry("WB", MemoryAttribute.WB),
            Map.entry("UCE", MemoryAttribute.UCE), Map.entry("WP", MemoryAttribute.WP), Map.entry("RP", MemoryAttribute.RP),
            Map.entry("XP", MemoryAttribute.XP), Map.entry("NV", MemoryAttribute.NV),
            Map.entry("MORE_RELIABLE", MemoryAttribute.MORE_RELIABLE), Map.entry("MR", MemoryAttribute.MORE_RELIABLE),
            Map.entry("RO", MemoryAttribute.RO), Map.entry("RUNTIME", MemoryAttribute.RUNTIME));

    private FreeBsdEfiMap() {}

    static boolean present(String[] lines) {
        return DumpLines.headerIndex(lines, HEADER) >= 0;
    }

    static List<DumpEntry> read(String[] lines, String file, List<String> notes) {
        List<DumpEntry> out = new ArrayList<>();
        int i = DumpLines.headerIndex(lines, HEADER);
        int header = i + 1;
        boolean runtimeSeen = false;
        for (i++; i < lines.length; i++) {
            int no = i + 1;
            String body = DumpLines.body(lines[i]);
            if (body.isBlank()) {
                break;
            }
            Matcher m = ROW.matcher(body);
            if (!m.matches()) {
                String word = body.strip().split("\\s+")[0];
                if (!NAMES.contains(word) && !word.equals("<INVALID>")) {
                    break; // the table ended: the next line is something else
                }
                throw new ProfileFormatException(file, no, "'" + body.strip() + "': expected 'TYPE PPPPPPPPPPPP"
                        + " VVVVVVVVVVVV NNNNNNNN [ATTR...]' (FreeBSD EFI map: hex physical, virtual, #pages)");
            }
            int type = NAMES.indexOf(m.group(1));
            if (type < 0) {
                throw new ProfileFormatException(file, no, "Type '" + m.group(1) + "': expected one of " + NAMES);
            }
            long phys = DumpLines.hex(m.group(2), "Physical", file, no);
            long pages = DumpLines.hex(m.group(4), "#Pages", file, no);
            long attr = DumpLines.flags(m.group(5), FLAGS, "Attr", file, no);
            runtimeSeen |= (attr & MemoryAttribute.RUNTIME) != 0;
            out.add(new DumpEntry(DumpLines.descriptor(type, phys, pages, attr, file, no, "Physical", "#Pages"), no));
        }
        if (!runtimeSeen) {
            int set = 0;
            for (int k = 0; k < out.size(); k++) {
                DumpEntry e = out.get(k);
                int t = e.descriptor().type();
                if (t == MemoryType.EfiRuntimeServicesCode.value() || t == MemoryType.EfiRuntimeServicesData.value()) {
                    var d = e.descriptor();
                    out.set(k, new DumpEntry(new org.efiemu.uefi.spec.MemoryDescriptor(t, d.physicalStart(),
                            d.numberOfPages(), d.attribute() | MemoryAttribute.RUNTIME), e.line()));
                    set++;
                }
            }
            if (set > 0) {
                notes.add("no row carries RUNTIME (the FreeBSD loader's memmap does not print it): EFI_MEMORY_RUNTIME"
                        + " set on the " + set + " RuntimeServicesCode/Data descriptors, as UEFI requires; runtime MMIO"
                        + " cannot be told apart");
            }
        }
        notes.add("read " + out.size() + " UEFI descriptors from a FreeBSD EFI map table (line " + header + ")");
        return out;
    }
}
