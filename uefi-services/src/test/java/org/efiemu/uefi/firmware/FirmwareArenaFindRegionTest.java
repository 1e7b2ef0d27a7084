package org.efiemu.uefi.firmware;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.efiemu.uefi.spec.MemoryType;
import org.junit.jupiter.api.Test;

/**
 * {@link FirmwareArena#findRegion} gives the region {@link FirmwareArena#region} gives (the highest fitting WB
 * descriptor of the type below 4 GiB, pieces taken before excluded), and null exactly where {@code region} refuses.
 */
class FirmwareArenaFindRegionTest {
    private static final MemoryType[] TYPES = {MemoryType.EfiACPIReclaimMemory, MemoryType.EfiACPIMemoryNVS,
        MemoryType.EfiRuntimeServicesData, MemoryType.EfiReservedMemoryType, MemoryType.EfiBootServicesData};

    @Test
    void findRegionIsRegionOrNullWhereRegionRefusesOnRandomMaps() {
        SplittableRandom rnd = new SplittableRandom(11);
        int found = 0;
        int refused = 0;
        for (int round = 0; round < 500; round++) {
            List<MemoryDescriptor> map = new ArrayList<>();
            long at = 0x1000;
            for (int i = 0, n = 1 + rnd.nextInt(30); i < n; i++) {
                long pages = 1 + rnd.nextInt(64);
                long attribute = rnd.nextInt(5) == 0 ? 0x1 : 0xF; // some UC windows
                map.add(new MemoryDescriptor(TYPES[rnd.nextInt(TYPES.length)].value(),
                        rnd.nextInt(8) == 0 ? 0xFFFF_0000L + at : at, pages, attribute)); // some above 4 GiB
                at += (pages + rnd.nextInt(4)) << 12;
            }
            FirmwareArena a = new FirmwareArena(map);
            FirmwareArena b = new FirmwareArena(map);
            for (int k = 0; k < 8; k++) {
                MemoryType t = TYPES[rnd.nextInt(TYPES.length)];
                long bytes = 1 + rnd.nextInt(0x30000);
                FirmwareArena.Region r = a.findRegion(t, bytes);
                if (r == null) {
                    refused++;
                    assertThatThrownBy(() -> b.region(t, bytes, "test")).isInstanceOf(IllegalArgumentException.class)
                            .hasMessageContaining("no " + t + " descriptor below 4 GiB holds");
                } else {
                    found++;
                    FirmwareArena.Region s = b.region(t, bytes, "test");
                    assertThat(r.base()).isEqualTo(s.base());
                    assertThat(r.size()).isEqualTo(s.size());
                    r.take("piece", 16, 16); // later searches skip the descriptor in both arenas
                    s.take("piece", 16, 16);
                }
            }
        }
        assertThat(found).as("both answers seen").isGreaterThan(100);
        assertThat(refused).isGreaterThan(100);
    }
}
