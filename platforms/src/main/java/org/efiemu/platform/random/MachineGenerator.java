package org.efiemu.platform.random;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.efiemu.platform.PlatformProfile;
import org.efiemu.uefi.spec.HexText;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.efiemu.uefi.spec.MemoryType;
import org.efiemu.uefi.spec.PlacementSpec;

/**
 * Random, plausible machines for hunting the machines that break a boot loader's early allocator, deterministic from a
 * seed: the memory map a UEFI application sees at entry, the AllocatePages placement rule and the quirks.
 *
 * <p>What varies (each a {@link Machine#kinds() kind} tag of the machine): the layout below 1 MiB ({@link LowMemory}:
 * OVMF's free 0x1000-0x9FFFF, all free, Dell 12th generation's boot-services data from 0x10000 with nothing at 0,
 * boot-services memory over the whole low 640 KiB, IBM's boot-services code with ACPI NVS islands), Dell-style
 * boot-services data over 1-64 MiB, the placement (EDK2 {@code edk2-topdown} with memory-type bins stacked at the top of
 * low RAM and {@code default-max} below them as {@code CoreAddMemoryDescriptor} sets {@code mDefaultMaximumAddress},
 * plain {@code edk2-topdown}, or {@code low-first} firmware), runtime / ACPI / reserved blocks at the top of low RAM,
 * fragments of firmware allocations (islands in free memory, mostly near the top as EDK2's top-down allocator leaves
 * them), unreported holes, MMIO (PCIe ECAM, IOAPIC, local APIC, flash), maps reported out of address order, 4 to 2000
 * descriptors and 256 MiB to 6 TiB of RAM (both log-uniform; machines without bins keep RAM below 1 TiB, since EDK2 then
 * allocates at the top of all RAM and efiemu's engine has 40 physical address bits). The same seed and settings always give the same
 * machine; no global state.
 */
public final class MachineGenerator {

    static final long PAGE = MemoryDescriptor.PAGE_SIZE;
    static final long KIB = 1L << 10;
    static final long MIB = 1L << 20;
    static final long GIB = 1L << 30;
    static final long TIB = 1L << 40;
    static final long WB = 0xFL;
    static final long RUNTIME_WB = 0x800000000000000FL;
    static final long DEVICE_UC = 0x1L;
    static final long RUNTIME_UC = 0x8000000000000001L;

    /** Most RAM of a machine without bins (its top stays below 1 TiB, the engine's physical address limit). */
    static final long PLAIN_RAM_LIMIT = 1000 * GIB;
    private static final int CONV = MemoryType.EfiConventionalMemory.value();
    private static final int BS_CODE = MemoryType.EfiBootServicesCode.value();
    private static final int BS_DATA = MemoryType.EfiBootServicesData.value();
    private static final int RT_CODE = MemoryType.EfiRuntimeServicesCode.value();
    private static final int RT_DATA = MemoryType.EfiRuntimeServicesData.value();
    private static final int RECLAIM = MemoryType.EfiACPIReclaimMemory.value();
    private static final int NVS = MemoryType.EfiACPIMemoryNVS.value();
    private static final int RESERVED = MemoryType.EfiReservedMemoryType.value();
    private static final int LOADER_DATA = MemoryType.EfiLoaderData.value();
    private static final int MMIO = MemoryType.EfiMemoryMappedIO.value();

    /** Types of firmware allocations left in free memory, weighted by repetition (boot-services memory is the most common). */
    private static final int[] ISLAND_TYPES = {BS_DATA, BS_DATA, BS_DATA, BS_CODE, BS_CODE, BS_CODE, RT_DATA, RT_CODE,
        RECLAIM, NVS, RESERVED, LOADER_DATA};
    private static final int[] BIN_TYPES = {RT_CODE, RT_DATA, RESERVED, NVS, RECLAIM};
    private static final long[] BIN_PAGES = {0x4, 0x12, 0x20, 0x50, 0x80, 0x100};
    private static final long[] PCI_HOLES = {0x80000000L, 0xB0000000L, 0xC0000000L, 0xE0000000L};

