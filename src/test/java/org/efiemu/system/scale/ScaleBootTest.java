package org.efiemu.system.scale;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.efiemu.uefi.BootOutcome;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.efiemu.uefi.spec.MemoryType;
import org.efiemu.uefi.trace.ServiceCallEvent;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The 1.5 TiB Dell R820 boots a strategy payload to ExitBootServices while the host backs only the few RAM chunks the
 * guest touches: its firmware places AllocatePages/AllocatePool in the default region below its memory-type bins
 * (EDK2 {@code FindFreePages}, default-max = 0xB869FFFF), so RAM above 4 GiB is never touched
 * (EDK2 {@code MdeModulePkg/Core/Dxe/Mem/Page.c}, {@code mDefaultMaximumAddress}).
 */
class ScaleBootTest {

    private static final String BIG = "dell-poweredge-r820-1.5t";
    private static final long BIN_STACK_BASE = 0xB86A0000L;
    private static final long RAM_END = 0x18040000000L;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"efi-pool", "efi-pages-any", "efi-pages-above-1m"})
    void strategyOn1Point5TiBR820ExitsBootServicesTouchingUnder2MiBAllBelowItsBins(String strategy) {
        ScaleBoot boot = ScaleBoot.run(BIG, strategy);

        assertThat(boot.result().outcome()).as(boot.summary()).isEqualTo(BootOutcome.EXITED_BOOT_SERVICES);
        assertThat(boot.result().violations()).as(boot.summary()).isEmpty();
        assertThat(boot.ramBytes()).isGreaterThan(1500L << 30);
        assertThat(boot.mappedBytes()).as(boot.summary()).isLessThan(2L << 20);
        assertThat(boot.mappedChunks()).as(boot.summary()).hasSizeLessThanOrEqualTo(32);
        assertThat(boot.highestMappedEnd()).as(boot.summary()).isLessThanOrEqualTo(ScaleBoot.FOUR_GIB);
        assertThat(boot.livePages()).as(boot.summary()).isNotEmpty();
        assertThat(boot.highestAllocationEnd()).as(boot.summary()).isLessThanOrEqualTo(BIN_STACK_BASE);
        List<MemoryDescriptor> high = boot.result().finalMap().orElseThrow().descriptors().stream()
                .filter(d -> d.physicalStart() >= ScaleBoot.FOUR_GIB).toList();
        assertThat(high).as("RAM above 4 GiB in the map the OS receives")
                .containsExactly(new MemoryDescriptor(MemoryType.EfiConventionalMemory.value(), ScaleBoot.FOUR_GIB,
                        (RAM_END - ScaleBoot.FOUR_GIB) >> 12, 0xF));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"efi-pool", "efi-pages-any"})
    void theSameBootOnThe96GiBR820MakesTheSameAllocationsAndTouchesTheSameChunksBarPageTables(String strategy) {
        ScaleBoot big = ScaleBoot.run(BIG, strategy);
        ScaleBoot small = ScaleBoot.run("dell-poweredge-r820", strategy);

        assertThat(calls(big)).isNotEmpty().isEqualTo(calls(small));
        // only the firmware's identity page tables grow with the RAM top (core.machine.LongMode.structuresSize)
        assertThat(chunkBases(big)).containsAll(chunkBases(small));
        assertThat(big.mappedBytes() - small.mappedBytes()).as(big.summary() + " vs " + small.summary())
                .isBetween(0L, 64L << 10);
    }

    private static List<Long> chunkBases(ScaleBoot boot) {
        return boot.mappedChunks().stream().map(c -> c[0]).toList();
    }

    /** Service calls that allocate or free, as {@code Name(args) = STATUS -> outputs}. */
    private static List<String> calls(ScaleBoot boot) {
        return boot.result().trace().stream().filter(e -> e.service().contains("Allocate") || e.service().contains("Free"))
                .map(ServiceCallEvent::summary).toList();
    }
}
