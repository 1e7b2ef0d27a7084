package org.efiemu.platform.builtin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.efiemu.platform.PlatformProfile;
import org.efiemu.platform.ProfileRegistry;
import org.efiemu.platform.inference.BinInference;
import org.efiemu.uefi.memory.AllocationTag;
import org.efiemu.uefi.memory.MemoryMap;
import org.efiemu.uefi.memory.MemoryTypeBin;
import org.efiemu.uefi.spec.AllocateType;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.efiemu.uefi.spec.MemoryType;
import org.junit.jupiter.api.Test;

/**
 * The built-in machines place memory as their firmware does: EDK2 {@code FindFreePages} (type bin, then the default
 * region [0, lowest bin base - 1], then anything), so the Dell and IBM servers allocate below 4 GiB
 * (EDK2 {@code MdeModulePkg/Core/Dxe/Mem/Page.c}: {@code CoreAddMemoryDescriptor}, {@code FindFreePages}).
 */
class BuiltinPlacementTest {

    private static final long FOUR_GIB = 0x1_0000_0000L;
    private static final int LOADER_DATA = MemoryType.EfiLoaderData.value();

    private static MemoryMap mapOf(String name) {
        PlatformProfile p = ProfileRegistry.builtIn(name);
        return MemoryMap.builder(p.memoryMap()).placement(p.placement()).build();
    }

    private static long anyPages(MemoryMap m, int type, long pages) {
        return m.allocatePages(AllocateType.AllocateAnyPages, type, pages, 0, AllocationTag.firmware());
    }

    /** The top page of the highest-ending EfiConventionalMemory descriptor at or below {@code limit}. */
    private static long highestFreePageBelow(PlatformProfile p, long limit) {
        return p.memoryMap().stream().filter(d -> d.type() == 7 && d.last() <= limit)
                .mapToLong(MemoryDescriptor::last).max().orElseThrow() - 0xFFF;
    }

    @Test
    void dellR820BinsAreTheStackAtTheTopOfItsDxeRegionAndDefaultMaxIsBelowThem() {
        for (String name : List.of("dell-poweredge-r820", "dell-poweredge-r820-1.5t")) {
            MemoryMap m = mapOf(name);
            assertThat(m.placement().bins()).as(name).containsExactly(
                    new MemoryTypeBin(MemoryType.EfiRuntimeServicesCode, 0xB86A0000L, 0x100),
                    new MemoryTypeBin(MemoryType.EfiRuntimeServicesData, 0xB87A0000L, 0x100),
                    new MemoryTypeBin(MemoryType.EfiReservedMemoryType, 0xB88A0000L, 0x4),
                    new MemoryTypeBin(MemoryType.EfiACPIMemoryNVS, 0xB88A4000L, 0x100),
                    new MemoryTypeBin(MemoryType.EfiACPIReclaimMemory, 0xB89A4000L, 0x80));
            assertThat(m.placement().defaultMaximumAddress()).as(name).isEqualTo(0xB869FFFFL);
        }
    }

    @Test
    void dellR820AnyPagesTakesTheHighestFreeRangeBelowItsBinsNotTheTopOfRam() {
        for (String name : List.of("dell-poweredge-r820", "dell-poweredge-r820-1.5t")) {
            MemoryMap m = mapOf(name);
            assertThat(anyPages(m, LOADER_DATA, 1)).as(name).isEqualTo(0xB829F000L);
            assertThat(anyPages(m, LOADER_DATA, 0x10)).as(name).isEqualTo(0xB828F000L);
        }
    }

    @Test
    void aBinTypeWhoseBinHasNoKnownFreePagesFallsBackToTheDefaultRegion() {
        MemoryMap m = mapOf("dell-poweredge-r820");
        assertThat(anyPages(m, MemoryType.EfiRuntimeServicesData.value(), 1)).isEqualTo(0xB829F000L);
        assertThat(anyPages(m, MemoryType.EfiACPIMemoryNVS.value(), 1)).isEqualTo(0xB829E000L);
    }

    @Test
    void dellR820ReachesRamAbove4GiBOnlyForARequestNothingBelowTheBinsCanHold() {
        MemoryMap m = mapOf("dell-poweredge-r820-1.5t");
        long largestBelow = ProfileRegistry.builtIn("dell-poweredge-r820-1.5t").memoryMap().stream()
                .filter(d -> d.type() == 7 && d.end() <= FOUR_GIB).mapToLong(MemoryDescriptor::numberOfPages).max()
                .orElseThrow();
        assertThat(anyPages(m, LOADER_DATA, largestBelow)).isLessThan(FOUR_GIB);
        assertThat(anyPages(m, LOADER_DATA, largestBelow + 1)).isEqualTo(0x18040000000L - (largestBelow + 1) * 4096);
    }