    /** The layout below 1 MiB, where real-mode trampolines and GRUB's mem_lower live. */
    public enum LowMemory {
        /** OVMF: page 0 EfiBootServicesCode, 0x1000-0x9FFFF free. */
        OVMF,
        /** All of 0-0x9FFFF free. */
        FREE,
        /** Dell 12th generation: nothing at 0-0xFFFF, EfiBootServicesData over 0x10000-0x9FFFF, no free page below 1 MiB. */
        DELL,
        /** Boot-services data or code over the whole low 640 KiB from address 0 (the firmware keeps it). */
        BOOT_SERVICES,
        /** IBM System x: free 0x1000-0x1FFFF, boot-services code around ACPI NVS pages at 0x6C000 and 0x9F000. */
        IBM;

        /** The kind tag, e.g. {@code low-dell}. */
        public String tag() {
            return "low-" + name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /** How AllocatePages places memory on the machine. */
    public enum Placement {
        /** EDK2 with memory-type bins at the top of low RAM and default-max below them. */
        EDK2_BINS("edk2-bins"),
        /** EDK2 top-down without bins (no default region limit). */
        EDK2_PLAIN("edk2-plain"),
        /** Firmware that serves memory below 1 MiB first (quirk low-alloc-first), with bins. */
        LOW_FIRST("low-first");

        private final String tag;

        Placement(String tag) {
            this.tag = tag;
        }

        /** The kind tag. */
        public String tag() {
            return tag;
        }
    }

    /**
     * What to generate.
     *
     * @param minDescriptors fewest descriptors to aim for (at least 4; a machine may come out a few over, never under 4)
     * @param maxDescriptors most descriptors to aim for (at most 100000)
     * @param minRamBytes    least RAM (at least 256 MiB)
     * @param maxRamBytes    most RAM (at most 64 TiB)
     */
    public record Settings(int minDescriptors, int maxDescriptors, long minRamBytes, long maxRamBytes) {
        public Settings {
            if (minDescriptors < 4 || maxDescriptors > 100_000 || minDescriptors > maxDescriptors) {
                throw new IllegalArgumentException("descriptors " + minDescriptors + ".." + maxDescriptors
                        + ": expected 4 <= min <= max <= 100000");
            }
            if (minRamBytes < 256 * MIB || maxRamBytes > 64 * TIB || minRamBytes > maxRamBytes) {
                throw new IllegalArgumentException("RAM " + (minRamBytes >> 20) + ".." + (maxRamBytes >> 20)
                        + " MiB: expected 256 MiB <= min <= max <= 64 TiB");
            }
        }

        /** 4 to 2000 descriptors, 256 MiB to 6 TiB of RAM. */
        public static Settings defaults() {
            return new Settings(4, 2000, 256 * MIB, 6 * TIB);
        }

        public Settings withDescriptors(int min, int max) {
            return new Settings(min, max, minRamBytes, maxRamBytes);
        }

        public Settings withRam(long min, long max) {
            return new Settings(minDescriptors, maxDescriptors, min, max);
        }

        @Override
        public String toString() {
            return minDescriptors + "-" + maxDescriptors + " descriptors, " + size(minRamBytes) + "-" + size(maxRamBytes) + " RAM";
        }
    }

    /**
     * A generated machine.
     *
     * @param seed    the seed it was generated from
     * @param profile the machine
     * @param kinds   what kind of machine it is, as tags ({@code low-dell}, {@code edk2-bins}, {@code dell-1-64mib},
     *                {@code unsorted}, {@code holes}, {@code legacy-reserved}, {@code high-ram}), in that order
     */
    public record Machine(long seed, PlatformProfile profile, List<String> kinds) {
        public Machine {
            kinds = List.copyOf(kinds);
        }
    }

    private MachineGenerator() {}

    /** The profile name of the machine generated from {@code seed}: {@code gen-<seed as 16 hex digits>}. */
    public static String nameOf(long seed) {
        return "gen-" + HexText.upper(seed, 16).toLowerCase(Locale.ROOT);
    }

    /** The machine generated from {@code seed}. */
    public static Machine generate(long seed, Settings settings) {
        return new Builder(seed, settings).build();
    }

    /** One generation: the random choices in a fixed order, then the map from the top of low RAM downwards. */
    private static final class Builder {
        private final long seed;
        private final Settings settings;
        private final SplittableRandom rnd;
        private final List<MemoryDescriptor> map = new ArrayList<>();
        private final List<String> kinds = new ArrayList<>();

        Builder(long seed, Settings settings) {
            this.seed = seed;
            this.settings = settings;
            this.rnd = new SplittableRandom(seed);
        }

        Machine build() {
            long ramTarget = Math.max(settings.minRamBytes(), logUniform(settings.minRamBytes(), settings.maxRamBytes()) & -MIB);
            int descriptorTarget = (int) logUniform(settings.minDescriptors(), settings.maxDescriptors());
            LowMemory low = pick(LowMemory.values(), new int[] {30, 20, 20, 15, 15});
            Placement placement = pick(Placement.values(), new int[] {55, 25, 20});
            if (placement == Placement.EDK2_PLAIN) {
                // without a default region EDK2 hands out the top of all RAM; efiemu's engine (Unicorn 2.0.1) has 40
                // physical address bits, so such machines keep their RAM below 1 TiB
                ramTarget = Math.max(settings.minRamBytes(), Math.min(ramTarget, PLAIN_RAM_LIMIT));
            }
            boolean dell1to64 = rnd.nextInt(100) < (low == LowMemory.DELL ? 90 : 10);
            boolean unsorted = rnd.nextInt(100) < 25;
            boolean holes = rnd.nextInt(100) < 40;
            boolean legacyReserved = rnd.nextInt(100) < 15;
            boolean ebda = low != LowMemory.IBM && rnd.nextInt(100) < 20;
            long pciHole = PCI_HOLES[rnd.nextInt(PCI_HOLES.length)];
            boolean ioApic = rnd.nextBoolean();
            boolean localApic = rnd.nextBoolean();
            kinds.add(low.tag());
            kinds.add(placement.tag());

            // below 1 MiB
            lowMemory(low, ebda);
            if (legacyReserved) {
                map.add(new MemoryDescriptor(RESERVED, 0xE0000, 0x20, WB)); // legacy BIOS area reported as reserved RAM
            }
            long lowTop = Math.min(ramTarget, pciHole);
            long highBytes = ramTarget - lowTop;

            // the top of low RAM: ACPI NVS, runtime data, the DXE core's boot-services data, the bins
            long top = lowTop;
            if (rnd.nextBoolean()) {
                top = block(top, NVS, pages(16, 128), WB);
            }
            top = block(top, RT_DATA, pages(16, 256), RUNTIME_WB);
            top = block(top, RT_CODE, pages(4, 64), RUNTIME_WB);
            top = block(top, BS_CODE, pages(16, 64), WB);
            top = block(top, BS_DATA, pages(512, 4096), WB); // the DXE core's data: the firmware's structures live here
            List<String> bins = new ArrayList<>();
            if (placement != Placement.EDK2_PLAIN) {
                List<Integer> types = new ArrayList<>();
                for (int t : BIN_TYPES) {
                    types.add(t);
                }
                Collections.shuffle(types, new java.util.Random(rnd.nextLong()));
                int count = 3 + rnd.nextInt(3);
                for (int i = 0; i < count; i++) {
                    int type = types.get(i);
                    long binPages = BIN_PAGES[rnd.nextInt(BIN_PAGES.length)];
                    long base = top - binPages * PAGE;
                    long free = rnd.nextInt(100) < 30 ? 1 + rnd.nextLong(binPages - 1) : 0;
                    if (free > 0) { // the bin's free part, as the firmware itself sees it
                        map.add(new MemoryDescriptor(CONV, base, free, WB));
                    }
                    map.add(new MemoryDescriptor(type, base + free * PAGE, binPages - free,
                            MemoryType.ofValue(type).isRuntime() ? RUNTIME_WB : WB));
                    bins.add(0, MemoryType.nameOf(type) + "@0x" + HexText.upper(base) + "+0x" + HexText.upper(binPages));
                    top = base;
                }
            }
            long freeBase = dell1to64 ? 64 * MIB : MIB;
            if (dell1to64) {
                map.add(new MemoryDescriptor(BS_DATA, MIB, (64 * MIB - MIB) / PAGE, WB));
                kinds.add("dell-1-64mib");
            }
            int fixed = map.size() + 1 + (highBytes > 0 ? 1 : 0) + 2 + (ioApic ? 1 : 0) + (localApic ? 1 : 0);
            islands(freeBase, top, Math.max(0, (descriptorTarget - fixed) / 2), holes);

            // RAM above 4 GiB
            if (highBytes > 0) {
                long at = 4 * GIB;
                int parts = holes ? 1 + rnd.nextInt(3) : 1;
                long left = highBytes;
                // a part takes at least 1 MiB, so a few MiB of high RAM may fill fewer parts than chosen: stop when
                // none is left (an empty part would be a zero-length descriptor, which no firmware reports)
                for (int i = 0; i < parts && left > 0; i++) {
                    long bytes = i == parts - 1 ? left : Math.max(MIB, (left / (parts - i)) & -MIB);
                    map.add(new MemoryDescriptor(CONV, at, bytes / PAGE, WB));
                    at += bytes + (holes ? 256 * MIB : 0);
                    left -= bytes;
                }
                kinds.add("high-ram");
            }
            // MMIO
            List<MemoryDescriptor> mmio = new ArrayList<>();
            if (pciHole + 256 * MIB <= 0xFEC00000L) {
                mmio.add(new MemoryDescriptor(RESERVED, pciHole, 256 * MIB / PAGE, DEVICE_UC)); // PCIe ECAM
            }
            if (ioApic) {
                mmio.add(new MemoryDescriptor(MMIO, 0xFEC00000L, 1, RUNTIME_UC));
            }
            if (localApic) {
                mmio.add(new MemoryDescriptor(MMIO, 0xFEE00000L, 1, RUNTIME_UC));
            }
            long flash = (1 + rnd.nextInt(16)) * MIB;
            mmio.add(new MemoryDescriptor(MMIO, 0x100000000L - flash, flash / PAGE, RUNTIME_UC));

            List<MemoryDescriptor> ordered = coalesce(map);
            if (unsorted) {
                ordered.addAll(mmio); // MMIO after high RAM, as IBM firmware reports it
                for (int i = 0; i < ordered.size() / 40; i++) {
                    int a = rnd.nextInt(ordered.size() - 1);
                    Collections.swap(ordered, a, a + 1);
                }
                kinds.add("unsorted");
            } else {
                ordered.addAll(mmio);
                ordered.sort(Comparator.comparingLong(MemoryDescriptor::physicalStart));
            }
            if (holes) {
                kinds.add("holes");
            }
            if (legacyReserved) {
                kinds.add("legacy-reserved");
            }

            PlatformProfile.Builder b = PlatformProfile.builder(nameOf(seed))
                    .description("generated machine: " + String.join(" ", kinds) + ", " + ordered.size() + " descriptors")
                    .source("generated: MachineGenerator seed 0x" + HexText.upper(seed, 16) + " (" + settings + ")")
                    .memoryMap(ordered);
            Map<String, String> params = new LinkedHashMap<>();
            if (!bins.isEmpty()) {
                params.put("bins", String.join(",", bins));
                params.put("default-max", "0x" + HexText.upper(top - 1));
            }
            b.placement(new PlacementSpec(placement == Placement.LOW_FIRST ? "low-first" : "edk2-topdown", params));
            if (placement == Placement.LOW_FIRST) {
                b.quirk("low-alloc-first");
            }
            if (ordered.stream().noneMatch(d -> d.physicalStart() == 0)) {
                b.quirk("page0-not-ram");
            }
            if (unsorted) {
                b.quirk("unsorted-map");
            }
            return new Machine(seed, b.build(), kinds);
        }

        private void lowMemory(LowMemory low, boolean ebda) {
            long end = ebda ? 0x9F000 : 0xA0000;
            switch (low) {
                case OVMF -> {
                    map.add(new MemoryDescriptor(BS_CODE, 0, 1, WB));
                    map.add(new MemoryDescriptor(CONV, 0x1000, (end - 0x1000) / PAGE, WB));
                }
                case FREE -> map.add(new MemoryDescriptor(CONV, 0, end / PAGE, WB));
                case DELL -> map.add(new MemoryDescriptor(BS_DATA, 0x10000, (end - 0x10000) / PAGE, WB));
                case BOOT_SERVICES -> map.add(new MemoryDescriptor(rnd.nextBoolean() ? BS_DATA : BS_CODE, 0, end / PAGE, WB));
                case IBM -> {
                    map.add(new MemoryDescriptor(BS_CODE, 0, 1, WB));
                    map.add(new MemoryDescriptor(CONV, 0x1000, 0x1F, WB));
                    map.add(new MemoryDescriptor(BS_CODE, 0x20000, 0x4C, WB));
                    map.add(new MemoryDescriptor(NVS, 0x6C000, 1, WB));
                    map.add(new MemoryDescriptor(CONV, 0x6D000, 0x1B, WB));
                    map.add(new MemoryDescriptor(BS_CODE, 0x88000, 0x17, WB));
                    map.add(new MemoryDescriptor(NVS, 0x9F000, 1, WB));
                }
                default -> throw new IllegalStateException(low.name());
            }
            if (ebda) {
                map.add(new MemoryDescriptor(RESERVED, 0x9F000, 1, WB)); // the EBDA page
            }
        }

        /** A block of {@code pages} of {@code type} ending at {@code top}; returns its base. */
        private long block(long top, int type, long pages, long attribute) {
            long base = top - pages * PAGE;
            map.add(new MemoryDescriptor(type, base, pages, attribute));
            return base;
        }

        /**
         * Free memory [from, to) with {@code count} islands of firmware allocations (each splits a free range in two),
         * two thirds of them in the top eighth (EDK2 allocates top-down from the default region); with holes, one island
         * in eight is an unreported gap instead.
         */
        private void islands(long from, long to, int count, boolean holes) {
            long freePages = (to - from) / PAGE;
            int clustered = count * 2 / 3;
            long clusterFrom = to - Math.max(1, freePages / 8) * PAGE;
            List<long[]> placed = new ArrayList<>(); // {start, pages, type or -1 for a hole}
            placeIslands(from, clusterFrom, count - clustered, holes, placed);
            placeIslands(clusterFrom, to, clustered, holes, placed);
            long at = from;
            for (long[] island : placed) {
                if (island[0] > at) {
                    map.add(new MemoryDescriptor(CONV, at, (island[0] - at) / PAGE, WB));
                }
                if (island[2] >= 0) {
                    int type = (int) island[2];
                    map.add(new MemoryDescriptor(type, island[0], island[1],
                            MemoryType.ofValue(type).isRuntime() ? RUNTIME_WB : WB));
                }
                at = island[0] + island[1] * PAGE;
            }
            if (to > at) {
                map.add(new MemoryDescriptor(CONV, at, (to - at) / PAGE, WB));
            }
        }

        private void placeIslands(long from, long to, int count, boolean holes, List<long[]> out) {
            long pages = (to - from) / PAGE;
            if (count <= 0 || pages < 4) {
                return;
            }
            count = (int) Math.min(count, pages / 4);
            long slot = pages / count;
            for (int i = 0; i < count; i++) {
                long size = 1 + rnd.nextLong(Math.max(1, Math.min(64, slot / 2)));
                long offset = 1 + rnd.nextLong(Math.max(1, slot - size - 1));
                long start = from + (i * slot + offset) * PAGE;
                long type = holes && rnd.nextInt(8) == 0 ? -1 : ISLAND_TYPES[rnd.nextInt(ISLAND_TYPES.length)];
                out.add(new long[] {start, size, type});
            }
        }

        private long pages(int min, int max) {
            return min + rnd.nextInt(max - min + 1);
        }

        private long logUniform(long min, long max) {
            if (min == max) {
                return min;
            }
            double v = Math.exp(Math.log(min) + rnd.nextDouble() * (Math.log(max) - Math.log(min)));
            return Math.max(min, Math.min(max, Math.round(v)));
        }

        private <T> T pick(T[] values, int[] weights) {
            int total = 0;
            for (int w : weights) {
                total += w;
            }
            int r = rnd.nextInt(total);
            for (int i = 0; i < values.length; i++) {
                r -= weights[i];
                if (r < 0) {
                    return values[i];
                }
            }
            return values[values.length - 1];
        }
    }

    /** The map in address order with contiguous neighbours of equal type and attribute merged (EDK2 reports them so). */
    static List<MemoryDescriptor> coalesce(List<MemoryDescriptor> in) {
        List<MemoryDescriptor> sorted = new ArrayList<>(in);
        sorted.sort(Comparator.comparingLong(MemoryDescriptor::physicalStart));
        List<MemoryDescriptor> out = new ArrayList<>();
        for (MemoryDescriptor d : sorted) {
            MemoryDescriptor last = out.isEmpty() ? null : out.get(out.size() - 1);
            if (last != null && last.end() == d.physicalStart() && last.type() == d.type() && last.attribute() == d.attribute()) {
                out.set(out.size() - 1, new MemoryDescriptor(d.type(), last.physicalStart(), last.numberOfPages() + d.numberOfPages(),
                        d.attribute()));
            } else {
                out.add(d);
            }
        }
        return out;
    }

    static String size(long bytes) {
        if (bytes >= TIB && bytes % TIB == 0) {
            return bytes / TIB + " TiB";
        }
        if (bytes >= GIB && bytes % GIB == 0) {
            return bytes / GIB + " GiB";
        }
        return (bytes >> 20) + " MiB";
    }
}
