package com.example.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.efiemu.assertj.EfiemuAssertions.assertThat;

import org.efiemu.junit.EfiemuRun;
import org.efiemu.junit.EfiemuTest;
import org.efiemu.uefi.spec.MemoryType;

class MapBufferPlacementTest {
    @EfiemuTest(platforms = {"ovmf-q35-2g", "dell-poweredge-r820", "lowalloc-firmware"},
            payload = "payloads/efi-pool.efi", untilExitBootServices = true)
    void mapBufferIsLoaderDataBelow4GiBAndGrantedTrampolineBelow1MiB(EfiemuRun run) {
        // the sanitizer watched the run: no guest write to firmware-owned or unallocated memory
        assertThat(run).exitedBootServices().hasNoFirmwareCorruption().hasNoUnallocatedUse();
        assertThat(run).allocation("map-buffer").isInMemoryOfType(MemoryType.EfiLoaderData).isBelow(0x1_0000_0000L);
        assertThat(run).trace().calledInOrder("AllocatePool", "GetMemoryMap", "ExitBootServices")
                .neverCalledAfterExitBootServices();
        // AllocatePages(AllocateMaxAddress, ..., 0x100000): the Dell refuses it (EFI_OUT_OF_RESOURCES), the others grant it
        assertThat(run).trace().callsOf("AllocatePages").filteredOn(c -> c.status().equals("EFI_SUCCESS"))
                .allSatisfy(c -> assertThat(Long.decode(c.outputs().get(0))).isLessThan(0x10_0000L));
    }
}
