package org.efiemu.platform.importer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.efiemu.platform.ProfileFormatException;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.efiemu.uefi.spec.MemoryType;

/**
 * Reads the UEFI Shell {@code memmap} table (EDK2 {@code ShellPkg/Library/UefiShellDebug1CommandsLib/MemMap.c}):
 * <pre>
 * Type       Start            End              # Pages          Attributes
 * Available  0000000000000000-000000000009FFFF 00000000000000A0 000000000000000F
 * </pre>
 * End is inclusive. Every line from the header to the first blank line must be a row; the page count must agree
 * with the range. Type names are the Shell's short names; an 8-digit hex value is an OEM/OS type.
 */
final class ShellMemmap {

    private static final Pattern HEADER = Pattern.compile("^\\s*Type\\s+Start\\s+End\\s+#\\s*Pages\\s+Attributes\\s*$");
    private static final Pattern ROW = Pattern.compile(
            "^\\s*(\\S+)\\s+([0-9A-Fa-f]{16})-([0-9A-Fa-f]{16})\\s+([0-9A-Fa-f]{16})\\s+([0-9A-Fa-f]{16})\\s*$");

    /** The Shell's names (MemMap.c {@code NameEfi*}), mapped to EFI_MEMORY_TYPE. */
    private static final Map<String, MemoryType> NAMES = Map.ofEntries(
            Map.entry("Reserved", MemoryType.EfiReservedMemoryType), Map.entry("LoaderCode", MemoryType.EfiLoaderCode),
            Map.entry("LoaderData", MemoryType.EfiLoaderData), Map.entry("BS_Code", MemoryType.EfiBootServicesCode),
            Map.entry("BS_Data", MemoryType.EfiBootServicesData), Map.entry("RT_Code", MemoryType.EfiRuntimeServicesCode),
            Map.entry("RT_Data", MemoryType.EfiRuntimeServicesData), Map.entry("Available", MemoryType.EfiConventionalMemory),
            Map.entry("Unusable", MemoryType.EfiUnusableMemory), Map.entry("ACPI_Recl", MemoryType.EfiACPIReclaimMemory),
            Map.entry("ACPI_NVS", MemoryType.EfiACPIMemoryNVS), Map.entry("MMIO", MemoryType.EfiMemoryMappedIO),
            Map.entry("MMIO_Port", MemoryType.EfiMemoryMappedIOPortSpace), Map.entry("PalCode", MemoryType.EfiPalCode),
            Map.entry("Persistent", MemoryType.EfiPersistentMemory), Map.entry("Unaccepted", MemoryType.EfiUnacceptedMemoryType));

    private ShellMemmap() {}

    static boolean present(String[] lines) {
        return DumpLines.headerIndex(lines, HEADER) >= 0;
    }

    static List<DumpEntry> read(String[] lines, String file, List<String> notes) {
        List<DumpEntry> out = new ArrayList<>();
        int i = DumpLines.headerIndex(lines, HEADER);
        for (i++; i < lines.length; i++) {
            int no = i + 1;
            String body = DumpLines.body(lines[i]);
            if (body.isBlank()) {
                break;
            }
            Matcher m = ROW.matcher(body);
            if (!m.matches()) {
                throw new ProfileFormatException(file, no, "'" + body.strip() + "': expected a memmap row 'Type"
                        + " SSSSSSSSSSSSSSSS-EEEEEEEEEEEEEEEE PPPPPPPPPPPPPPPP AAAAAAAAAAAAAAAA' (16 hex digits each)");
            }
            int type = type(m.group(1), file, no);
            long first = DumpLines.hex(m.group(2), "start", file, no);
            long last = DumpLines.hex(m.group(3), "end", file, no);
            long pages = DumpLines.hex(m.group(4), "# pages", file, no);
            long attr = DumpLines.hex(m.group(5), "attributes", file, no);
            DumpLines.inclusiveRange(first, last, pages, file, no, "# Pages");
            out.add(new DumpEntry(new MemoryDescriptor(type, first, pages, attr), no));
        }
        notes.add("read " + out.size() + " UEFI descriptors from a UEFI Shell 'memmap' table (inclusive ranges)");
        return out;
    }

    private static int type(String name, String file, int no) {
        MemoryType t = NAMES.get(name);
        if (t != null) {
            return t.value();
        }
        if (name.matches("[0-9A-Fa-f]{8}")) {
            int raw = (int) Long.parseLong(name, 16);
            if (!MemoryType.isInvalid(raw)) {
                return raw;
            }
        }
        throw new ProfileFormatException(file, no, "memory type '" + name + "': expected one of " + NAMES.keySet()
                + " or an 8-digit OEM/OS type value");
    }
}
