package org.efiemu.earlyalloc.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReportModelTest {
    @Test
    void scenariosAreOrderedByStrategyRowThenPlatformColumnWhateverTheInputOrder() {
        Report r = SampleReports.sample();
        assertThat(r.scenarios()).extracting(ScenarioReport::id).containsExactly(
                "dell-poweredge-r820/mem-lower", "ovmf-q35-2g/mem-lower",
                "dell-poweredge-r820/efi-pages-any", "ovmf-q35-2g/efi-pages-any",
                "dell-poweredge-r820/static-pool-64k", "ovmf-q35-2g/static-pool-64k?pool=65536");
    }

    @Test
    void scenarioNamingAnUnknownPlatformIsRejectedWithTheNamesItKnows() {
        Report r = SampleReports.sample();
        List<ScenarioReport> bad = List.of(SampleReports.scenario("hp-dl380", "mem-lower", Verdict.PASS, Verdict.PASS, "x",
                List.of(), List.of(), null, null, List.of(), List.of(), "", null));
        assertThatThrownBy(() -> new Report(r.title(), r.efiemuVersion(), r.inputs(), r.platforms(), r.strategies(), bad, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("scenario 'hp-dl380/mem-lower'")
                .hasMessageContaining("[dell-poweredge-r820, ovmf-q35-2g]");
    }

    @Test
    void duplicateScenarioIdIsRejected() {
        Report r = SampleReports.sample();
        List<ScenarioReport> twice = List.of(r.scenarios().get(0), r.scenarios().get(0));
        assertThatThrownBy(() -> new Report(r.title(), r.efiemuVersion(), r.inputs(), r.platforms(), r.strategies(), twice, null))
                .hasMessageContaining("'dell-poweredge-r820/mem-lower' appears twice");
    }

    @Test
    void overlappingDescriptorsInAPlatformMapAreRejectedNamingBoth() {
        assertThatThrownBy(() -> new PlatformReport("p", "d", "s", List.of(
                MapRegion.of("EfiConventionalMemory", 0x0, 0x10, 0xF),
                MapRegion.of("EfiBootServicesData", 0x8000, 0x1, 0xF))))
                .hasMessageContaining("platform 'p' memoryMap")
                .hasMessageContaining("EfiBootServicesData 0x8000-0x8FFF")
                .hasMessageContaining("overlaps EfiConventionalMemory 0x0-0xFFFF");
    }

    @Test
    void unalignedPhysicalStartIsRejected() {
        assertThatThrownBy(() -> MapRegion.of("EfiLoaderData", 0x1234, 1, 0))
                .hasMessageContaining("PhysicalStart 0x1234 is not 4 KiB aligned");
    }

    @Test
    void ownerKindFollowsTheMemoryTypeUsageTable() {
        assertThat(OwnerKind.ofType("EfiConventionalMemory")).isEqualTo(OwnerKind.FREE);
        assertThat(OwnerKind.ofType("EfiLoaderData")).isEqualTo(OwnerKind.APPLICATION);
        assertThat(OwnerKind.ofType("OS(0x80000001)")).isEqualTo(OwnerKind.APPLICATION);
        assertThat(OwnerKind.ofType("EfiBootServicesData")).isEqualTo(OwnerKind.FIRMWARE);
        assertThat(OwnerKind.ofType("EfiACPIMemoryNVS")).isEqualTo(OwnerKind.FIRMWARE);
        assertThat(OwnerKind.ofType("EfiReservedMemoryType")).isEqualTo(OwnerKind.FIRMWARE);
        assertThat(OwnerKind.ofType("EfiMemoryMappedIO")).isEqualTo(OwnerKind.NOT_RAM);
    }

    @Test
    void matchesExpectedComparesObservedWithExpectedVerdict() {
        Report r = SampleReports.sample();
        assertThat(r.mismatches()).extracting(ScenarioReport::id).containsExactly("dell-poweredge-r820/static-pool-64k");
        assertThat(r.verdictCounts()).isEqualTo(Map.of(Verdict.PASS, 3L, Verdict.WARN, 1L, Verdict.FAIL, 2L));
    }

    @Test
    void hexParsesUnsigned64BitAddressesAndNamesBadText() {
        assertThat(Hex.parse("0x8000000000000008")).isEqualTo(0x8000_0000_0000_0008L);
        assertThat(Hex.of(0x8000_0000_0000_0008L)).isEqualTo("0x8000000000000008");
        assertThatThrownBy(() -> Hex.parse("0xZZ")).hasMessageContaining("'0xZZ'");
    }
}
