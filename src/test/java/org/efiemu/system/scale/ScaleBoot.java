package org.efiemu.system.scale;

import java.time.Duration;
import java.util.List;
import org.efiemu.earlyalloc.Platforms;
import org.efiemu.earlyalloc.Strategy;
import org.efiemu.earlyalloc.StrategyCatalog;
import org.efiemu.platform.PlatformProfile;
import org.efiemu.platform.ProfileRegistry;
import org.efiemu.uefi.BootResult;
import org.efiemu.uefi.UefiMachine;
import org.efiemu.uefi.memory.Allocation;
import org.efiemu.uefi.memory.PoolAllocation;

/**
 * One boot of a built-in strategy payload on a built-in profile, stopped at ExitBootServices, with what the host had to
 * back for it: the RAM chunks Unicorn mapped (RAM is mapped on first touch, {@code core.memory.PhysicalMemory}).
 *
 * @param profile the built-in profile's name
 * @param strategy the built-in strategy's name
 * @param result the boot
 * @param ramBytes RAM the profile's map describes
 * @param mappedChunks chunks mapped at the end, each {@code {base, size}}
 * @param mappedBytes their total size
 * @param livePages page allocations held at ExitBootServices (the image's included)
 * @param livePool pool blocks held at ExitBootServices
 */
record ScaleBoot(String profile, String strategy, BootResult result, long ramBytes, List<long[]> mappedChunks,
        long mappedBytes, List<Allocation> livePages, List<PoolAllocation> livePool) {

    static final long FOUR_GIB = 0x1_0000_0000L;

    static ScaleBoot run(String profile, String strategyName) {
        return run(ProfileRegistry.builtIn(profile), strategyName);
    }

    static ScaleBoot run(PlatformProfile profile, String strategyName) {
        Strategy strategy = StrategyCatalog.builtIn(strategyName);
        var described = Platforms.describe(profile);
        try (UefiMachine m = UefiMachine.builder(described.description())
                .payload(strategy.payloadBytes(), strategy.payloadName())
                .instructionBudget(500_000_000)
                .wallClockLimit(Duration.ofSeconds(120))
                .stopAfterExitBootServices(true)
                .build()) {
            BootResult r = m.run();
            List<long[]> chunks = m.machine().physical().mappedChunks();
            return new ScaleBoot(profile.name(), strategyName, r, profile.ramBytes(), chunks,
                    m.machine().physical().mappedBytes(), r.livePages(), r.livePool());
        }
    }

    /** The highest address (exclusive) any live page or pool allocation reaches. */
    long highestAllocationEnd() {
        long pages = livePages.stream().mapToLong(a -> a.base() + a.pages() * 4096).max().orElse(0);
        long pool = livePool.stream().mapToLong(p -> p.buffer() + p.size()).max().orElse(0);
        return Math.max(pages, pool);
    }

    /** The highest address (exclusive) of any mapped chunk. */
    long highestMappedEnd() {
        return mappedChunks.stream().mapToLong(c -> c[0] + c[1]).max().orElse(0);
    }

    String summary() {
        return String.format("%s on %s: %s; RAM %d MiB, %d chunks mapped (%d KiB), %d live page allocations,"
                + " %d pool blocks, highest allocation end 0x%X, highest mapped end 0x%X", strategy, profile,
                result.outcome(), ramBytes >> 20, mappedChunks.size(), mappedBytes >> 10, livePages.size(),
                livePool.size(), highestAllocationEnd(), highestMappedEnd());
    }
}
