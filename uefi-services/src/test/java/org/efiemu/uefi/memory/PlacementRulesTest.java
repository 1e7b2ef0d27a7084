package org.efiemu.uefi.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.efiemu.uefi.spec.AllocateType.*;
import static org.efiemu.uefi.spec.MemoryType.*;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.efiemu.uefi.spec.PlacementSpec;
import org.junit.jupiter.api.Test;

/** The placement rules and their parameters. */
class PlacementRulesTest {
    private static final AllocationTag APP = AllocationTag.application(1);

    private static PlacementSpec spec(String name, String... kv) {
        Map<String, String> p = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            p.put(kv[i], kv[i + 1]);
        }
        return new PlacementSpec(name, p);
    }

    @Test
    void edk2TopDownDefaultMaxIsTheLowestBinMinusOne() {
        PlacementRule r = PlacementRules.create(OvmfMaps.PLACEMENT);
        assertThat(r.defaultMaximumAddress()).isEqualTo(0xF4EBFFF);
        assertThat(r.bins()).first().hasToString("EfiRuntimeServicesData@0xF4EC000+0x100");
        assertThat(PlacementRules.create(PlacementSpec.EDK2_TOPDOWN).defaultMaximumAddress()).isEqualTo(Long.MAX_VALUE);
        assertThat(PlacementRules.create(spec("edk2-topdown", "default-max", "0x7F4EBFFF")).defaultMaximumAddress()).isEqualTo(0x7F4EBFFF);
    }

    @Test
    void explicitDefaultMaxConfinesAnyPagesBelowItFirst() {
        MemoryMap m = MemoryMap.builder(OvmfMaps.q35()).placement(spec("edk2-topdown", "default-max", "0x1FFFFFF")).build();
        assertThat(m.allocatePages(AllocateAnyPages, EfiLoaderData.value(), 1, 0, APP)).isEqualTo(0x1FFF000);
    }

    @Test
    void bottomUpTakesTheLowestFreeRangeAtItsBottomButNeverPageZero() {
        MemoryMap m = MemoryMap.builder(List.of(OvmfMaps.d(EfiConventionalMemory, 0, 0xA0000),
                OvmfMaps.d(EfiConventionalMemory, 0x100000, 0x1000000))).placement(spec("bottom-up")).build();
        assertThat(m.allocatePages(AllocateAnyPages, EfiLoaderData.value(), 1, 0, APP)).isEqualTo(0x1000);
        assertThat(m.allocatePages(AllocateAnyPages, EfiLoaderData.value(), 0x100, 0, APP)).isEqualTo(0x100000);
        assertThat(m.allocatePages(AllocateMaxAddress, EfiLoaderData.value(), 1, 0x100000, APP)).isEqualTo(0x2000);
    }

    @Test
    void lowFirstHandsOutMemoryBelowOneMegabyteToAnyRequestFirst() {
        MemoryMap m = MemoryMap.builder(OvmfMaps.q35()).placement(spec("low-first", "bins", OvmfMaps.PLACEMENT.param("bins", ""))).build();
        assertThat(m.allocatePages(AllocateAnyPages, EfiBootServicesData.value(), 0x90, 0, APP)).isEqualTo(0x10000);
        assertThat(m.allocatePages(AllocateAnyPages, EfiBootServicesData.value(), 0xF, 0, APP)).isEqualTo(0x1000);
        // below 1 MiB is full: the next request behaves as edk2-topdown
        assertThat(m.allocatePages(AllocateAnyPages, EfiBootServicesData.value(), 1, 0, APP)).isEqualTo(0xDFFF000);
        assertThatThrownBy(() -> m.allocatePages(AllocateMaxAddress, EfiLoaderData.value(), 16, 0x100000, APP))
                .hasMessageContaining("EFI_OUT_OF_RESOURCES");
    }

    @Test
    void lowFirstLimitIsAParameter() {
        MemoryMap m = MemoryMap.builder(OvmfMaps.q35()).placement(spec("low-first", "low-limit", "0x7FFFF")).build();
        assertThat(m.allocatePages(AllocateAnyPages, EfiBootServicesData.value(), 1, 0, APP)).isEqualTo(0x7F000);
    }

    @Test
    void unknownRuleNameIsRejectedNamingTheKnownRules() {
        assertThatThrownBy(() -> PlacementRules.create(spec("ami-2gib")))
                .hasMessage("placement 'ami-2gib': unknown placement rule 'ami-2gib', expected one of edk2-topdown, bottom-up, low-first");
    }

    @Test
    void unknownParameterIsRejectedNamingTheExpectedOnes() {
        assertThatThrownBy(() -> PlacementRules.create(spec("bottom-up", "low-limit", "0xFFFFF")))
                .hasMessageContaining("unknown parameter 'low-limit' for rule bottom-up, expected [bins, default-max, map-entries-free, mat-entries, mat-extra, mat-table]");
    }

    @Test
    void badNumbersAndBadBinsAreRejectedNamingTheParameter() {
        assertThatThrownBy(() -> PlacementRules.create(spec("edk2-topdown", "default-max", "0xZZ")))
                .hasMessageContaining("parameter 'default-max' value '0xZZ': expected an inclusive address");
        assertThatThrownBy(() -> PlacementRules.create(spec("edk2-topdown", "bins", "EfiACPIMemoryNVS:0x80")))
                .hasMessageContaining("parameter 'bins' item 'EfiACPIMemoryNVS:0x80': expected Type@base+pages");
        assertThatThrownBy(() -> PlacementRules.create(spec("edk2-topdown", "bins", "EfiFooMemory@0x1000+1")))
                .hasMessageContaining("unknown memory type 'EfiFooMemory'");
        assertThatThrownBy(() -> PlacementRules.create(spec("edk2-topdown", "bins", "EfiACPIMemoryNVS@0x1800+1")))
                .hasMessageContaining("4 KiB aligned");
        assertThatThrownBy(() -> PlacementRules.create(spec("edk2-topdown", "bins",
                "EfiACPIMemoryNVS@0x100000+0x10,EfiRuntimeServicesData@0x108000+0x10")))
                .hasMessageContaining("clashes with");
    }

    @Test
    void binsOutsideRamAreRejectedWhenTheMapIsBuilt() {
        assertThatThrownBy(() -> MemoryMap.builder(OvmfMaps.q35())
                .placement(spec("edk2-topdown", "bins", "EfiACPIMemoryNVS@0x9F000+0x2")).build())
                .hasMessageContaining("EfiACPIMemoryNVS@0x9F000+0x2 is not wholly RAM of the memory map (no RAM at 0xA0000)");
    }
}
