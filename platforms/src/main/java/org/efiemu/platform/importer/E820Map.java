package org.efiemu.platform.importer;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.efiemu.platform.ProfileFormatException;
import org.efiemu.uefi.spec.MemoryAttribute;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.efiemu.uefi.spec.MemoryType;

/**
 * Reads an E820 map where it is all a dump has: Linux {@code BIOS-e820: [mem 0xS-0xL] usable} (inclusive; and the
 * pre-3.x {@code BIOS-e820: S - E (usable)} form, exclusive end) and Xen's {@code EFI RAM map:} /
 * {@code Xen-e820 RAM map:} / {@code BIOS-e820 RAM map:} sections ({@code  S - E (usable)}, exclusive end).
 *
 * <p>E820 types become UEFI types as the Linux EFI stub made them in the other direction
 * ({@code setup_e820} in {@code drivers/firmware/efi/libstub/x86-stub.c}), with GRUB's {@code type 20}
 * ({@code GRUB_MEMORY_CODE}, from {@code EfiRuntimeServicesCode}, grub-core/mmap/efi/mmap.c). Each inference is noted
 * by {@link DumpImporter}; this class only reads. Unaligned ranges are rounded (RAM inward, the rest outward) and
 * noted; unknown type numbers are errors naming the line.
 */
final class E820Map {

    private static final Pattern LINUX = Pattern.compile("^BIOS-e820: \\[mem 0x([0-9a-fA-F]+)-0x([0-9a-fA-F]+)\\] (.+?)\\s*$");
    private static final Pattern LINUX_OLD = Pattern.compile("^BIOS-e820: ([0-9a-fA-F]+) - ([0-9a-fA-F]+) \\((.+)\\)\\s*$");
    private static final Pattern XEN_HEADER = Pattern.compile("^\\s*(EFI RAM map|Xen-e820 RAM map|BIOS-e820 RAM map|"
            + "Multiboot-e820 RAM map):\\s*$");
    private static final Pattern XEN_ROW = Pattern.compile("^\\s*([0-9a-fA-F]+) - ([0-9a-fA-F]+) \\(?(.+?)\\)?\\s*$");
    private static final Pattern START = Pattern.compile("^BIOS-e820:");
    private static final Pattern XEN_ROW_START = Pattern.compile("^\\s*[0-9a-fA-F]{4,16} -");

    private E820Map() {}

    static boolean present(String[] lines) {
        for (String l : lines) {
            String b = DumpLines.body(l);
            if (START.matcher(b).find() || XEN_HEADER.matcher(b).matches()) {
                return true;
            }
        }
        return false;
    }

    static List<DumpEntry> read(String[] lines, String file, List<String> notes, List<String> kinds) {
        List<DumpEntry> out = new ArrayList<>();
        String section = null;
        String label = null;
        for (int i = 0; i < lines.length; i++) {
            int no = i + 1;
            String body = DumpLines.body(lines[i]);
            Matcher h = XEN_HEADER.matcher(body);
            if (h.matches()) {
                if (!out.isEmpty()) {
                    notes.add("line " + no + ": a second E820 section (" + h.group(1) + ") was ignored; the first one was read");
                    break;
                }
                section = h.group(1);
                label = section;
                continue;
            }
            Matcher m;
            long first;
            long end;
            String kind;
            if ((m = LINUX.matcher(body)).matches()) {
                first = DumpLines.hex(m.group(1), "start", file, no);
                long last = DumpLines.hex(m.group(2), "end", file, no);
                end = last + 1;
                kind = m.group(3);
                section = section == null ? "BIOS-e820" : section;
                label = label == null ? "BIOS-e820" : label;
            } else if ((m = LINUX_OLD.matcher(body)).matches()) {
                first = DumpLines.hex(m.group(1), "start", file, no);
                end = DumpLines.hex(m.group(2), "end", file, no);
                kind = m.group(3);
                section = section == null ? "BIOS-e820" : section;
                label = label == null ? "BIOS-e820" : label;
            } else if (section != null && !section.equals("BIOS-e820") && (m = XEN_ROW.matcher(body)).matches()) {
                first = DumpLines.hex(m.group(1), "start", file, no);
                end = DumpLines.hex(m.group(2), "end", file, no);
                kind = m.group(3);
            } else if (START.matcher(body).find()) {
                throw new ProfileFormatException(file, no, "'" + body.strip() + "': expected 'BIOS-e820: [mem 0xS-0xL] TYPE'");
            } else if (section != null && !section.equals("BIOS-e820") && !section.equals("done")
                    && XEN_ROW_START.matcher(body).find()) {
                throw new ProfileFormatException(file, no, "'" + body.strip() + "': expected ' SSSSSSSSSSSSSSSS -"
                        + " EEEEEEEEEEEEEEEE (TYPE)' (Xen " + section + " row, end exclusive)");
            } else {
                if (section != null && !section.equals("BIOS-e820") && !out.isEmpty()) {
                    section = "done";
                }
                continue;
            }
            if (section.equals("done")) {
                continue;
            }
            add(out, kinds, kind, first, end, file, no, notes);
        }
        notes.add("read " + out.size() + " E820 entries (" + label + "); no raw UEFI descriptors in the dump, so types"
                + " are inferred from E820 kinds");
        return out;
    }

