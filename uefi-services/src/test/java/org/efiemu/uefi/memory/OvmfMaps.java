package org.efiemu.uefi.memory;

import static org.efiemu.uefi.spec.MemoryType.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.efiemu.uefi.spec.MemoryAttribute;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.efiemu.uefi.spec.MemoryType;
import org.efiemu.uefi.spec.PlacementSpec;

/**
 * Test maps after the measured OVMF 2022.11 q35 layout (measured with the ovmf-probe, efiemu profile capture) at 256 MiB:
 * T = 0x10000000, bins at T−0xB14000..T−0x802000, the default region below 0xF4EBFFF, the q35 GCD tail. The
 * special bins are written in the firmware's internal view: their free pages as EfiConventionalMemory.
 */
final class OvmfMaps {
    static final long RAM = MemoryAttribute.RAM_DEFAULT;
    static final long RT = MemoryAttribute.RUNTIME | RAM;

    static final PlacementSpec PLACEMENT = new PlacementSpec("edk2-topdown", Map.of("bins",
            "EfiRuntimeServicesData@0xF4EC000+0x100,EfiRuntimeServicesCode@0xF5EC000+0x100,EfiReservedMemoryType@0xF6EC000+0x80,"
                    + "EfiACPIReclaimMemory@0xF76C000+0x12,EfiACPIMemoryNVS@0xF77E000+0x80"));

    private OvmfMaps() {}

    static MemoryDescriptor d(MemoryType t, long start, long endExclusive) {
        return d(t, start, endExclusive, t.isRuntime() ? RT : RAM);
    }

    static MemoryDescriptor d(MemoryType t, long start, long endExclusive, long attr) {
        return new MemoryDescriptor(t.value(), start, (endExclusive - start) >> 12, attr);
    }

    /** q35, 256 MiB, stdvga (page 0 is the VBE shim's BS_Code). */
    static List<MemoryDescriptor> q35() {
        List<MemoryDescriptor> m = new ArrayList<>();
        m.add(d(EfiBootServicesCode, 0, 0x1000));
        m.add(d(EfiConventionalMemory, 0x1000, 0xA0000));
        m.add(d(EfiConventionalMemory, 0x100000, 0x806000));
        m.add(d(EfiACPIMemoryNVS, 0x806000, 0x808000));
        m.add(d(EfiConventionalMemory, 0x808000, 0x810000));
        m.add(d(EfiACPIMemoryNVS, 0x810000, 0x900000));
        m.add(d(EfiBootServicesData, 0x900000, 0x1500000));
        m.add(d(EfiConventionalMemory, 0x1500000, 0xE000000));
        m.add(d(EfiBootServicesCode, 0xE000000, 0xF4EC000));
        // RT_Data bin 0xF4EC000+0x100: top 0x2C pages used
        m.add(d(EfiConventionalMemory, 0xF4EC000, 0xF5C0000));
        m.add(d(EfiRuntimeServicesData, 0xF5C0000, 0xF5EC000));
        // RT_Code bin 0xF5EC000+0x100: top 0x40 pages used
        m.add(d(EfiConventionalMemory, 0xF5EC000, 0xF6AC000));
        m.add(d(EfiRuntimeServicesCode, 0xF6AC000, 0xF6EC000));
        // Reserved bin 0xF6EC000+0x80: 0x10 used
        m.add(d(EfiConventionalMemory, 0xF6EC000, 0xF75C000));
        m.add(d(EfiReservedMemoryType, 0xF75C000, 0xF76C000));
        // ACPI_Recl bin 0xF76C000+0x12: 2 used
        m.add(d(EfiConventionalMemory, 0xF76C000, 0xF77C000));
        m.add(d(EfiACPIReclaimMemory, 0xF77C000, 0xF77E000));
        // NVS bin 0xF77E000+0x80: 8 used
        m.add(d(EfiConventionalMemory, 0xF77E000, 0xF7F6000));
        m.add(d(EfiACPIMemoryNVS, 0xF7F6000, 0xF7FE000));
        m.add(d(EfiBootServicesData, 0xF7FE000, 0xFE00000));
        m.add(d(EfiConventionalMemory, 0xFE00000, 0xFE81000));
        m.add(d(EfiBootServicesData, 0xFE81000, 0xFEF4000));
        m.add(d(EfiRuntimeServicesData, 0xFEF4000, 0xFF78000));
        m.add(d(EfiACPIMemoryNVS, 0xFF78000, 0x10000000));
        m.add(d(EfiReservedMemoryType, 0xB0000000L, 0xC0000000L, MemoryAttribute.UC));
        m.add(d(EfiMemoryMappedIO, 0xFFC00000L, 0x100000000L, MemoryAttribute.RUNTIME | MemoryAttribute.UC));
        return m;
    }

    /** q35 with 2 GiB at 4 GiB as well (QEMU splits q35 RAM), the high RAM listed before the GCD tail. */
    static List<MemoryDescriptor> q35WithHighRam() {
        List<MemoryDescriptor> m = q35();
        m.add(d(EfiConventionalMemory, 0x100000000L, 0x180000000L));
        return m;
    }

    static MemoryMap q35Map() {
        return MemoryMap.builder(q35()).placement(PLACEMENT).build();
    }
}
