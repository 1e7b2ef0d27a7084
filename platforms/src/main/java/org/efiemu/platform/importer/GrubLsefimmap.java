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
 * Reads GRUB's {@code lsefimmap} table ({@code grub-core/commands/efi/lsefimmap.c}), the raw UEFI map as GRUB sees it:
 * <pre>
 * Type      Physical start  - end             #Pages        Size Attributes
 * BS-code   0000000000000000-0000000000000fff 00000001      4KiB WB
 * conv-mem  0000000000001000-000000000009ffff 0000009f    636KiB WB
 * RT-data   000000007f000000-000000007fffffff 00001000     16MiB RT WB
 * </pre>
 * End inclusive; {@code #Pages} must agree with the range; the size column (KB/MB/GB in older GRUB, KiB/MiB/GiB/TiB
 * in newer) is redundant and not read. Type names are GRUB's short ones; {@code Unk NN} is type 0xNN. Attribute
 * flags: RT UC WC WT WB UCE WP RP XP NV MR RO SP CC.
 */
final class GrubLsefimmap {

    private static final Pattern HEADER = Pattern.compile("^\\s*Type\\s+Physical start\\s+-\\s+end\\s+#Pages\\s+Size\\s+Attributes\\s*$");
    private static final Pattern ROW = Pattern.compile("^\\s*(reserved|ldr-code|ldr-data|BS-code|BS-data|RT-code|RT-data|"
            + "conv-mem|unusable|ACPI-rec|ACPI-nvs|MMIO|IO-ports|PAL-code|persist|unaccept|Unk ([0-9a-fA-F]{2}))\\s+"
            + "([0-9a-fA-F]{16})-([0-9a-fA-F]{16}) ([0-9a-fA-F]{8,16})\\s+(\\d+)\\s?([KMGT]i?B)((?: [A-Z]+)*)\\s*$");
    private static final List<String> NAMES = List.of("reserved", "ldr-code", "ldr-data", "BS-code", "BS-data", "RT-code",
            "RT-data", "conv-mem", "unusable", "ACPI-rec", "ACPI-nvs", "MMIO", "IO-ports", "PAL-code", "persist",
            "unaccept");
    private static final Map<String, Long> FLAGS = Map.ofEntries(Map.entry("RT", MemoryAttribute.RUNTIME),
            Map.entry("UC", MemoryAttribute.UC), Map.entry("WC", MemoryAttribute.WC), Map.entry("WT", MemoryAttribute.WT),
            Map.entry("WB", MemoryAttribute.WB), Map.entry("UCE", MemoryAttribute.UCE), Map.entry("WP", MemoryAttribute.WP),
            Map.entry("RP", MemoryAttribute.RP), Map.entry("XP", MemoryAttribute.XP), Map.entry("NV", MemoryAttribute.NV),
            Map.entry("MR", MemoryAttribute.MORE_RELIABLE), Map.entry("RO", MemoryAttribute.RO),
            Map.entry("SP", MemoryAttribute.SP), Map.entry("CC", MemoryAttribute.CPU_CRYPTO));

    private GrubLsefimmap() {}

    static boolean present(String[] lines) {
        return DumpLines.headerIndex(lines, HEADER) >= 0;
    }

    static List<DumpEntry> read(String[] lines, String file, List<String> notes) {
        List<DumpEntry> out = new ArrayList<>();
        int i = DumpLines.headerIndex(lines, HEADER);
        int header = i + 1;
        for (i++; i < lines.length; i++) {
            int no = i + 1;
            String body = DumpLines.body(lines[i]);
            if (body.isBlank()) {
                break;
            }
            Matcher m = ROW.matcher(body);
            if (!m.matches()) {
                String word = body.strip().split("\\s+")[0];
                if (!NAMES.contains(word) && !word.equals("Unk")) {
                    break; // the table ended: the next line is something else
                }
                throw new ProfileFormatException(file, no, "'" + body.strip() + "': expected a lsefimmap row 'TYPE"
                        + " SSSSSSSSSSSSSSSS-EEEEEEEEEEEEEEEE PPPPPPPP SIZE [ATTRIBUTES]' with TYPE one of " + NAMES
                        + " or 'Unk NN'");
            }
            int type = m.group(2) != null ? Integer.parseInt(m.group(2), 16) : NAMES.indexOf(m.group(1));
            if (MemoryType.isInvalid(type)) {
                throw new ProfileFormatException(file, no, "type Unk " + m.group(2) + " is not a valid EFI_MEMORY_TYPE;"
                        + " expected 0..15");
            }
            long first = DumpLines.hex(m.group(3), "Physical start", file, no);
            long last = DumpLines.hex(m.group(4), "end", file, no);
            long pages = DumpLines.hex(m.group(5), "#Pages", file, no);
            DumpLines.inclusiveRange(first, last, pages, file, no, "#Pages");
            long attr = DumpLines.flags(m.group(8), FLAGS, "Attributes", file, no);
            out.add(new DumpEntry(DumpLines.descriptor(type, first, pages, attr, file, no, "Physical start", "#Pages"), no));
        }
        notes.add("read " + out.size() + " UEFI descriptors from GRUB 'lsefimmap' output (line " + header
                + ", inclusive ends)");
        return out;
    }
}
