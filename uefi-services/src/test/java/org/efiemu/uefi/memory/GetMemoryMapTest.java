package org.efiemu.uefi.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.efiemu.uefi.spec.AllocateType.*;
import static org.efiemu.uefi.spec.MemoryType.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.efiemu.uefi.spec.EfiException;
import org.efiemu.uefi.spec.EfiStatus;
import org.efiemu.uefi.spec.MemoryAttribute;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.junit.jupiter.api.Test;

/** GetMemoryMap and ExitBootServices as EDK2 reports them (reference §2, §3). */
class GetMemoryMapTest {
    private static final AllocationTag APP = AllocationTag.application(0x1234);
    private final MemoryMap map = OvmfMaps.q35Map();

    @Test
    void ramEntriesComeAscendingAndGcdEntriesAreAppendedAfterHighRam() {
        MemoryMap m = MemoryMap.builder(OvmfMaps.q35WithHighRam()).placement(OvmfMaps.PLACEMENT).build();
        List<MemoryDescriptor> ds = m.getMemoryMap().descriptors();
        assertThat(ds.get(ds.size() - 3).physicalStart()).isEqualTo(0x100000000L);
        assertThat(ds.get(ds.size() - 2)).isEqualTo(new MemoryDescriptor(0, 0xB0000000L, 0, 0x10000, MemoryAttribute.UC));
        assertThat(ds.get(ds.size() - 1)).isEqualTo(new MemoryDescriptor(EfiMemoryMappedIO.value(), 0xFFC00000L, 0, 0x400,
                MemoryAttribute.RUNTIME | MemoryAttribute.UC));
    }

    @Test
    void freePagesOfSpecialBinsAreReportedAsSolidBlocksOfTheBinType() {
        List<MemoryDescriptor> ds = map.getMemoryMap().descriptors();
        assertThat(ds).contains(new MemoryDescriptor(EfiRuntimeServicesData.value(), 0xF4EC000, 0, 0x100, OvmfMaps.RT),
                new MemoryDescriptor(EfiRuntimeServicesCode.value(), 0xF5EC000, 0, 0x100, OvmfMaps.RT),
                new MemoryDescriptor(EfiReservedMemoryType.value(), 0xF6EC000, 0, 0x80, OvmfMaps.RAM),
                new MemoryDescriptor(EfiACPIReclaimMemory.value(), 0xF76C000, 0, 0x12, OvmfMaps.RAM),
                new MemoryDescriptor(EfiACPIMemoryNVS.value(), 0xF77E000, 0, 0x80, OvmfMaps.RAM));
    }

    @Test
    void runtimeTypesCarryTheRuntimeAttributeAndRamAttributesRoundTrip() {
        List<MemoryDescriptor> ds = map.getMemoryMap().descriptors();
        assertThat(ds).contains(OvmfMaps.d(EfiRuntimeServicesData, 0xFEF4000, 0xFF78000));
        long at = map.allocatePages(AllocateAnyPages, EfiRuntimeServicesCode.value(), 0x200, 0, APP);
        MemoryDescriptor d = map.getMemoryMap().descriptors().stream().filter(x -> x.physicalStart() == at).findFirst().orElseThrow();
        assertThat(d.attribute()).isEqualTo(OvmfMaps.RT);
    }

    @Test
    void adjacentAllocationsOfTheSameTypeAreMergedIntoOneDescriptor() {
        int before = map.getMemoryMap().descriptors().size();
        long a = map.allocatePages(AllocateAnyPages, EfiLoaderData.value(), 1, 0, APP);
        long b = map.allocatePages(AllocateAnyPages, EfiLoaderData.value(), 1, 0, APP);
        assertThat(b).isEqualTo(a - 0x1000);
        List<MemoryDescriptor> ds = map.getMemoryMap().descriptors();
        assertThat(ds).hasSize(before + 1).contains(OvmfMaps.d(EfiLoaderData, b, a + 0x1000));
    }

    @Test
    void requiredSizeIsDescriptorSizeTimesInternalPlusGcdEntriesAndBoundsTheActualSize() {
        MemoryMapSnapshot s = map.getMemoryMap();
        assertThat(s.requiredSize()).isEqualTo(48L * (map.internalEntryCount() + 2));
        assertThat(s.actualSize()).isEqualTo(48L * s.descriptors().size()).isLessThan(s.requiredSize());
        assertThat(s.descriptorSize()).isEqualTo(48);
        assertThat(s.descriptorVersion()).isEqualTo(1);
    }

