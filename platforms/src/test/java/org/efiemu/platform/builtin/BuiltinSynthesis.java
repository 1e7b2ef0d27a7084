package org.efiemu.platform.builtin;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.efiemu.platform.PlatformData;
import org.efiemu.platform.PlatformProfile;
import org.efiemu.platform.ProfileWriter;
import org.efiemu.platform.importer.DumpFormat;
import org.efiemu.platform.importer.DumpImporter;
import org.efiemu.platform.importer.ImportOptions;
import org.efiemu.platform.inference.BinInference;
import org.efiemu.platform.inference.LoaderEvidence;
import org.efiemu.platform.inference.Segments;
import org.efiemu.uefi.platform.PlatformDescription.Acpi;
import org.efiemu.uefi.platform.PlatformDescription.Cpu;
import org.efiemu.uefi.platform.PlatformDescription.Firmware;
import org.efiemu.uefi.platform.PlatformDescription.Smbios;
import org.efiemu.uefi.spec.MemoryDescriptor;

/**
 * Builds the built-in profiles from the real dumps in platforms/machines. {@code main} writes them to
 * platforms/src/main/resources; {@code BuiltinProfilesTest} checks the committed files equal what this builds.
 * Every synthesis step is written into the profile's {@code source:} lines.
 */
public final class BuiltinSynthesis {

    private BuiltinSynthesis() {}

    public static void main(String[] args) throws IOException {
        Path out = PlatformData.repoRoot().resolve("platforms/src/main/resources/org/efiemu/platform/profiles");
        for (PlatformProfile p : all()) {
            ProfileWriter.write(p, out.resolve(p.name() + ".profile"));
        }
    }

    public static List<PlatformProfile> all() throws IOException {
        PlatformProfile r820 = dellR820(0x1840000000L, "dell-poweredge-r820", "96 GiB");
        return List.of(r820, dellR820(0x18040000000L, "dell-poweredge-r820-1.5t", "1.5 TiB"), IbmX3550M2.build(),
                LowAllocFirmware.build());
    }

    /** R520 E820 entry (1-based) -> R820 UEFI E820 entry (1-based); R820 entry 4 has no R520 counterpart. */
    private static final int[][] DELL_SEGMENTS = {{1, 1}, {2, 2}, {3, 3}, {4, 5}, {5, 6}, {6, 7}, {7, 8}, {8, 9},
            {9, 10}, {10, 11}, {11, 12}, {12, 13}, {13, 14}, {14, 15}, {15, 16}, {16, 17}};

