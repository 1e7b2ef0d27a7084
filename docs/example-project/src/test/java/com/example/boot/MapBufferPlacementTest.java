package com.example.boot;

import static org.efiemu.assertj.EfiemuAssertions.assertThat;

import org.efiemu.junit.EfiemuTest;
import org.efiemu.junit.EfiemuRun;
import org.efiemu.uefi.spec.MemoryType;

class MapBufferPlacementTest {
    @EfiemuTest(platforms = {"ovmf-q35-2g", "dell-poweredge-r820", "lowalloc-firmware"},
            payload = "payloads/efi-pool.efi", untilExitBootServices = true)
    void memoryMapBufferLandsInAllocatedLoaderData(EfiemuRun run) {
        // the sanitizer watched the run: no guest write to firmware-owned or unallocated memory
        assertThat(run).exitedBootServices().hasNoFirmwareCorruption().hasNoUnallocatedUse();
        var boot = run.boot();
        assertThat(boot).allocation("map-buffer").isInMemoryOfType(MemoryType.EfiLoaderData);
        assertThat(boot).trace().calledInOrder("GetMemoryMap", "ExitBootServices").neverCalledAfterExitBootServices();
    }
}
