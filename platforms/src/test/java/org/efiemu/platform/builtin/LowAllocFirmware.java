package org.efiemu.platform.builtin;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.efiemu.platform.PlatformProfile;
import org.efiemu.uefi.platform.PlatformDescription.Firmware;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.efiemu.uefi.spec.PlacementSpec;

/**
 * The lowalloc-firmware built-in: OVMF q35 2 GiB layout (reference/uefi-memory-semantics.md §5.1, §5.2, measured on
 * Debian edk2 2022.11) with a placement rule that serves AllocatePages below 1 MiB first.
 */
final class LowAllocFirmware {

    private static final long T = 0x80000000L;
    private static final long RT = 0x8000_0000_0000_000FL;

    private LowAllocFirmware() {}

    private static void add(List<MemoryDescriptor> map, int type, long from, long to, long attr) {
        map.add(new MemoryDescriptor(type, from, (to - from) >> 12, attr));
    }

    static PlatformProfile build() {
        List<MemoryDescriptor> map = new ArrayList<>();
        add(map, 3, 0x0, 0x1000, 0xF);
        add(map, 7, 0x1000, 0xA0000, 0xF);
        add(map, 7, 0x100000, 0x806000, 0xF);
        add(map, 10, 0x806000, 0x808000, 0xF);
        add(map, 7, 0x808000, 0x810000, 0xF);
        add(map, 10, 0x810000, 0x900000, 0xF);
        add(map, 4, 0x900000, 0x1500000, 0xF);
        // DXE default region: alternating driver image (BS code) and its data (BS data), growing down from T-0xB14000
        long dxeTop = T - 0xB14000;
        long pos = dxeTop;
        List<MemoryDescriptor> dxe = new ArrayList<>();
        for (int i = 0; i < 48; i++) {
            long code = (0x8 + (i * 7) % 0x19) << 12;
            long data = (0x3 + (i * 11) % 0x2D) << 12;
            dxe.add(0, new MemoryDescriptor(4, pos - data, data >> 12, 0xF));
            pos -= data;
            dxe.add(0, new MemoryDescriptor(3, pos - code, code >> 12, 0xF));
            pos -= code;
        }
        add(map, 7, 0x1500000, pos, 0xF);
        map.addAll(dxe);
        add(map, 6, T - 0xB14000, T - 0xA14000, RT);
        add(map, 5, T - 0xA14000, T - 0x914000, RT);
        add(map, 0, T - 0x914000, T - 0x894000, 0xF);
        add(map, 9, T - 0x894000, T - 0x882000, 0xF);
        add(map, 10, T - 0x882000, T - 0x802000, 0xF);
        add(map, 4, T - 0x802000, T - 0x200000, 0xF);
        add(map, 7, T - 0x200000, T - 0x17F000, 0xF);
        add(map, 4, T - 0x17F000, T - 0x10C000, 0xF);
        add(map, 6, T - 0x10C000, T - 0x88000, RT);
        add(map, 10, T - 0x88000, T, 0xF);
        add(map, 0, 0xB0000000L, 0xC0000000L, 0x1);
        add(map, 11, 0xFFC00000L, 0x100000000L, 0x8000_0000_0000_0001L);
        return PlatformProfile.builder("lowalloc-firmware")
                .description("OVMF-like q35 2 GiB machine whose AllocatePages serves memory below 1 MiB first")
                .source("layout: OVMF on QEMU q35 with 2 GiB (TOLUD T = 0x80000000), Debian edk2 2022.11, from"
                        + " /work/shared/reference/uefi-memory-semantics.md sections 5.1 (fixed low entries) and 5.2 (layout"
                        + " relative to T, bins, GCD tail)")
                .source("inferred: the DXE allocation region below T-0xB14000 is 48 alternating EfiBootServicesCode/Data"
                        + " pairs of made-up sizes (the measured map has this shape, not these addresses)")
                .source("placement low-first and quirk low-alloc-first: firmware that hands out memory below 1 MiB"
                        + " first, the behaviour that breaks boot loaders which expect the low 1 MiB to stay free;"
                        + " to be replaced by the captured ovmf-q35-2g layout when it lands")
                .placement(new PlacementSpec("low-first", Map.of()))
                .firmware(new Firmware("EDK II", 0x10000, Firmware.UEFI_2_70))
                .quirk("low-alloc-first")
                .memoryMap(map)
                .build();
    }
}
