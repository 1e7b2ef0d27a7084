package org.efiemu.uefi.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.efiemu.uefi.spec.AllocateType.*;
import static org.efiemu.uefi.spec.MemoryType.*;

import java.util.List;
import org.efiemu.uefi.spec.EfiException;
import org.efiemu.uefi.spec.EfiStatus;
import org.efiemu.uefi.spec.MemoryAttribute;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** AllocatePages check order, statuses and placement (reference §1.2, §1.3 measured on OVMF 2022.11 q35). */
class AllocatePagesTest {
    private static final AllocationTag APP = AllocationTag.application(0x6E2B000);
    private static final int LOADER_DATA = EfiLoaderData.value();

    private final MemoryMap map = OvmfMaps.q35Map();

    private EfiStatus statusOf(Runnable r) {
        try {
            r.run();
            return EfiStatus.SUCCESS;
        } catch (EfiException e) {
            return e.status();
        }
    }

    @Test
    void allocateTypeThreeOrAboveReturnsInvalidParameterBeforeAnyOtherCheck() {
        assertThatThrownBy(() -> map.allocatePages(3, LOADER_DATA, 1, 0x2234, APP))
                .isInstanceOfSatisfying(EfiException.class, e -> assertThat(e.status()).isEqualTo(EfiStatus.INVALID_PARAMETER))
                .hasMessageStartingWith("AllocatePages(0x3, EfiLoaderData, 1, 0x2234) = EFI_INVALID_PARAMETER");
    }

    @ParameterizedTest
    @ValueSource(ints = {7, 0xE, 0xF, 0x10, 0x6FFFFFFF})
    void conventionalPersistentUnacceptedAndReservedRangeTypesReturnInvalidParameter(int type) {
        long key = map.mapKey();
        assertThat(statusOf(() -> map.allocatePages(AllocateAnyPages, type, 1, 0, APP))).isEqualTo(EfiStatus.INVALID_PARAMETER);
        assertThat(map.mapKey()).isEqualTo(key);
    }

    @ParameterizedTest
    @ValueSource(ints = {8, 0xB, 0x70000000, 0x80000000, 0xFFFFFFFF})
    void unusableMmioOemAndOsTypesAreAcceptedAndReportedVerbatim(int type) {
        long at = map.allocatePages(AllocateMaxAddress, type, 1, 0x100000, APP);
        assertThat(at).isEqualTo(0x9F000);
        MemoryDescriptor d = descriptorAt(at);
        assertThat(d.type()).isEqualTo(type);
        assertThat(d.attribute()).isEqualTo(MemoryAttribute.RAM_DEFAULT);
    }

    @Test
    void allocateAddressUnalignedReturnsNotFound() {
        assertThat(statusOf(() -> map.allocatePages(AllocateAddress, LOADER_DATA, 1, 0x2234, APP))).isEqualTo(EfiStatus.NOT_FOUND);
    }

    @Test
    void allocateAddressWithZeroPagesReturnsNotFound() {
        assertThat(statusOf(() -> map.allocatePages(AllocateAddress, LOADER_DATA, 0, 0x2000, APP))).isEqualTo(EfiStatus.NOT_FOUND);
    }

    @Test
    void allocateAddressOverInUsePagesReturnsNotFound() {
        assertThat(statusOf(() -> map.allocatePages(AllocateAddress, LOADER_DATA, 1, 0, APP))).isEqualTo(EfiStatus.NOT_FOUND);
        map.allocatePages(AllocateAddress, LOADER_DATA, 2, 0x2000, APP);
        assertThat(statusOf(() -> map.allocatePages(AllocateAddress, LOADER_DATA, 1, 0x3000, APP))).isEqualTo(EfiStatus.NOT_FOUND);
    }

    @ParameterizedTest
    @ValueSource(longs = {0xA0000, 0x200000000L, 0xB0000000L})
    void allocateAddressWhereNoRamIsReturnsNotFound(long address) {
        assertThat(statusOf(() -> map.allocatePages(AllocateAddress, LOADER_DATA, 1, address, APP))).isEqualTo(EfiStatus.NOT_FOUND);
    }

    @Test
    void allocateAddressThatWrapsReturnsNotFound() {
        assertThat(statusOf(() -> map.allocatePages(AllocateAddress, LOADER_DATA, 2, 0xFFFFFFFFFFFFF000L, APP))).isEqualTo(EfiStatus.NOT_FOUND);
        assertThat(statusOf(() -> map.allocatePages(AllocateAddress, LOADER_DATA, 0x10000000000000L, 0x1000, APP))).isEqualTo(EfiStatus.NOT_FOUND);
    }

    @Test
    void allocateAddressRunningPastTheEndOfAFreeRangeReturnsNotFound() {
        assertThat(statusOf(() -> map.allocatePages(AllocateAddress, LOADER_DATA, 2, 0x9F000, APP))).isEqualTo(EfiStatus.NOT_FOUND);
    }

