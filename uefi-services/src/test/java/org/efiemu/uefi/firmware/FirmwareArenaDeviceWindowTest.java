package org.efiemu.uefi.firmware;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.efiemu.uefi.spec.MemoryType;
import org.junit.jupiter.api.Test;

/** Found by {@code efiemu hunt}: a generated machine whose PCIe ECAM window is reported as reserved memory. */
class FirmwareArenaDeviceWindowTest {
    @Test
    void aReservedDeviceWindowWithoutWriteBackIsNeverUsedForFirmwareStructures() {
        List<MemoryDescriptor> map = List.of(
                new MemoryDescriptor(MemoryType.EfiReservedMemoryType.value(), 0x7F000000L, 0x10, 0xF),
                new MemoryDescriptor(MemoryType.EfiReservedMemoryType.value(), 0x80000000L, 0x10000, 0x1)); // ECAM, UC
        FirmwareArena arena = new FirmwareArena(map);
        assertThat(arena.region(MemoryType.EfiReservedMemoryType, 0x1000, "SMBIOS").base()).isEqualTo(0x7F00F000L);
        FirmwareArena onlyDevice = new FirmwareArena(List.of(map.get(1)));
        assertThatThrownBy(() -> onlyDevice.region(MemoryType.EfiReservedMemoryType, 0x1000, "SMBIOS"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no EfiReservedMemoryType descriptor");
    }
}
