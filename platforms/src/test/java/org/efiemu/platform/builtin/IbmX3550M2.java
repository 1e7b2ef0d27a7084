package org.efiemu.platform.builtin;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.efiemu.platform.PlatformData;
import org.efiemu.platform.PlatformProfile;
import org.efiemu.platform.importer.DumpImporter;
import org.efiemu.platform.importer.ImportOptions;
import org.efiemu.platform.inference.BinInference;
import org.efiemu.platform.inference.Segments;
import org.efiemu.uefi.platform.PlatformDescription.Acpi;
import org.efiemu.uefi.platform.PlatformDescription.Cpu;
import org.efiemu.uefi.platform.PlatformDescription.Firmware;
import org.efiemu.uefi.platform.PlatformDescription.Smbios;
import org.efiemu.uefi.spec.MemoryDescriptor;

/** The ibm-system-x3550-m2 built-in profile: an 8 GiB x3550 M2 with 200+ descriptors (see its source: lines). */
final class IbmX3550M2 {

    private static final long RT = 0x8000_0000_0000_000FL;
    private static final long TOP_OF_FIRST_USABLE = 0x7D417000L;
    /** The R520's fragmented boot-services region (mem11..mem211), reused as the DXE allocation pattern. */
    private static final long PATTERN_START = 0xC22A6000L;
    private static final long PATTERN_END = 0xC6735000L;

    private IbmX3550M2() {}

