package org.efiemu.uefi.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.efiemu.uefi.spec.MemoryType.*;

import java.util.List;
import org.efiemu.uefi.spec.MemoryAttribute;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.junit.jupiter.api.Test;

/** Building the model from a captured map. */
class MemoryMapBuilderTest {

    @Test
    void reservedWithoutWriteBackIsGcdSpaceAndReservedWithWriteBackIsRam() {
        MemoryMap m = MemoryMap.builder(List.of(
                OvmfMaps.d(EfiReservedMemoryType, 0xC88C0000L, 0xC88C4000L, 0xF),
                OvmfMaps.d(EfiReservedMemoryType, 0xE0000000L, 0xF0000000L, MemoryAttribute.UC))).build();
        assertThat(m.ownerOf(0xC88C0000L)).isEqualTo(PageOwner.PLATFORM_FIRMWARE);
        assertThat(m.ownerOf(0xE0000000L)).isEqualTo(PageOwner.NOT_RAM);
        assertThat(m.internalEntryCount()).isEqualTo(1);
    }

    @Test
    void theCapturedMapRoundTripsThroughGetMemoryMap() {
        MemoryMap m = MemoryMap.builder(OvmfMaps.q35WithHighRam()).build();
        List<MemoryDescriptor> in = OvmfMaps.q35WithHighRam();
        assertThat(m.getMemoryMap().descriptors()).containsExactlyInAnyOrderElementsOf(in);
    }

    @Test
    void overlappingDescriptorsAreRejectedNamingBoth() {
        assertThatThrownBy(() -> MemoryMap.builder(List.of(OvmfMaps.d(EfiConventionalMemory, 0x1000, 0x10000),
                OvmfMaps.d(EfiBootServicesData, 0x8000, 0x20000))).build())
                .hasMessageContaining("memory map descriptor #1").hasMessageContaining("overlaps").hasMessageContaining("EfiConventionalMemory 0x1000-0xFFFF");
    }

    @Test
    void unalignedOrEmptyDescriptorsAreRejectedNamingTheDescriptor() {
        assertThatThrownBy(() -> MemoryMap.builder(List.of(new MemoryDescriptor(7, 0x1800, 1, 0xF))).build())
                .hasMessageContaining("memory map descriptor #0").hasMessageContaining("4 KiB aligned");
        assertThatThrownBy(() -> MemoryMap.builder(List.of(new MemoryDescriptor(7, 0x1000, 0, 0xF))).build())
                .hasMessageContaining("NumberOfPages must be more than 0");
    }

    @Test
    void aLargeMapWithThousandsOfDescriptorsAndOnePointFiveTebibytesWorks() {
        List<MemoryDescriptor> big = LargeMaps.fragmented(2000, 1536L << 30);
        MemoryMap m = MemoryMap.builder(big).build();
        assertThat(m.ramBytes()).isEqualTo(1536L << 30);
        long free = m.freeBytes();
        long at = m.allocatePages(org.efiemu.uefi.spec.AllocateType.AllocateAnyPages, EfiLoaderData.value(), 1L << 16, 0,
                AllocationTag.application(1));
        assertThat(m.ownerOf(at).kind()).isEqualTo(PageOwner.Kind.APPLICATION);
        assertThat(m.freeBytes()).isEqualTo(free - (1L << 28));
        assertThat(m.getMemoryMap().descriptors().size()).isBetween(2000, 2002);
    }
}