    /**
     * Checks one E820 range [first, end) of kind {@code kind} (Linux's names: usable, reserved, ACPI data, ACPI NVS,
     * unusable, persistent, soft reserved, {@code type N}), rounds it to pages (RAM inward, the rest outward; E820 is
     * byte-granular) with a note, and appends it. Shared by every E820-family reader.
     */
    static void add(List<DumpEntry> out, List<String> kinds, String kind, long first, long end, String file, int no,
            List<String> notes) {
        if (Long.compareUnsigned(end, first) <= 0) {
            throw new ProfileFormatException(file, no, String.format(end == first
                    ? "zero-length range at 0x%X; expected a non-empty range" : "reversed range 0x%X-0x%X; expected start <= end",
                    first, end - 1));
        }
        int[] type = new int[1];
        long attr = typeOf(kind, type, file, no, notes);
        boolean ram = kind.equals("usable");
        long f = ram ? roundUp(first) : first & ~0xFFFL;
        long e = ram ? end & ~0xFFFL : roundUp(end);
        if (f != first || e != end) {
            notes.add(String.format("line %d: %s range 0x%X-0x%X is not page aligned; rounded %s to 0x%X-0x%X", no, kind,
                    first, end - 1, ram ? "inward" : "outward", f, e - 1));
        }
        if (Long.compareUnsigned(e, f) <= 0) {
            notes.add(String.format("line %d: %s range 0x%X-0x%X holds no whole page and was dropped", no, kind, first, end - 1));
            return;
        }
        out.add(new DumpEntry(new MemoryDescriptor(type[0], f, (e - f) >>> 12, attr), no));
        kinds.add(kind);
    }

    private static long roundUp(long a) {
        return (a + 0xFFF) & ~0xFFFL;
    }

    private static final Pattern TYPE_N = Pattern.compile("type (\\d{1,10})");

    /**
     * Sets {@code type[0]} and returns the attribute for an E820 kind. A numbered type the kernel has no name for
     * ({@code type 16}: coreboot's CBMEM tables, LB_MEM_TABLE) is reserved, as Linux treats any type it does not know.
     */
    private static long typeOf(String kind, int[] type, String file, int no, List<String> notes) {
        long ram = MemoryAttribute.RAM_DEFAULT;
        switch (kind) {
            case "usable" -> type[0] = MemoryType.EfiConventionalMemory.value();
            case "ACPI data" -> type[0] = MemoryType.EfiACPIReclaimMemory.value();
            case "ACPI NVS" -> type[0] = MemoryType.EfiACPIMemoryNVS.value();
            case "unusable" -> type[0] = MemoryType.EfiUnusableMemory.value();
            case "reserved" -> {
                type[0] = MemoryType.EfiReservedMemoryType.value();
                return MemoryAttribute.UC;
            }
            case "soft reserved" -> {
                type[0] = MemoryType.EfiConventionalMemory.value();
                return ram | MemoryAttribute.SP;
            }
            case "type 20" -> {
                type[0] = MemoryType.EfiRuntimeServicesCode.value();
                return ram | MemoryAttribute.RUNTIME;
            }
            case "persistent (type 7)", "persistent (type 12)", "type 7", "type 12" ->
                    type[0] = MemoryType.EfiPersistentMemory.value();
            default -> {
                Matcher n = TYPE_N.matcher(kind);
                if (!n.matches()) {
                    throw new ProfileFormatException(file, no, "E820 type '" + kind + "': expected usable, reserved,"
                            + " ACPI data, ACPI NVS, unusable, soft reserved, persistent (type 7/12), type 20 (GRUB"
                            + " runtime code) or another 'type N'");
                }
                type[0] = MemoryType.EfiReservedMemoryType.value();
                if (n.group(1).equals("16")) {
                    notes.add("line " + no + ": E820 type 16 (coreboot's CBMEM tables, LB_MEM_TABLE) -> EfiReservedMemoryType"
                            + " in RAM (attribute 0xF), as Linux reserves any type it does not know");
                    return ram;
                }
                notes.add("line " + no + ": E820 " + kind + " is not a type Linux knows -> EfiReservedMemoryType"
                        + " (attribute 0x1), as Linux reserves any type it does not know");
                return MemoryAttribute.UC;
            }
        }
        return ram;
    }
}
