package org.efiemu.uefi.tables;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.efiemu.uefi.spec.EfiException;
import org.efiemu.uefi.spec.EfiStatus;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.efiemu.uefi.spec.MemoryType;
import org.junit.jupiter.api.Test;

/** The HOB list, the GCD memory space and the small DXE-phase tables, as pure builders and models. */
class FirmwarePhaseTablesTest {
    private static final long WB = 0xF;
    private static final long RT = 0x8000_0000_0000_0000L;
    /** A small OVMF-like map: low RAM, a hole, RAM with firmware pieces, the ECAM window, flash MMIO. */
    private static final List<MemoryDescriptor> MAP = List.of(
            new MemoryDescriptor(MemoryType.EfiBootServicesCode.value(), 0x0, 1, WB),
            new MemoryDescriptor(MemoryType.EfiConventionalMemory.value(), 0x1000, 0x9F, WB),
            new MemoryDescriptor(MemoryType.EfiConventionalMemory.value(), 0x100000, 0x700, WB),
            new MemoryDescriptor(MemoryType.EfiRuntimeServicesData.value(), 0x800000, 0x10, WB | RT),
            new MemoryDescriptor(MemoryType.EfiBootServicesData.value(), 0x810000, 0x7F0, WB),
            new MemoryDescriptor(MemoryType.EfiReservedMemoryType.value(), 0xB0000000L, 0x10000, 0x1),
            new MemoryDescriptor(MemoryType.EfiMemoryMappedIO.value(), 0xFFC00000L, 0x400, 0x8000000000000001L));

    private static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Test
    void hobListStartsWithThePhitDescribesMergedRamAndDeviceWindowsAndEndsWithEndOfHobList() {
        HobList h = HobList.of(MAP);
        assertThat(h.resources()).containsExactly(
                new HobList.Resource(HobList.RESOURCE_SYSTEM_MEMORY, 0x3C07, 0, 0xA0000),
                new HobList.Resource(HobList.RESOURCE_SYSTEM_MEMORY, 0x3C07, 0x100000, 0xF00000),
                new HobList.Resource(HobList.RESOURCE_MEMORY_RESERVED, 0x407, 0xB0000000L, 0x10000000L),
                new HobList.Resource(HobList.RESOURCE_MEMORY_MAPPED_IO, 0x407, 0xFFC00000L, 0x400000));
        long base = 0x7F000000L;
        ByteBuffer b = le(h.build(base));
        assertThat(b.getShort(0)).isEqualTo((short) HobList.TYPE_HANDOFF);
        assertThat(b.getShort(2)).isEqualTo((short) 56);
        assertThat(b.getInt(8)).as("EFI_HOB_HANDOFF_TABLE_VERSION").isEqualTo(9);
        assertThat(b.getInt(12)).as("BOOT_WITH_FULL_CONFIGURATION").isZero();
        assertThat(b.getLong(48)).as("EfiEndOfHobList").isEqualTo(base + h.size() - 8);
        // walk it as a consumer does, counting types
        int at = 0;
        int[] counts = new int[8];
        while (b.getShort(at) != (short) 0xFFFF) {
            counts[b.getShort(at)]++;
            at += b.getShort(at + 2);
        }
        assertThat(at).isEqualTo(h.size() - 8);
        assertThat(counts[HobList.TYPE_HANDOFF]).isEqualTo(1);
        assertThat(counts[HobList.TYPE_CPU]).isEqualTo(1);
        assertThat(counts[HobList.TYPE_RESOURCE_DESCRIPTOR]).isEqualTo(4);
        assertThat(counts[HobList.TYPE_MEMORY_ALLOCATION]).as("BS code, RT data, BS data").isEqualTo(3);
        assertThat(b.get(56 + 8)).as("CPU HOB SizeOfMemorySpace").isEqualTo((byte) 36);
    }