    @Test
    void allocateAddressSpanningTwoFreeEntriesWithDifferentAttributesReturnsNotFound() {
        MemoryMap m = MemoryMap.builder(List.of(OvmfMaps.d(EfiConventionalMemory, 0x1000, 0x10000, 0xF),
                OvmfMaps.d(EfiConventionalMemory, 0x10000, 0x20000, 0xF | MemoryAttribute.MORE_RELIABLE))).build();
        assertThat(statusOf(() -> m.allocatePages(AllocateAddress, LOADER_DATA, 2, 0xF000, APP))).isEqualTo(EfiStatus.NOT_FOUND);
        assertThat(m.allocatePages(AllocateAddress, LOADER_DATA, 1, 0xF000, APP)).isEqualTo(0xF000);
    }

    @Test
    void allocateAddressIntoAnotherTypesSpecialBinReturnsNotFoundButItsOwnTypeSucceeds() {
        assertThat(statusOf(() -> map.allocatePages(AllocateAddress, LOADER_DATA, 1, 0xF500000, APP))).isEqualTo(EfiStatus.NOT_FOUND);
        // the range ends in the RT_Data bin
        assertThat(statusOf(() -> map.allocatePages(AllocateAddress, LOADER_DATA, 2, 0xF4EB000, APP))).isEqualTo(EfiStatus.NOT_FOUND);
        assertThat(map.allocatePages(AllocateAddress, EfiRuntimeServicesData.value(), 1, 0xF500000, APP)).isEqualTo(0xF500000);
    }

    @Test
    void allocateAddressOfPageZeroIsAllowedBy202211AndRefusedFrom202508() {
        List<MemoryDescriptor> low = List.of(OvmfMaps.d(EfiConventionalMemory, 0, 0xA0000));
        assertThat(MemoryMap.builder(low).build().allocatePages(AllocateAddress, LOADER_DATA, 1, 0, APP)).isZero();
        MemoryMap newer = MemoryMap.builder(low).refuseAllocateAddressZero(true).build();
        assertThat(statusOf(() -> newer.allocatePages(AllocateAddress, LOADER_DATA, 1, 0, APP))).isEqualTo(EfiStatus.NOT_FOUND);
    }

    @Test
    void searchesWithZeroPagesReturnOutOfResources() {
        assertThat(statusOf(() -> map.allocatePages(AllocateAnyPages, LOADER_DATA, 0, 0, APP))).isEqualTo(EfiStatus.OUT_OF_RESOURCES);
        assertThat(statusOf(() -> map.allocatePages(AllocateMaxAddress, LOADER_DATA, 0, 0x100000, APP))).isEqualTo(EfiStatus.OUT_OF_RESOURCES);
    }

    @Test
    void searchesThatFindNothingReturnOutOfResourcesAndChangeNothing() {
        MemoryMapSnapshot before = map.getMemoryMap();
        assertThat(statusOf(() -> map.allocatePages(AllocateAnyPages, LOADER_DATA, 0x1000000, 0, APP))).isEqualTo(EfiStatus.OUT_OF_RESOURCES);
        assertThat(statusOf(() -> map.allocatePages(AllocateAnyPages, LOADER_DATA, -1L, 0, APP))).isEqualTo(EfiStatus.OUT_OF_RESOURCES);
        assertThat(map.getMemoryMap()).isEqualTo(before);
    }

    @Test
    void maxAddressSequenceMatchesOvmfMeasurements() {
        assertThat(map.allocatePages(AllocateMaxAddress, LOADER_DATA, 1, 0x100000, APP)).isEqualTo(0x9F000);
        assertThat(map.allocatePages(AllocateMaxAddress, LOADER_DATA, 1, 0x100000, APP)).isEqualTo(0x9E000);
        assertThat(map.allocatePages(AllocateMaxAddress, LOADER_DATA, 1, 0xFFFFF, APP)).isEqualTo(0x9D000);
        assertThat(map.allocatePages(AllocateMaxAddress, LOADER_DATA, 1, 0x100FFF, APP)).isEqualTo(0x100000);
        assertThat(map.allocatePages(AllocateMaxAddress, LOADER_DATA, 1, 0x100800, APP)).isEqualTo(0x9C000);
        assertThat(map.allocatePages(AllocateMaxAddress, LOADER_DATA, 1, 0x1000000, APP)).isEqualTo(0x80F000);
        assertThat(statusOf(() -> map.allocatePages(AllocateMaxAddress, LOADER_DATA, 1, 0, APP))).isEqualTo(EfiStatus.OUT_OF_RESOURCES);
        assertThat(statusOf(() -> map.allocatePages(AllocateMaxAddress, LOADER_DATA, 1, 0xFFF, APP))).isEqualTo(EfiStatus.OUT_OF_RESOURCES);
    }

    @Test
    void maxAddress0x1FFFReturnsPageOneAndASearchNeverReturnsAddressZero() {
        MemoryMap m = MemoryMap.builder(List.of(OvmfMaps.d(EfiConventionalMemory, 0, 0xA0000))).build();
        assertThat(m.allocatePages(AllocateMaxAddress, LOADER_DATA, 1, 0x1FFF, APP)).isEqualTo(0x1000);
        assertThat(statusOf(() -> m.allocatePages(AllocateMaxAddress, LOADER_DATA, 1, 0xFFF, APP))).isEqualTo(EfiStatus.OUT_OF_RESOURCES);
        assertThat(m.ownerOf(0).kind()).isEqualTo(PageOwner.Kind.FREE);
    }

