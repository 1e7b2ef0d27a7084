package org.efiemu.platform.importer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.efiemu.platform.PlatformData;
import org.efiemu.platform.PlatformProfile;
import org.efiemu.platform.ProfileFormatException;
import org.efiemu.platform.ProfileParser;
import org.efiemu.platform.ProfileWriter;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.efiemu.uefi.spec.MemoryType;
import org.junit.jupiter.api.Test;

/** Every real dump in platforms/machines imports, and the result matches the dump's own numbers. */
class RealDumpImportTest {

    private static final long MIB = 1 << 20;

    private static ImportResult load(String file, ImportOptions o) throws IOException {
        return DumpImporter.importFile(PlatformData.file(file), o);
    }

    private static long pagesBelow1MiB(PlatformProfile p, MemoryType t) {
        return p.memoryMap().stream().filter(d -> d.type() == t.value() && d.physicalStart() < MIB)
                .mapToLong(MemoryDescriptor::numberOfPages).sum();
    }

    @Test
    void everyPlatformDataFileWithAMapImportsAndRoundTrips() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(PlatformData.dir())) {
            files = s.filter(p -> p.toString().endsWith(".txt") && !p.getFileName().toString().startsWith("xen-")).sorted().toList();
        }
        assertThat(files).hasSize(5);
        for (Path f : files) {
            for (boolean reclaim : new boolean[] {false, true}) {
                PlatformProfile p = DumpImporter.importFile(f, ImportOptions.defaults().withReclaimLoader(reclaim)).profile();
                String text = ProfileWriter.write(p);
                PlatformProfile again = ProfileParser.parse(text, f.getFileName().toString());
                assertThat(again).as(f.toString()).isEqualTo(p);
                assertThat(ProfileWriter.write(again)).isEqualTo(text);
            }
        }
    }

    @Test
    void xenFactsFileHoldsNoMapAndIsRejectedNamingTheFile() {
        assertThatThrownBy(() -> load("xen-kiper-2016-2017-facts.txt", ImportOptions.defaults()))
                .isInstanceOf(ProfileFormatException.class)
                .hasMessageContaining("xen-kiper-2016-2017-facts.txt")
                .hasMessageContaining("no memory map found");
    }

    @Test
    void dellR520RawMapHas249DescriptorsAndNoConventionalMemoryBelow1MiB() throws IOException {
        ImportResult r = load("dell-poweredge-r520-uefi-efimap.txt", ImportOptions.defaults());
        PlatformProfile p = r.profile();
        assertThat(r.format()).isEqualTo(DumpFormat.LINUX_EFI);
        assertThat(p.memoryMap()).hasSize(249);
        assertThat(p.memoryMap().get(0)).isEqualTo(new MemoryDescriptor(4, 0x10000, 0x90, 0xF));
        assertThat(pagesBelow1MiB(p, MemoryType.EfiConventionalMemory)).isZero();
        assertThat(pagesBelow1MiB(p, MemoryType.EfiBootServicesData)).isEqualTo(0x90);
        assertThat(p.pagesOfType(MemoryType.EfiConventionalMemory)).isEqualTo(3913896);
        assertThat(p.pagesOfType(MemoryType.EfiLoaderData)).isEqualTo(213572);
        assertThat(p.pagesOfType(MemoryType.EfiBootServicesData)).isEqualTo(47209);
        assertThat(p.pagesOfType(MemoryType.EfiReservedMemoryType)).isEqualTo(85205);
        assertThat(p.firmware().vendor()).isEqualTo("Dell");
        assertThat(p.firmware().uefiRevision()).isEqualTo((2 << 16) | 30);
        assertThat(p.smbios().manufacturer()).isEqualTo("Dell Inc.");
        assertThat(p.smbios().product()).isEqualTo("PowerEdge R520");
        assertThat(p.smbios().biosVersion()).isEqualTo("2.7.0");
        assertThat(p.quirks()).containsExactly("page0-not-ram");
        assertThat(p.ramRanges().rangeContaining(0x42FFFFFFFL).upperEndpoint()).isEqualTo(0x430000000L);
        assertThat(r.notes()).anyMatch(n -> n.contains("E820 map was not used"));
    }

    @Test
    void reclaimLoaderReturnsEveryLoaderRangeToConventionalAndNotesEach() throws IOException {
        ImportResult r = load("dell-poweredge-r520-uefi-efimap.txt", ImportOptions.defaults().withReclaimLoader(true));
        PlatformProfile p = r.profile();
        assertThat(p.pagesOfType(MemoryType.EfiLoaderData) + p.pagesOfType(MemoryType.EfiLoaderCode)).isZero();
        assertThat(p.pagesOfType(MemoryType.EfiConventionalMemory)).isEqualTo(3913896 + 213572 + 320);
        assertThat(r.notes()).filteredOn(n -> n.contains("returned to EfiConventionalMemory")).hasSize(9);
        assertThat(r.notes()).anyMatch(n -> n.contains("merged"));
        assertThat(p.memoryMap()).hasSizeLessThan(249).hasSizeGreaterThan(200);
    }

    @Test
    void dellR520E820SectionHas16EntriesAndDellLowMemoryBecomesBootServicesData() throws IOException {
        ImportResult r = load("dell-poweredge-r520-uefi-efimap.txt", ImportOptions.defaults().withFormat(DumpFormat.E820));
        PlatformProfile p = r.profile();
        assertThat(r.notes()).anyMatch(n -> n.startsWith("read 16 E820 entries"));
        assertThat(p.memoryMap()).hasSize(17); // 0x100000-0xC6734FFF split at 64 MiB
        assertThat(pagesBelow1MiB(p, MemoryType.EfiConventionalMemory)).isZero();
        assertThat(p.pagesOfType(MemoryType.EfiConventionalMemory) + p.pagesOfType(MemoryType.EfiBootServicesData))
                .isEqualTo(4178123);
        assertThat(r.notes()).anyMatch(n -> n.contains("Dell 12th-generation"));
    }

    @Test
    void ibmX3550M4RawMapHas66DescriptorsUnsortedWithAcpiNvsAt0x6C000And0x9F000() throws IOException {
        ImportResult r = load("ibm-system-x3550-m4-uefi-efimap.txt", ImportOptions.defaults());
        PlatformProfile p = r.profile();
        assertThat(p.memoryMap()).hasSize(66);
        assertThat(p.quirks()).containsExactly("unsorted-map");
        assertThat(p.memoryMap()).contains(new MemoryDescriptor(10, 0x6C000, 1, 0xF), new MemoryDescriptor(10, 0x9F000, 1, 0xF));
        assertThat(p.pagesOfType(MemoryType.EfiMemoryMappedIO)).isEqualTo(67595);
        assertThat(p.pagesOfType(MemoryType.EfiConventionalMemory)).isEqualTo(22847549);
        assertThat(p.firmware().vendor()).isEqualTo("EDK II");
        assertThat(p.mmioRanges().encloses(com.google.common.collect.Range.closedOpen(0x80000000L, 0x90000000L))).isTrue();
    }

    @Test
    void ibmX3550M4E820Has31Entries() throws IOException {
        ImportResult r = load("ibm-system-x3550-m4-uefi-efimap.txt", ImportOptions.defaults().withFormat(DumpFormat.E820));
        assertThat(r.profile().memoryMap()).hasSize(31);
        assertThat(r.profile().pagesOfType(MemoryType.EfiConventionalMemory)).isEqualTo(23061347);
    }

    @Test
    void ibmX3550M2E820Has23EntriesAndGrubType20BecomesRuntimeCode() throws IOException {
        ImportResult r = load("ibm-system-x3550-m2-uefi-e820-a.txt", ImportOptions.defaults());
        PlatformProfile p = r.profile();
        assertThat(r.format()).isEqualTo(DumpFormat.E820);
        assertThat(p.memoryMap()).hasSize(23);
        assertThat(p.memoryMap().stream().filter(d -> d.type() == 5)).hasSize(4)
                .allMatch(d -> d.attribute() == 0x800000000000000FL);
        assertThat(pagesBelow1MiB(p, MemoryType.EfiConventionalMemory)).isEqualTo(0x6C + 0x32);
        assertThat(p.pagesOfType(MemoryType.EfiConventionalMemory)).isEqualTo(12579978);
        assertThat(p.firmware().uefiRevision()).isEqualTo((2 << 16) | 10);
        assertThat(p.acpi().oemId()).isEqualTo("IBM");
        assertThat(r.notes()).anyMatch(n -> n.contains("type 20"));
    }

    @Test
    void dellR820UefiE820Has17EntriesRamTo0x183FFFFFFF() throws IOException {
        ImportResult r = load("dell-poweredge-r820-uefi-mode-e820.txt", ImportOptions.defaults());
        PlatformProfile p = r.profile();
        assertThat(r.notes()).anyMatch(n -> n.startsWith("read 17 E820 entries"));
        assertThat(p.memoryMap()).hasSize(18);
        assertThat(p.ramRanges().span().upperEndpoint()).isEqualTo(0x1840000000L);
        assertThat(pagesBelow1MiB(p, MemoryType.EfiBootServicesData)).isEqualTo(0x90);
        assertThat(p.pagesOfType(MemoryType.EfiConventionalMemory) + p.pagesOfType(MemoryType.EfiBootServicesData))
                .isEqualTo(25149611);
    }

    @Test
    void dellR820LegacyE820Has8EntriesAndIsNotedAsPossiblyLegacy() throws IOException {
        ImportResult r = load("dell-poweredge-r820-bios-mode.txt", ImportOptions.defaults());
        assertThat(r.profile().memoryMap()).hasSize(8);
        assertThat(r.profile().pagesOfType(MemoryType.EfiConventionalMemory)).isEqualTo(28299884);
        assertThat(r.notes()).anyMatch(n -> n.contains("legacy BIOS"));
        assertThat(r.profile().quirks()).doesNotContain("page0-not-ram");
    }

    @Test
    void rawEfiDumpsOfRealServersInferTheirBinsWithHighConfidenceFromTheirLoaderRanges() throws IOException {
        ImportResult r520 = load("dell-poweredge-r520-uefi-efimap.txt", ImportOptions.defaults());
        assertThat(r520.profile().placement().param("default-max", null)).isEqualTo("0xC86BFFFF");
        assertThat(r520.inference().confidence()).hasValue(org.efiemu.platform.inference.PlacementInference.Confidence.HIGH);
        assertThat(r520.notes()).anyMatch(n -> n.startsWith("9 EfiLoaderCode/EfiLoaderData range(s), 213892 pages"
                + " (largest 0x9247B000-0xC22A5FFF and 0x3D514000-0x3FFFFFFF) look like an OS loader's allocations"));
        assertThat(r520.profile().sources()).anyMatch(s -> s.startsWith("inferred: confidence high: 5 of the 5"));
        // returning the loader ranges changes neither the bins nor the evidence (read from the map as printed)
        ImportResult reclaimed = load("dell-poweredge-r520-uefi-efimap.txt", ImportOptions.defaults().withReclaimLoader(true));
        assertThat(reclaimed.profile().placement()).isEqualTo(r520.profile().placement());
        assertThat(reclaimed.inference().note()).isEqualTo(r520.inference().note());
        assertThat(reclaimed.notes()).noneMatch(n -> n.contains("look like an OS loader's"));
    }

    @Test
    void e820OnlyDumpsSayThePlacementWasNotInferredAndWhatToGive() throws IOException {
        for (String f : List.of("dell-poweredge-r820-uefi-mode-e820.txt", "ibm-system-x3550-m2-uefi-e820-a.txt",
                "dell-poweredge-r820-bios-mode.txt")) {
            ImportResult r = load(f, ImportOptions.defaults());
            assertThat(r.inference().inferred()).as(f).isFalse();
            assertThat(r.profile().placement().params()).as(f).isEmpty();
            assertThat(r.notes()).as(f).anyMatch(n -> n.startsWith("placement not inferred: no run of 3")
                    && n.contains("--placement"));
        }
    }
}
