package org.efiemu.platform;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.efiemu.uefi.spec.MemoryType;

/**
 * Seeded random profiles for property tests: valid maps (aligned, non-overlapping, non-empty descriptors of spec
 * types) with fragmentation, holes and, optionally, firmware-style disorder. The same seed and options always give
 * the same profile.
 */
public final class RandomProfiles {

    private static final long PAGE = MemoryDescriptor.PAGE_SIZE;
    private static final long MIB = 1L << 20;
    private static final int[] FRAGMENT_TYPES = {
        MemoryType.EfiBootServicesData.value(), MemoryType.EfiBootServicesCode.value(),
        MemoryType.EfiConventionalMemory.value(), MemoryType.EfiRuntimeServicesData.value(),
        MemoryType.EfiRuntimeServicesCode.value(), MemoryType.EfiACPIReclaimMemory.value(),
        MemoryType.EfiACPIMemoryNVS.value(), MemoryType.EfiReservedMemoryType.value(),
        MemoryType.EfiLoaderData.value()};

    /**
     * @param descriptors how many descriptors (at least 4)
     * @param freeBelow1MiB false: nothing below 1 MiB is EfiConventionalMemory (Dell 12th generation)
     * @param holes leave unreported gaps between descriptors
     * @param unsorted report MMIO after high RAM and shuffle a few neighbours, as some firmware does
     */
    public record Options(int descriptors, boolean freeBelow1MiB, boolean holes, boolean unsorted) {
        public Options {
            if (descriptors < 4 || descriptors > 1_000_000) {
                throw new IllegalArgumentException("descriptors " + descriptors + ": expected 4..1000000");
            }
        }

        public static Options defaults() {
            return new Options(1200, true, true, true);
        }
    }

    private RandomProfiles() {}

    public static PlatformProfile generate(long seed, Options o) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<MemoryDescriptor> ram = new ArrayList<>();
        // below 1 MiB: a handful of descriptors in [0x1000, 0xA0000)
        long pos = rnd.nextBoolean() ? 0 : 0x10000;
        int low = 1 + rnd.nextInt(Math.min(4, o.descriptors() - 3));
        for (int i = 0; i < low && pos < 0xA0000; i++) {
            long left = (0xA0000 - pos) / PAGE;
            long pages = i == low - 1 ? left : 1 + rnd.nextLong(Math.max(1, left / 2));
            int type = o.freeBelow1MiB() && i % 2 == 0 ? MemoryType.EfiConventionalMemory.value()
                    : (i % 2 == 0 ? MemoryType.EfiBootServicesData.value() : MemoryType.EfiACPIMemoryNVS.value());
            ram.add(new MemoryDescriptor(type, pos, pages, 0xF));
            pos += pages * PAGE;
        }
        // 1 MiB .. below 3 GiB: fragmented
        pos = MIB;
        int remaining = o.descriptors() - ram.size() - 3;
        long budgetPages = (0xC0000000L - MIB) / PAGE;
        long avg = Math.max(1, budgetPages / Math.max(1, remaining) / 2);
        int prevType = -1;
        for (int i = 0; i < remaining; i++) {
            long pages = 1 + rnd.nextLong(avg * 2);
            int type;
            do {
                type = FRAGMENT_TYPES[rnd.nextInt(FRAGMENT_TYPES.length)];
            } while (type == prevType);
            long attr = MemoryType.ofValue(type).isRuntime() ? 0x800000000000000FL : 0xF;
            if (o.holes() && rnd.nextInt(16) == 0) {
                pos += PAGE * (1 + rnd.nextInt(16));
            }
            prevType = type; // EDK2 never reports adjacent descriptors of equal type and attribute
            ram.add(new MemoryDescriptor(type, pos, pages, attr));
            pos += pages * PAGE;
        }
        long highPages = (1L << 30) / PAGE * (1 + rnd.nextInt(64));
        ram.add(new MemoryDescriptor(MemoryType.EfiConventionalMemory.value(), 0x100000000L, highPages, 0xF));
        List<MemoryDescriptor> map = new ArrayList<>(ram);
        MemoryDescriptor ecam = new MemoryDescriptor(0, 0xE0000000L, 0x10000, 0x1);
        MemoryDescriptor flash = new MemoryDescriptor(11, 0xFF000000L, 0x1000, 0x8000000000000001L);
        map.add(ecam);
        map.add(flash);
        if (o.unsorted()) {
            for (int i = 0; i < map.size() / 50; i++) {
                int a = rnd.nextInt(map.size() - 3);
                Collections.swap(map, a, a + 1);
            }
        }
        PlatformProfile.Builder b = PlatformProfile.builder("random-" + Long.toUnsignedString(seed, 16))
                .description("RandomProfiles.generate(" + seed + ", " + o + ")")
                .source("generated: RandomProfiles seed " + seed)
                .memoryMap(map);
        if (map.stream().noneMatch(d -> d.physicalStart() == 0)) {
            b.quirk("page0-not-ram");
        }
        if (o.unsorted()) {
            b.quirk("unsorted-map");
        }
        return b.build();
    }
}