    @Test
    void xenTrampolineOf16PagesBelowOneMegabyteLandsAtTheTopOfLowMemory() {
        assertThat(map.allocatePages(AllocateMaxAddress, LOADER_DATA, 16, 0x100000, APP)).isEqualTo(0x90000);
    }

    @Test
    void anyPagesTakesTheTopOfTheDefaultRegionAndMaxAddressAllOnesIsTheSame() {
        assertThat(map.allocatePages(AllocateAnyPages, LOADER_DATA, 1, 0, APP)).isEqualTo(0xDFFF000);
        assertThat(map.allocatePages(AllocateMaxAddress, LOADER_DATA, 1, -1L, APP)).isEqualTo(0xDFFE000);
        assertThat(map.allocatePages(AllocateMaxAddress, LOADER_DATA, 1, 0xFFFFFFFFL, APP)).isEqualTo(0xDFFD000);
    }

    @Test
    void defaultRegionIsSearchedBeforeRamAboveFourGigabytes() {
        MemoryMap m = MemoryMap.builder(OvmfMaps.q35WithHighRam()).placement(OvmfMaps.PLACEMENT).build();
        assertThat(m.allocatePages(AllocateAnyPages, LOADER_DATA, 16, 0, APP)).isEqualTo(0xDFF0000);
        // too big for anything below the bins: "anywhere" finds the high RAM
        assertThat(m.allocatePages(AllocateAnyPages, LOADER_DATA, 0x40000, 0, APP)).isEqualTo(0x180000000L - 0x40000000L);
    }

    @Test
    void binTypesAreServedFromTheirBinAndFallBackToTheDefaultRegionWhenTooBig() {
        int rtData = EfiRuntimeServicesData.value();
        assertThat(map.allocatePages(AllocateAnyPages, rtData, 1, 0, APP)).isEqualTo(0xF5BF000);
        assertThat(map.allocatePages(AllocateAnyPages, EfiRuntimeServicesCode.value(), 1, 0, APP)).isEqualTo(0xF6AB000);
        assertThat(map.allocatePages(AllocateAnyPages, EfiACPIMemoryNVS.value(), 1, 0, APP)).isEqualTo(0xF7F5000);
        assertThat(map.allocatePages(AllocateAnyPages, EfiACPIReclaimMemory.value(), 1, 0, APP)).isEqualTo(0xF77B000);
        assertThat(map.allocatePages(AllocateAnyPages, EfiReservedMemoryType.value(), 1, 0, APP)).isEqualTo(0xF75B000);
        assertThat(map.allocatePages(AllocateAnyPages, rtData, 0x200, 0, APP)).isEqualTo(0xE000000 - 0x200000);
    }

    @Test
    void oemTypesSkipTheBinStep() {
        assertThat(map.allocatePages(AllocateAnyPages, 0x80000001, 1, 0, APP)).isEqualTo(0xDFFF000);
    }

    @Test
    void whenTheDefaultRegionIsTooSmallTheAnywhereStepTakesFreeBinSpaceOfAnotherType() {
        // step 3 of FindFreePages sees free bin space as plain EfiConventionalMemory
        MemoryMap m = MemoryMap.builder(List.of(OvmfMaps.d(EfiConventionalMemory, 0x100000, 0x300000)))
                .placement(new org.efiemu.uefi.spec.PlacementSpec("edk2-topdown",
                        java.util.Map.of("bins", "EfiRuntimeServicesData@0x200000+0x100")))
                .build();
        assertThat(m.allocatePages(AllocateAnyPages, LOADER_DATA, 0x80, 0, APP)).isEqualTo(0x180000);
        assertThat(m.allocatePages(AllocateAnyPages, LOADER_DATA, 0x81, 0, APP)).isEqualTo(0x300000 - 0x81000);
    }

    @Test
    void successfulAllocationMovesMapKeyOnceAndRecordsTheApplicationAsOwner() {
        long key = map.mapKey();
        long at = map.allocatePages(AllocateMaxAddress, LOADER_DATA, 4, 0x9FFFF, APP.withLabel("trampoline"));
        assertThat(map.mapKey()).isEqualTo(key + 1);
        PageOwner owner = map.ownerOf(at + 0x3000);
        assertThat(owner.kind()).isEqualTo(PageOwner.Kind.APPLICATION);
        assertThat(owner.allocation().tag().label()).isEqualTo("trampoline");
        assertThat(owner.allocation().tag().callerRip()).isEqualTo(0x6E2B000);
        assertThat(owner.allocation().service()).isEqualTo(AllocationService.AllocatePages);
    }

    private MemoryDescriptor descriptorAt(long address) {
        return map.getMemoryMap().descriptors().stream()
                .filter(d -> d.physicalStart() <= address && address < d.end()).findFirst().orElseThrow();
    }
}