    static PlatformProfile build() throws IOException {
        String m2 = "ibm-system-x3550-m2-uefi-e820-a.txt";
        String m4 = "ibm-system-x3550-m4-uefi-efimap.txt";
        String r520 = "dell-poweredge-r520-uefi-efimap.txt";
        List<MemoryDescriptor> e820 = DumpImporter.importFile(PlatformData.file(m2), ImportOptions.defaults())
                .profile().memoryMap();
        List<MemoryDescriptor> m4map = DumpImporter.importFile(PlatformData.file(m4),
                ImportOptions.defaults().withReclaimLoader(true)).profile().memoryMap();
        List<MemoryDescriptor> pattern = DumpImporter.importFile(PlatformData.file(r520),
                ImportOptions.defaults().withReclaimLoader(true)).profile().memoryMap();
        List<MemoryDescriptor> map = new ArrayList<>();
        // below 1 MiB: the M4's raw descriptors (M2 and M4 E820 agree exactly there)
        m4map.stream().filter(d -> d.end() <= 0xA0000).forEach(map::add);
        // 1 MiB .. top of the first usable range: M4 style (BS code 8-16 MiB), then the transplanted DXE pattern
        long patternBase = TOP_OF_FIRST_USABLE - (PATTERN_END - PATTERN_START);
        map.add(new MemoryDescriptor(7, 0x100000, (0x800000 - 0x100000) >> 12, 0xF));
        map.add(new MemoryDescriptor(3, 0x800000, (0x1000000 - 0x800000) >> 12, 0xF));
        map.add(new MemoryDescriptor(7, 0x1000000, (patternBase - 0x1000000) >> 12, 0xF));
        map.addAll(Segments.transplant(pattern, PATTERN_START, PATTERN_END, patternBase, TOP_OF_FIRST_USABLE));
        // the rest of the M2 E820 below 4 GiB
        for (MemoryDescriptor d : e820) {
            if (d.physicalStart() < TOP_OF_FIRST_USABLE || d.physicalStart() >= 0x100000000L) {
                continue;
            }
            int type = d.type();
            long attr = d.attribute();
            if (type == 7) {
                type = 4; // usable between runtime ranges: boot-services data (M4 mem52/54/61)
            } else if (type == 0 && d.physicalStart() < 0x80000000L) {
                type = 6; // reserved inside RAM next to GRUB 'type 20': runtime-services data
                attr = RT;
            } else if (type == 0) {
                type = 11;
                attr = 0x8000_0000_0000_0001L;
                continue; // MMIO goes after high RAM, as on the M4
            }
            map.add(new MemoryDescriptor(type, d.physicalStart(), d.numberOfPages(), attr));
        }
        map.add(new MemoryDescriptor(7, 0x100000000L, (0x280000000L - 0x100000000L) >> 12, 0xF));
        for (MemoryDescriptor d : e820) {
            if (d.type() == 0 && d.physicalStart() >= 0x80000000L && d.physicalStart() < 0x100000000L) {
                map.add(new MemoryDescriptor(11, d.physicalStart(), d.numberOfPages(), 0x8000_0000_0000_0001L));
            }
        }
        List<MemoryDescriptor> bins = BinInference.binStack(map, "ibm-system-x3550-m2");
        PlatformProfile.Builder b = PlatformProfile.builder("ibm-system-x3550-m2")
                .description("IBM System x3550 M2, EFI v2.10 by IBM, 8 GiB, 200+ descriptors; conventional memory"
                        + " around ACPI NVS pages at 0x6C000 and 0x9F000")
                .source("synthesised by BuiltinSynthesis (platforms/src/test/java) from the real dumps in the repository: "
                        + PlatformData.cite(m2) + ", " + PlatformData.cite(m4) + " and " + PlatformData.cite(r520)
                        + "; no raw x3550 M2 map is available, so this is a reconstruction")
                .source("fact: Xen commit c5b9805bc1 (Daniel Kiper): an IBM System x3550 M2 with 8 GiB RAM has more than"
                        + " 200 memory map entries")
                .source("step 1: below-4G frame from " + m2 + " (GRUB-built E820 of a 48 GiB x3550 M2, BIOS D6E148BUS-1.08)")
                .source("step 2: below 1 MiB the raw descriptors of " + m4 + " (IBM EDK II, x3550 M4), whose E820 is"
                        + " identical there; its LoaderData page at 0x1000 returned to EfiConventionalMemory")
                .source("step 3: 1-8 MiB conventional, 8-16 MiB EfiBootServicesCode, as on the M4 (mem11, mem12)")
                .source("step 4: the top 0x448F000 bytes of the first usable range (ending 0x7D416FFF) take the"
                        + " fragmentation pattern of a real EDK2-derived map: the R520's mem11-mem211 (alternating"
                        + " boot-services data/code and small free gaps, loader ranges returned), moved there unchanged")
                .source("step 5: E820 'type 20' -> EfiRuntimeServicesCode, 'reserved' inside RAM ->"
                        + " EfiRuntimeServicesData, other 'usable' below 4 GiB -> EfiBootServicesData (as M4 mem52/54/61),"
                        + " ACPI data/NVS as is")
                .source("step 6: RAM above 4 GiB 0x100000000-0x27FFFFFFF (6 GiB; about 8 GiB in all); the MMIO ranges"
                        + " (E820 reserved at 0x80000000, 0xFED1C000, 0xFF800000) reported after high RAM as"
                        + " EfiMemoryMappedIO with RUNTIME|UC, exactly as the M4's firmware does (mem63-65)");
        BinInference.sources(bins, "at the top of low RAM (the M2's E820 below 0x7F7FF000)").forEach(b::source);
        b.source("inferred: the runtime bins' types rest on step 5 ('reserved' -> EfiRuntimeServicesData); the smaller"
                + " runtime ranges directly below the stack (" + runtimeBelow(map, bins.get(0).physicalStart())
                + ") are taken as runtime allocations that did not fit their bins and went to the top of the default"
                + " region, as EDK2 FindFreePages does");
        return b.placement(BinInference.placement(bins))
                .firmware(new Firmware("IBM", 0x10000, (2 << 16) | 10))
                .cpu(new Cpu("GenuineIntel", 6, 26, 5, "Intel(R) Xeon(R) CPU E5520 @ 2.27GHz", 8))
                .smbios(new Smbios("IBM Corp.", "-[D6E148BUS-1.08]-", "06/25/2010", "IBM",
                        "System x3550 M2 -[794622V]-", "", ""))
                .acpi(new Acpi("IBM", "SERVIGIL"))
                .quirk("unsorted-map")
                .memoryMap(map)
                .build();
    }

    /** The contiguous runtime descriptors ending at {@code top}, highest first, as bin-style text. */
    private static String runtimeBelow(List<MemoryDescriptor> map, long top) {
        List<String> out = new ArrayList<>();
        for (boolean found = true; found; ) {
            found = false;
            for (MemoryDescriptor d : map) {
                if (d.end() == top && (d.type() == 5 || d.type() == 6)) {
                    out.add(BinInference.binText(d));
                    top = d.physicalStart();
                    found = true;
                }
            }
        }
        return String.join(", ", out);
    }
}
