package org.efiemu.platform.importer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.efiemu.platform.ProfileFormatException;
import org.efiemu.uefi.spec.MemoryAttribute;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.efiemu.uefi.spec.MemoryType;

/**
 * Reads the raw UEFI memory map Linux prints with {@code efi=debug} (and RHEL 7 always), in both forms:
 * <ul>
 * <li>old ({@code arch/x86/platform/efi/efi.c} {@code print_efi_memmap} up to Linux 3.x):
 *     {@code efi: mem00: type=4, attr=0xf, range=[0x0000000000010000-0x00000000000a0000) (0MB)}, half-open range;</li>
 * <li>new ({@code drivers/firmware/efi/efi.c} {@code efi_md_typeattr_format}):
 *     {@code efi: mem00: [Boot Data   |   |  |  |  |  |  |  |  |   |WB|WT|WC|UC] range=[0x...-0x...] (0MB)}, inclusive
 *     range; or {@code [type=N attr=0x...]} when the type or attribute has bits the kernel cannot name.</li>
 * </ul>
 * Lines are kept in firmware order. A line that starts like a descriptor but does not parse, a missing or repeated
 * {@code memNN} number, a reversed, empty or unaligned range, an MB figure that contradicts the range and an
 * invalid type are errors naming the line.
 */
final class LinuxEfiMemmap {

    private static final Pattern START = Pattern.compile("^efi:\\s+mem(\\d+):");
    private static final Pattern OLD = Pattern.compile("^efi:\\s+mem(\\d+): type=(\\d+), attr=0x([0-9a-fA-F]+),"
            + " range=\\[0x([0-9a-fA-F]+)-0x([0-9a-fA-F]+)\\) \\((\\d+)MB\\)\\s*$");
    private static final Pattern NEW = Pattern.compile("^efi:\\s+mem(\\d+): \\[([^\\]]*)\\]\\s+"
            + "range=\\[0x([0-9a-fA-F]+)-0x([0-9a-fA-F]+)\\] \\((\\d+)MB\\)\\s*$");
    private static final Pattern RAW = Pattern.compile("type=(\\d+) attr=0x([0-9a-fA-F]+)");

    /** {@code memory_type_name[]} of drivers/firmware/efi/efi.c, index = EFI_MEMORY_TYPE. */
    private static final List<String> KERNEL_TYPE_NAMES = List.of("Reserved", "Loader Code", "Loader Data", "Boot Code",
            "Boot Data", "Runtime Code", "Runtime Data", "Conventional", "Unusable", "ACPI Reclaim", "ACPI Mem NVS",
            "MMIO", "MMIO Port", "PAL Code", "Persistent", "Unaccepted");

    /** The attribute columns of {@code efi_md_typeattr_format}. */
    private static final Map<String, Long> FLAGS = Map.ofEntries(Map.entry("RUN", MemoryAttribute.RUNTIME),
            Map.entry("HP", MemoryAttribute.HOT_PLUGGABLE), Map.entry("MR", MemoryAttribute.MORE_RELIABLE),
            Map.entry("CC", MemoryAttribute.CPU_CRYPTO), Map.entry("SP", MemoryAttribute.SP),
            Map.entry("NV", MemoryAttribute.NV), Map.entry("XP", MemoryAttribute.XP), Map.entry("RP", MemoryAttribute.RP),
            Map.entry("WP", MemoryAttribute.WP), Map.entry("RO", MemoryAttribute.RO), Map.entry("UCE", MemoryAttribute.UCE),
            Map.entry("WB", MemoryAttribute.WB), Map.entry("WT", MemoryAttribute.WT), Map.entry("WC", MemoryAttribute.WC),
            Map.entry("UC", MemoryAttribute.UC));

    private LinuxEfiMemmap() {}

    /** True if the dump holds at least one {@code efi: memNN:} line. */
    static boolean present(String[] lines) {
        for (String l : lines) {
            if (START.matcher(DumpLines.body(l)).find()) {
                return true;
            }
        }
        return false;
    }

