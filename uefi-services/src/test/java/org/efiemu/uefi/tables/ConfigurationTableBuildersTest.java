package org.efiemu.uefi.tables;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.efiemu.uefi.memory.MemoryTypeBin;
import org.efiemu.uefi.spec.MemoryAttribute;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.efiemu.uefi.spec.MemoryType;
import org.junit.jupiter.api.Test;

class ConfigurationTableBuildersTest {
    private static final long WB = MemoryAttribute.RAM_DEFAULT;
    private static final List<MemoryDescriptor> MAP = List.of(
            new MemoryDescriptor(MemoryType.EfiConventionalMemory.value(), 0, 0xA0, WB),
            new MemoryDescriptor(MemoryType.EfiRuntimeServicesData.value(), 0x7F000000L, 0x10,
                    WB | MemoryAttribute.RUNTIME),
            new MemoryDescriptor(MemoryType.EfiRuntimeServicesCode.value(), 0x7E000000L, 0x20,
                    WB | MemoryAttribute.RUNTIME),
            new MemoryDescriptor(MemoryType.EfiBootServicesData.value(), 0x100000, 0x100, WB));

    @Test
    void memoryAttributesTableListsRuntimeRangesInAddressOrderCodeReadOnlyDataNoExecute() {
        ByteBuffer b = ByteBuffer.wrap(MemoryAttributesTable.build(MAP, 48)).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(b.capacity()).isEqualTo(16 + 2 * 48);
        assertThat(b.getInt(0)).as("version").isEqualTo(1);
        assertThat(b.getInt(4)).as("entries").isEqualTo(2);
        assertThat(b.getInt(8)).as("descriptor size").isEqualTo(48);
        assertThat(b.getInt(12)).as("reserved").isZero();
        assertThat(b.getInt(16)).isEqualTo(MemoryType.EfiRuntimeServicesCode.value());
        assertThat(b.getLong(24)).isEqualTo(0x7E000000L);
        assertThat(b.getLong(32)).as("virtual start").isZero();
        assertThat(b.getLong(40)).isEqualTo(0x20);
        assertThat(b.getLong(48)).isEqualTo(MemoryAttribute.RUNTIME | MemoryAttribute.RO);
        assertThat(b.getInt(64)).isEqualTo(MemoryType.EfiRuntimeServicesData.value());
        assertThat(b.getLong(96)).isEqualTo(MemoryAttribute.RUNTIME | MemoryAttribute.XP);
    }

    @Test
    void memoryAttributesTableRefusesADescriptorSmallerThanTheSpecs() {
        assertThatThrownBy(() -> MemoryAttributesTable.build(MAP, 32)).hasMessageContaining("descriptor size 32")
                .hasMessageContaining("at least 40");
    }

    @Test
    void memoryTypeInformationHasOneEntryPerTypeWithItsBinPagesAndEndsWithMaxMemoryType() {
        ByteBuffer b = ByteBuffer.wrap(MemoryTypeInformationTable.build(List.of(
                new MemoryTypeBin(MemoryType.EfiRuntimeServicesData, 0x7F4EC000L, 0x100),
                new MemoryTypeBin(MemoryType.EfiACPIMemoryNVS, 0x7F77E000L, 0x80)))).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(b.capacity()).isEqualTo((MemoryType.MAX_MEMORY_TYPE + 1) * 8);
        for (int t = 0; t < MemoryType.MAX_MEMORY_TYPE; t++) {
            assertThat(b.getInt(t * 8)).isEqualTo(t);
        }
        assertThat(b.getInt(MemoryType.EfiRuntimeServicesData.value() * 8 + 4)).isEqualTo(0x100);
        assertThat(b.getInt(MemoryType.EfiACPIMemoryNVS.value() * 8 + 4)).isEqualTo(0x80);
        assertThat(b.getInt(MemoryType.EfiLoaderData.value() * 8 + 4)).isZero();
        assertThat(b.getInt(MemoryType.MAX_MEMORY_TYPE * 8)).isEqualTo(MemoryType.MAX_MEMORY_TYPE);
    }
}