    static PlatformProfile dellR820(long ramEnd, String name, String size) throws IOException {
        String r520File = "dell-poweredge-r520-uefi-efimap.txt";
        String r820File = "dell-poweredge-r820-uefi-mode-e820.txt";
        PlatformProfile r520 = DumpImporter.importFile(PlatformData.file(r520File),
                ImportOptions.defaults().withReclaimLoader(true)).profile();
        List<MemoryDescriptor> e520 = rawE820(r520File);
        List<MemoryDescriptor> e820 = rawE820(r820File);
        List<MemoryDescriptor> map = new ArrayList<>();
        for (int[] pair : DELL_SEGMENTS) {
            MemoryDescriptor a = e520.get(pair[0] - 1);
            MemoryDescriptor b = e820.get(pair[1] - 1);
            long bEnd = pair[0] == 16 ? ramEnd : b.end();
            map.addAll(Segments.transplant(r520.memoryMap(), a.physicalStart(), a.end(), b.physicalStart(), bEnd));
            if (pair[1] == 3) { // R820 E820 entry 4: usable 0xB6B2F000-0xB6B60FFF, absent on the R520
                MemoryDescriptor extra = e820.get(3);
                map.add(new MemoryDescriptor(4, extra.physicalStart(), extra.numberOfPages(), 0xF));
            }
        }
        List<MemoryDescriptor> bins = BinInference.binStack(map, name);
        PlatformProfile.Builder b = PlatformProfile.builder(name)
                .description("Dell PowerEdge R820, BIOS 2.7.0, EFI v2.30 by Dell, " + size
                        + "; no conventional memory below 1 MiB, boot-services data over 1-64 MiB")
                .source("synthesised by BuiltinSynthesis (platforms/src/test/java) from the real dumps in the repository: "
                        + PlatformData.cite(r520File) + " and " + PlatformData.cite(r820File))
                .source("step 1: raw UEFI map of a Dell PowerEdge R520 (same 12th-generation firmware family, BIOS 2.7.0):"
                        + " " + r520File + ", 249 descriptors, from linuxhw/Dmesg (CentOS 7 3.10.0-957.12.2.el7)")
                .source("step 2: EfiLoaderCode/EfiLoaderData returned to EfiConventionalMemory (the map was printed after"
                        + " GRUB/shim/kernel-stub allocations) and merged with equal neighbours")
                .source("step 3: below-4G layout moved onto the R820's own UEFI-mode E820 (" + r820File + ", BIOS 2.7.0,"
                        + " Ubuntu 20.04 5.8.0-55): each R520 E820 entry maps to the R820 entry of the same kind; descriptors"
                        + " inside keep their order and sizes; where the two entries differ in size, the largest"
                        + " EfiConventionalMemory descriptor (else the largest descriptor) of the segment absorbs the"
                        + " difference, descriptors below it keep their offset from the segment start, those above"
                        + " keep their offset from the segment end")
                .source("step 4: R820 E820 usable 0xB6B2F000-0xB6B60FFF has no R520 counterpart; inferred as"
                        + " EfiBootServicesData (it lies between ACPI NVS and runtime data, where the R520 has boot-services"
                        + " code; E820 'usable' cannot say which)")
                .source("step 5: RAM above 4 GiB scaled to end at 0x" + Long.toHexString(ramEnd).toUpperCase()
                        + (ramEnd == 0x1840000000L ? " (the R820 E820 shows usable to 0x183FFFFFFF = 96 GiB)"
                                : " (1.5 TiB above 4 GiB plus the 1 GiB hole, for scale tests; same low layout)"))
                .source("identity: DMI 'Dell Inc. PowerEdge R820/0YWR73, BIOS 2.7.0 01/07/2020'; ACPI OEM ID DELL"
                        + " (R820 legacy-mode RSDP 'v02 DELL'); CPU model is an assumption (Xeon E5-4600, Sandy Bridge-EP,"
                        + " family 6 model 45), 4 sockets x 8 cores x 2 threads");
        BinInference.sources(bins, "below 4 GiB (moved with the R520's layout, step 3)").forEach(b::source);
        b.source(loaderEvidence(r520File));
        return b.placement(BinInference.placement(bins))
                .firmware(new Firmware("Dell", 0x10000, (2 << 16) | 30))
                .cpu(new Cpu("GenuineIntel", 6, 45, 7, "Intel(R) Xeon(R) CPU E5-4650 0 @ 2.70GHz", 64))
                .smbios(new Smbios("Dell Inc.", "2.7.0", "01/07/2020", "Dell Inc.", "PowerEdge R820", "", ""))
                .acpi(new Acpi("DELL", "PE_SC3"))
                .quirk("page0-not-ram")
                .memoryMap(map)
                .build();
    }

    /**
     * Where the R520's OS loader got its memory (the raw map keeps its EfiLoaderCode/Data): every range lies below
     * that map's own bin stack, and RAM above 4 GiB is untouched, as {@code default-max} = lowest bin base - 1 predicts
     * ({@link LoaderEvidence}, the evidence {@code profile import} weighs too).
     */
    static String loaderEvidence(String r520File) throws IOException {
        List<MemoryDescriptor> raw = DumpImporter.importFile(PlatformData.file(r520File), ImportOptions.defaults())
                .profile().memoryMap();
        long binBase = BinInference.binStack(raw, r520File).get(0).physicalStart();
        LoaderEvidence e = LoaderEvidence.of(raw, binBase);
        if (e.verdict() != LoaderEvidence.Verdict.SUPPORTS) {
            throw new IllegalStateException(r520File + ": " + e.describe() + "; the default-max inference does not hold");
        }
        return "evidence: in the R520's raw map (taken after GRUB, shim and the kernel's EFI stub allocated) all "
                + e.loader().size() + " EfiLoaderCode/EfiLoaderData ranges lie below its bin stack at "
                + BinInference.hex(binBase) + ", the largest " + e.largest(2)
                + ", and all RAM above 4 GiB is still EfiConventionalMemory";
    }

    /** The E820 lines of a dump as descriptors (usable as type 7), in file order. */
    static List<MemoryDescriptor> rawE820(String file) throws IOException {
        return DumpImporter.importFile(PlatformData.file(file), ImportOptions.defaults().withFormat(DumpFormat.E820)
                .withName("x")).profile().memoryMap().stream()
                .reduce(new ArrayList<MemoryDescriptor>(), (list, d) -> {
                    // undo the Dell low-memory split: E820 entries are what we map between
                    if (!list.isEmpty() && list.get(list.size() - 1).end() == d.physicalStart()
                            && list.get(list.size() - 1).type() == 4 && d.type() == 7) {
                        MemoryDescriptor p = list.remove(list.size() - 1);
                        list.add(new MemoryDescriptor(7, p.physicalStart(), p.numberOfPages() + d.numberOfPages(), 0xF));
                    } else {
                        list.add(d);
                    }
                    return list;
                }, (x, y) -> x);
    }
}