    static List<DumpEntry> read(String[] lines, String file, List<String> notes) {
        List<DumpEntry> out = new ArrayList<>();
        boolean oldForm = false;
        boolean newForm = false;
        for (int i = 0; i < lines.length; i++) {
            int no = i + 1;
            String body = DumpLines.body(lines[i]).stripTrailing();
            Matcher start = START.matcher(body);
            if (!start.find()) {
                continue;
            }
            long index = DumpLines.decimal(start.group(1), "descriptor number", file, no);
            if (index != out.size()) {
                throw new ProfileFormatException(file, no, "mem" + start.group(1) + " follows " + out.size()
                        + " descriptor line(s); expected mem" + String.format("%02d", out.size())
                        + " (a line is missing or repeated: truncated or spliced log?)");
            }
            Matcher m;
            MemoryDescriptor d;
            if ((m = OLD.matcher(body)).matches()) {
                oldForm = true;
                long first = DumpLines.hex(m.group(4), "range start", file, no);
                long end = DumpLines.hex(m.group(5), "range end", file, no);
                d = descriptor(parseType(m.group(2), file, no), first, end, DumpLines.hex(m.group(3), "attr", file, no),
                        DumpLines.decimal(m.group(6), "MB figure", file, no), file, no);
            } else if ((m = NEW.matcher(body)).matches()) {
                newForm = true;
                long first = DumpLines.hex(m.group(3), "range start", file, no);
                long last = DumpLines.hex(m.group(4), "range end", file, no);
                if (last == -1L) {
                    throw new ProfileFormatException(file, no, "range end 0xFFFFFFFFFFFFFFFF: expected a range below 2^64 - 1");
                }
                long[] typeAttr = typeAndAttr(m.group(2), file, no);
                d = descriptor((int) typeAttr[0], first, last + 1, typeAttr[1], DumpLines.decimal(m.group(5), "MB figure", file, no), file, no);
            } else {
                throw new ProfileFormatException(file, no, "'" + body + "': expected 'efi: memNN: type=N, attr=0xA,"
                        + " range=[0xS-0xE) (NMB)' or 'efi: memNN: [Type|...|WB|WT|WC|UC] range=[0xS-0xL] (NMB)'");
            }
            out.add(new DumpEntry(d, no));
        }
        if (oldForm && newForm) {
            notes.add("the dump mixes the old and the new 'efi: memNN:' forms; both were read");
        }
        notes.add("read " + out.size() + " UEFI descriptors from Linux 'efi: memNN:' lines ("
                + (oldForm ? "old form, half-open ranges" : "new form, inclusive ranges") + ")");
        return out;
    }

    private static int parseType(String decimal, String file, int no) {
        long v = DumpLines.decimal(decimal, "type", file, no);
        if (v > 0xFFFF_FFFFL || MemoryType.isInvalid((int) v)) {
            throw new ProfileFormatException(file, no, "type=" + decimal + " is not a valid EFI_MEMORY_TYPE; expected"
                    + " 0..15, 0x70000000..0x7FFFFFFF (OEM) or 0x80000000.. (OS loader)");
        }
        return (int) v;
    }

    /** Type and attribute from the bracketed new-form column list. */
    private static long[] typeAndAttr(String bracket, String file, int no) {
        Matcher raw = RAW.matcher(bracket.strip());
        if (raw.matches()) {
            return new long[] {parseType(raw.group(1), file, no), DumpLines.hex(raw.group(2), "attr", file, no)};
        }
        String[] cols = bracket.split("\\|", -1);
        int type = KERNEL_TYPE_NAMES.indexOf(cols[0].strip());
        if (type < 0) {
            throw new ProfileFormatException(file, no, "memory type '" + cols[0].strip() + "': expected one of the"
                    + " kernel's names " + KERNEL_TYPE_NAMES);
        }
        long attr = 0;
        for (int c = 1; c < cols.length; c++) {
            String flag = cols[c].strip();
            if (flag.isEmpty()) {
                continue;
            }
            Long bit = FLAGS.get(flag);
            if (bit == null) {
                throw new ProfileFormatException(file, no, "attribute column '" + flag + "': expected one of " + FLAGS.keySet());
            }
            attr |= bit;
        }
        return new long[] {type, attr};
    }

    private static MemoryDescriptor descriptor(int type, long first, long end, long attr, long mb, String file, int no) {
        if (Long.compareUnsigned(end, first) < 0) {
            throw new ProfileFormatException(file, no, String.format("reversed range 0x%X-0x%X; expected start < end", first, end));
        }
        if (end == first) {
            throw new ProfileFormatException(file, no, String.format("zero-length range at 0x%X; firmware never reports"
                    + " a descriptor with NumberOfPages 0", first));
        }
        if ((first & 0xFFF) != 0 || (end & 0xFFF) != 0) {
            throw new ProfileFormatException(file, no, String.format("range 0x%X-0x%X is not 4 KiB aligned; UEFI"
                    + " descriptors always are (UEFI 2.10 §7.2)", first, end));
        }
        if ((end - first) >>> 20 != mb) {
            throw new ProfileFormatException(file, no, String.format("(%dMB) contradicts the range 0x%X-0x%X (%d MiB);"
                    + " the line is corrupted", mb, first, end, (end - first) >>> 20));
        }
        return new MemoryDescriptor(type, first, (end - first) >>> 12, attr);
    }
}