    @Test
    void ibmX3550M2BinsSitUnderAcpiDataAtTheTopOfLowRamAndAnyPagesStaysBelowThem() {
        PlatformProfile p = ProfileRegistry.builtIn("ibm-system-x3550-m2");
        MemoryMap m = mapOf("ibm-system-x3550-m2");
        assertThat(m.placement().bins()).containsExactly(
                new MemoryTypeBin(MemoryType.EfiRuntimeServicesCode, 0x7F63F000L, 0x50),
                new MemoryTypeBin(MemoryType.EfiRuntimeServicesData, 0x7F68F000L, 0x50),
                new MemoryTypeBin(MemoryType.EfiACPIMemoryNVS, 0x7F6DF000L, 0x100),
                new MemoryTypeBin(MemoryType.EfiACPIReclaimMemory, 0x7F7DF000L, 0x20));
        assertThat(m.placement().defaultMaximumAddress()).isEqualTo(0x7F63EFFFL);
        long first = anyPages(m, LOADER_DATA, 1);
        assertThat(first).isEqualTo(highestFreePageBelow(p, 0x7F63EFFFL)).isLessThan(FOUR_GIB);
    }

    @Test
    void lowallocFirmwareServesBelow1MiBFirstThenPlacesLikeTheCapturedOvmf() {
        MemoryMap low = mapOf("lowalloc-firmware");
        MemoryMap ovmf = mapOf("ovmf-q35-2g");
        assertThat(low.placement().bins()).isEqualTo(ovmf.placement().bins());
        assertThat(anyPages(low, LOADER_DATA, 1)).isEqualTo(0x9F000L);
        assertThat(anyPages(low, MemoryType.EfiRuntimeServicesData.value(), 1)).isEqualTo(0x9E000L);
        assertThat(anyPages(low, LOADER_DATA, 0x9D)).isEqualTo(0x1000L); // the rest of 0x1000-0x9FFFF
        assertThat(anyPages(low, LOADER_DATA, 0x10)).isEqualTo(anyPages(ovmf, LOADER_DATA, 0x10));
        assertThat(anyPages(low, MemoryType.EfiRuntimeServicesData.value(), 1))
                .isEqualTo(anyPages(ovmf, MemoryType.EfiRuntimeServicesData.value(), 1)).isEqualTo(0x7F51B000L);
    }

    @Test
    void binStackIsReadDownFromItsTopUntilATypeRepeats() {
        List<MemoryDescriptor> map = List.of(
                new MemoryDescriptor(7, 0x100000, 0x100, 0xF),
                new MemoryDescriptor(5, 0x200000, 0x10, 0x800000000000000FL),
                new MemoryDescriptor(6, 0x210000, 0x20, 0x800000000000000FL),
                new MemoryDescriptor(5, 0x230000, 0x30, 0x800000000000000FL),
                new MemoryDescriptor(10, 0x260000, 0x40, 0xF),
                new MemoryDescriptor(9, 0x2A0000, 0x8, 0xF),
                new MemoryDescriptor(4, 0x2A8000, 0x8, 0xF));
        assertThat(BinInference.binStack(map, "m")).containsExactly(map.get(2), map.get(3), map.get(4), map.get(5));
        assertThat(BinInference.placement(BinInference.binStack(map, "m")).toString()).isEqualTo("edk2-topdown"
                + " bins=EfiRuntimeServicesData@0x210000+0x20,EfiRuntimeServicesCode@0x230000+0x30,"
                + "EfiACPIMemoryNVS@0x260000+0x40,EfiACPIReclaimMemory@0x2A0000+0x8 default-max=0x20FFFF");
    }

    @Test
    void runsShorterThanThreeOrNotWriteBackOrAbove4GiBAreNotABinStack() {
        List<MemoryDescriptor> map = List.of(
                new MemoryDescriptor(10, 0x100000, 0x10, 0xF),
                new MemoryDescriptor(9, 0x110000, 0x10, 0xF),
                new MemoryDescriptor(0, 0x200000, 0x10, 0x1),
                new MemoryDescriptor(9, 0x210000, 0x10, 0x1),
                new MemoryDescriptor(0, 0x220000, 0x10, 0x1),
                new MemoryDescriptor(5, 0x100000000L, 0x10, 0x800000000000000FL),
                new MemoryDescriptor(6, 0x100010000L, 0x10, 0x800000000000000FL),
                new MemoryDescriptor(10, 0x100020000L, 0x10, 0xF));
        assertThatThrownBy(() -> BinInference.binStack(map, "m.profile")).isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("m.profile: no run of 3 or more");
    }
}