    @Test
    void gcdMapCoversTheAddressSpaceWithoutGapsAndMergesEqualNeighbours() {
        GcdMemorySpace g = GcdMemorySpace.of(MAP, 36);
        List<GcdMemorySpace.Entry> e = g.entries();
        assertThat(e.get(0)).isEqualTo(new GcdMemorySpace.Entry(0, 0xA0000, WB, 0, GcdMemorySpace.SYSTEM_MEMORY));
        assertThat(e.get(1).type()).isEqualTo(GcdMemorySpace.NON_EXISTENT);
        for (int i = 1; i < e.size(); i++) {
            assertThat(e.get(i).base()).isEqualTo(e.get(i - 1).end());
        }
        assertThat(e.get(e.size() - 1).end()).isEqualTo(1L << 36);
        assertThat(g.descriptor(0x800123)).isEqualTo(new GcdMemorySpace.Entry(0x800000, 0x10000, WB, RT,
                GcdMemorySpace.SYSTEM_MEMORY));
        assertThat(g.descriptor(0xB0001000L).type()).isEqualTo(GcdMemorySpace.RESERVED);
        assertThat(g.descriptor(0xFFC00000L).type()).isEqualTo(GcdMemorySpace.MEMORY_MAPPED_IO);
        assertThatThrownBy(() -> g.descriptor(1L << 40)).isInstanceOf(EfiException.class)
                .extracting(x -> ((EfiException) x).status()).isEqualTo(EfiStatus.NOT_FOUND);
    }

    @Test
    void setMemorySpaceAttributesSplitsTheEntryAndRefusesAttributesThatAreNotCapabilities() {
        GcdMemorySpace g = GcdMemorySpace.of(MAP, 36);
        g.setAttributes(0x200000, 0x1000, 0x8); // WB is a capability of that RAM
        assertThat(g.descriptor(0x200000)).isEqualTo(new GcdMemorySpace.Entry(0x200000, 0x1000, WB, 0x8,
                GcdMemorySpace.SYSTEM_MEMORY));
        assertThat(g.descriptor(0x1FF000).attributes()).isZero();
        assertThat(g.descriptor(0x201000).attributes()).isZero();
        assertThatThrownBy(() -> g.setAttributes(0x200000, 0x1000, 0x4000)).as("EFI_MEMORY_XP is not a capability")
                .extracting(x -> ((EfiException) x).status()).isEqualTo(EfiStatus.UNSUPPORTED);
        assertThatThrownBy(() -> g.setAttributes(0x200010, 0x1000, 0x8))
                .extracting(x -> ((EfiException) x).status()).isEqualTo(EfiStatus.INVALID_PARAMETER);
        assertThatThrownBy(() -> g.setAttributes(0x200000, 0, 0x8))
                .extracting(x -> ((EfiException) x).status()).isEqualTo(EfiStatus.INVALID_PARAMETER);
    }

    @Test
    void memoryStatusCodeTableHasOvmfsRingOf85RecordsAndNoRecordAndImageExecutionTableNoImage() {
        ByteBuffer s = le(FirmwarePhaseTables.memoryStatusCode());
        assertThat(s.getInt(0)).as("RecordIndex").isZero();
        assertThat(s.getInt(4)).as("NumberOfRecords").isZero();
        assertThat(s.getInt(8)).as("MaxRecordsNumber").isEqualTo(85);
        assertThat(s.capacity()).isEqualTo(12 + 12 * 85);
        assertThat(FirmwarePhaseTables.imageExecutionInfo()).containsOnly(0).hasSize(8);
    }

    @Test
    void tableKindsHaveTheirSpecGuidsAndOvmfsOrderIsElevenDistinctTables() {
        assertThat(ConfigurationTableKind.OVMF_Q35).hasSize(11).doesNotHaveDuplicates();
        assertThat(ConfigurationTableKind.byProfileName("hob-list")).contains(ConfigurationTableKind.HOB_LIST);
        assertThat(ConfigurationTableKind.DXE_SERVICES.guid().registryForm()).isEqualTo("05AD34BA-6F02-4214-952E-4DA0398E2BB9");
        assertThat(ConfigurationTableKind.byProfileName("nope")).isEmpty();
    }
}