    @Test
    void bufferTooSmallAfterTheCallersOwnPoolAllocationGrewTheMap() {
        MemoryMapSnapshot first = map.getMemoryMap();
        assertThat(first.statusFor(0, true)).isEqualTo(EfiStatus.BUFFER_TOO_SMALL);
        assertThat(first.statusFor(8, false)).isEqualTo(EfiStatus.BUFFER_TOO_SMALL);
        assertThat(first.statusFor(first.requiredSize(), true)).isEqualTo(EfiStatus.INVALID_PARAMETER);
        PoolAllocator pool = new PoolAllocator(map, new SparsePoolMemory());
        pool.allocatePool(EfiLoaderData.value(), first.requiredSize(), APP);
        MemoryMapSnapshot second = map.getMemoryMap();
        assertThat(second.requiredSize()).isEqualTo(first.requiredSize() + 48);
        assertThat(second.statusFor(first.requiredSize(), false)).isEqualTo(EfiStatus.BUFFER_TOO_SMALL);
        assertThat(second.statusFor(first.requiredSize() + 8 * 48, false)).isEqualTo(EfiStatus.SUCCESS);
    }

    @Test
    void mapKeyIsStableWithoutChangesAndMovesOnEveryChangeOnly() {
        MemoryMap m = MemoryMap.builder(OvmfMaps.q35()).placement(OvmfMaps.PLACEMENT).initialMapKey(0x9AA).build();
        assertThat(m.getMemoryMap().mapKey()).isEqualTo(0x9AA).isEqualTo(m.getMemoryMap().mapKey());
        PoolAllocator pool = new PoolAllocator(m, new SparsePoolMemory());
        pool.allocatePool(EfiBootServicesData.value(), 16, APP);
        assertThat(m.mapKey()).isEqualTo(0x9AB);
        pool.allocatePool(EfiBootServicesData.value(), 16, APP);
        assertThat(m.mapKey()).as("served from the pool page already taken").isEqualTo(0x9AB);
        try {
            m.freePages(0x200000, 1);
        } catch (EfiException expected) {
            // already free
        }
        assertThat(m.mapKey()).isEqualTo(0x9AB);
    }

    @Test
    void serializerWritesTheEdk2LayoutAtDescriptorSizeStride() {
        MemoryMapSnapshot s = map.getMemoryMap();
        byte[] bytes = s.toBytes();
        assertThat(bytes).hasSize((int) s.actualSize());
        ByteBuffer bb = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        MemoryDescriptor second = s.descriptors().get(1);
        assertThat(bb.getInt(48)).isEqualTo(second.type());
        assertThat(bb.getInt(52)).isZero();
        assertThat(bb.getLong(48 + 8)).isEqualTo(second.physicalStart());
        assertThat(bb.getLong(48 + 16)).isZero();
        assertThat(bb.getLong(48 + 24)).isEqualTo(second.numberOfPages());
        assertThat(bb.getLong(48 + 32)).isEqualTo(second.attribute());
        assertThat(bb.getLong(48 + 40)).isZero();
        assertThat(MemoryMapSnapshot.parse(bytes, 0, bytes.length, 48)).isEqualTo(s.descriptors());
    }

    @Test
    void descriptorSizeOf40IsPackedWithoutPadding() {
        MemoryMap m = MemoryMap.builder(OvmfMaps.q35()).descriptorSize(40).build();
        MemoryMapSnapshot s = m.getMemoryMap();
        assertThat(MemoryMapSnapshot.parse(s.toBytes(), 0, s.actualSize(), 40)).isEqualTo(s.descriptors());
        assertThatThrownBy(() -> MemoryMap.builder(OvmfMaps.q35()).descriptorSize(44)).hasMessageContaining("descriptorSize 44");
    }

    @Test
    void exitBootServicesWithAStaleKeyReturnsInvalidParameterAndChangesNothing() {
        long key = map.mapKey();
        MemoryMapSnapshot before = map.getMemoryMap();
        assertThatThrownBy(() -> map.exitBootServices(key + 1))
                .isInstanceOfSatisfying(EfiException.class, e -> assertThat(e.status()).isEqualTo(EfiStatus.INVALID_PARAMETER))
                .hasMessageContaining("ExitBootServices(MapKey=0x" + Long.toHexString(key + 1).toUpperCase());
        assertThat(map.isTerminated()).isFalse();
        assertThat(map.getMemoryMap()).isEqualTo(before);
    }

    @Test
    void exitBootServicesRetryWithTheFreshKeySucceedsAndYieldsTheFinalMap() {
        MemoryMapSnapshot first = map.getMemoryMap();
        map.allocatePages(AllocateAnyPages, EfiLoaderData.value(), 1, 0, APP); // e.g. a Print in between
        assertThatThrownBy(() -> map.exitBootServices(first.mapKey())).isInstanceOf(EfiException.class);
        MemoryMapSnapshot second = map.getMemoryMap();
        MemoryMapSnapshot fin = map.exitBootServices(second.mapKey());
        assertThat(fin).isEqualTo(second);
        assertThat(map.isTerminated()).isTrue();
        assertThatThrownBy(() -> map.allocatePages(AllocateAnyPages, EfiLoaderData.value(), 1, 0, APP))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("after ExitBootServices");
    }
}
