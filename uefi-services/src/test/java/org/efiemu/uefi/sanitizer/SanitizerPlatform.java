package org.efiemu.uefi.sanitizer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.efiemu.uefi.platform.PlatformDescription;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.efiemu.uefi.spec.MemoryType;
import org.efiemu.uefi.spec.PlacementSpec;

/**
 * A 256 MiB machine laid out like OVMF's (legacy hole at 0xA0000-0xFFFFF, ACPI NVS islands, firmware at the top of
 * RAM), with two EfiBootServicesData descriptors so a payload can write one the firmware arena does not use.
 */
final class SanitizerPlatform {
    private static final long WB = 0xF;

    private SanitizerPlatform() {}

    static PlatformDescription ovmfLike() {
        List<MemoryDescriptor> map = List.of(
                d(MemoryType.EfiConventionalMemory, 0x0, 0xA0000),
                d(MemoryType.EfiConventionalMemory, 0x100000, 0x800000),
                d(MemoryType.EfiACPIMemoryNVS, 0x800000, 0x808000),
                d(MemoryType.EfiConventionalMemory, 0x808000, 0x810000),
                d(MemoryType.EfiACPIMemoryNVS, 0x810000, 0x900000),
                d(MemoryType.EfiConventionalMemory, 0x900000, 0xE000000),
                d(MemoryType.EfiBootServicesData, 0xE000000, 0xE100000),
                d(MemoryType.EfiConventionalMemory, 0xE100000, 0xF000000),
                d(MemoryType.EfiBootServicesData, 0xF000000, 0xF800000),
                d(MemoryType.EfiRuntimeServicesData, 0xF800000, 0xF880000),
                d(MemoryType.EfiRuntimeServicesCode, 0xF880000, 0xF900000),
                d(MemoryType.EfiBootServicesCode, 0xF900000, 0xFF00000),
                d(MemoryType.EfiACPIReclaimMemory, 0xFF00000, 0x10000000));
        return new PlatformDescription("sanitizer-ovmf-like-256m", map, PlacementSpec.EDK2_TOPDOWN, 48, 1,
                new PlatformDescription.Firmware("EDK II", 0x10000, PlatformDescription.Firmware.UEFI_2_70),
                new PlatformDescription.Cpu("AuthenticAMD", 15, 107, 1, "QEMU Virtual CPU version 2.5+", 1),
                new PlatformDescription.Smbios("EFI Development Kit II / OVMF", "0.0.0", "02/06/2015", "QEMU",
                        "Standard PC (Q35 + ICH9, 2009)", "pc-q35-7.2", "0"),
                new PlatformDescription.Acpi("BOCHS ", "BXPC    "), new PlatformDescription.Console(80, 25),
                List.of(), Set.of());
    }

    private static MemoryDescriptor d(MemoryType t, long start, long end) {
        return new MemoryDescriptor(t.value(), start, (end - start) >>> 12, WB);
    }

    /** A payload built by the module's generate-test-resources step. */
    static Path payload(String name) {
        Path p = Path.of("target/test-classes/payloads/" + name + ".efi");
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException(p.toAbsolutePath() + " is missing: run the build's generate-test-resources phase");
        }
        return p;
    }
}
