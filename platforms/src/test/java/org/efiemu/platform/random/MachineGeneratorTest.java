package org.efiemu.platform.random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.collect.Range;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.efiemu.platform.MemoryMapCheck;
import org.efiemu.platform.PlatformProfile;
import org.efiemu.platform.ProfileParser;
import org.efiemu.platform.ProfileWriter;
import org.efiemu.uefi.memory.PlacementRules;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.efiemu.uefi.spec.MemoryType;
import org.junit.jupiter.api.Test;

class MachineGeneratorTest {

    private static final MachineGenerator.Settings DEFAULTS = MachineGenerator.Settings.defaults();

    @Test
    void generatedMachinesAreValidProfilesThatRoundTripAndTheFirmwareModelAccepts() {
        for (long seed = 0; seed < 300; seed++) {
            PlatformProfile p = MachineGenerator.generate(seed, DEFAULTS).profile();
            assertThat(MemoryMapCheck.check(p.memoryMap())).as("seed %d", seed).isEmpty();
            assertThat(p.memoryMap().size()).as("seed %d", seed).isBetween(4, 2100);
            assertThat(p.ramBytes()).as("seed %d", seed).isBetween(200L << 20, 6L << 40);
            PlacementRules.create(p.placement()); // the model reads the placement (bins, default-max)
            if (seed % 10 == 0) {
                String text = ProfileWriter.write(p);
                assertThat(ProfileWriter.write(ProfileParser.parse(text, "gen.profile"))).isEqualTo(text);
            }
            // what the firmware model carves its own structures from, below 4 GiB
            assertThat(largest(p, MemoryType.EfiBootServicesData)).as("seed %d", seed).isGreaterThanOrEqualTo(512);
            assertThat(largest(p, MemoryType.EfiRuntimeServicesData)).as("seed %d", seed).isGreaterThanOrEqualTo(2);
            assertThat(largest(p, MemoryType.EfiRuntimeServicesCode)).as("seed %d", seed).isGreaterThanOrEqualTo(1);
            String bins = p.placement().param("bins", "");
            var ram = p.ramRanges();
            for (String item : bins.isEmpty() ? new String[0] : bins.split(",")) {
                long[] r = MachineShrinker.binRange(item);
                assertThat(ram.encloses(Range.closedOpen(r[0], r[0] + r[1] * 4096))).as("bin %s", item).isTrue();
            }
        }
    }

    @Test
    void namesSourcesAndDefaultMaxAreTheFormatterTextTheyWereBefore() {
        for (long seed : new long[] {0, 1, -1, 0x5EEDL, Long.MIN_VALUE, Long.MAX_VALUE, 0xABCDEF}) {
            PlatformProfile p = MachineGenerator.generate(seed, DEFAULTS).profile();
            assertThat(p.name()).isEqualTo(String.format(java.util.Locale.ROOT, "gen-%016x", seed));
            assertThat(p.sources()).contains(String.format(java.util.Locale.ROOT, "generated: MachineGenerator seed 0x%016X (%s)",
                    seed, DEFAULTS));
            assertThat(p.description()).isEqualTo(String.format(java.util.Locale.ROOT, "generated machine: %s, %d descriptors",
                    String.join(" ", MachineGenerator.generate(seed, DEFAULTS).kinds()), p.memoryMap().size()));
        }
        for (long seed = 0; seed < 200; seed++) {
            PlatformProfile p = MachineGenerator.generate(seed, DEFAULTS).profile();
            String max = p.placement().param("default-max", "");
            if (!max.isEmpty()) {
                assertThat(max).matches("0x[0-9A-F]+");
                assertThat(String.format("0x%X", Long.parseUnsignedLong(max.substring(2), 16))).isEqualTo(max);
            }
            for (String bin : p.placement().param("bins", "").split(",")) {
                if (!bin.isEmpty()) {
                    long[] r = MachineShrinker.binRange(bin);
                    assertThat(bin).isEqualTo(String.format("%s@0x%X+0x%X", bin.substring(0, bin.indexOf('@')), r[0], r[1]));
                }
            }
        }
    }

    @Test
    void theSameSeedGivesTheSameMachineAndOtherSeedsOtherMachines() {
        for (long seed : new long[] {0, 1, -1, 0x5EEDL, Long.MIN_VALUE}) {
            assertThat(MachineGenerator.generate(seed, DEFAULTS)).isEqualTo(MachineGenerator.generate(seed, DEFAULTS));
            assertThat(MachineGenerator.generate(seed, DEFAULTS).profile().name()).isEqualTo(MachineGenerator.nameOf(seed));
        }
        Set<List<MemoryDescriptor>> maps = new HashSet<>();
        for (long seed = 0; seed < 50; seed++) {
            maps.add(MachineGenerator.generate(seed, DEFAULTS).profile().memoryMap());
        }
        assertThat(maps).hasSize(50);
    }

    @Test
    void everyKindOfMachineIsGeneratedAndSizesSpanTheSettings() {
        Set<String> kinds = new HashSet<>();
        int min = Integer.MAX_VALUE;
        int max = 0;
        long minRam = Long.MAX_VALUE;
        long maxRam = 0;
        for (long seed = 0; seed < 600; seed++) {
            MachineGenerator.Machine m = MachineGenerator.generate(seed, DEFAULTS);
            kinds.addAll(m.kinds());
            min = Math.min(min, m.profile().memoryMap().size());
            max = Math.max(max, m.profile().memoryMap().size());
            minRam = Math.min(minRam, m.profile().ramBytes());
            maxRam = Math.max(maxRam, m.profile().ramBytes());
        }
        for (MachineGenerator.LowMemory l : MachineGenerator.LowMemory.values()) {
            assertThat(kinds).contains(l.tag());
        }
        for (MachineGenerator.Placement p : MachineGenerator.Placement.values()) {
            assertThat(kinds).contains(p.tag());
        }
        assertThat(kinds).contains("dell-1-64mib", "unsorted", "holes", "legacy-reserved", "high-ram");
        assertThat(min).isLessThanOrEqualTo(12);
        assertThat(max).isGreaterThanOrEqualTo(1500);
        assertThat(minRam).isLessThan(1L << 30);
        assertThat(maxRam).isGreaterThan(1L << 40);
    }

    @Test
    void dellMachinesHaveNoFreePageBelow1MiBAndNothingAtAddress0() {
        int seen = 0;
        for (long seed = 0; seed < 200; seed++) {
            MachineGenerator.Machine m = MachineGenerator.generate(seed, DEFAULTS);
            if (!m.kinds().contains("low-dell")) {
                continue;
            }
            seen++;
            PlatformProfile p = m.profile();
            assertThat(p.descriptorsBelow(0x100000)).noneMatch(d -> d.type() == MemoryType.EfiConventionalMemory.value());
            assertThat(p.descriptorsBelow(0x10000)).isEmpty();
            assertThat(p.hasQuirk("page0-not-ram")).isTrue();
        }
        assertThat(seen).isGreaterThan(10);
    }

    @Test
    void lowFirstMachinesCarryTheQuirkAndUnsortedOnesAreOutOfOrder() {
        for (long seed = 0; seed < 200; seed++) {
            MachineGenerator.Machine m = MachineGenerator.generate(seed, DEFAULTS);
            PlatformProfile p = m.profile();
            assertThat(p.hasQuirk("low-alloc-first")).isEqualTo(m.kinds().contains("low-first"));
            assertThat(p.placement().name()).isEqualTo(m.kinds().contains("low-first") ? "low-first" : "edk2-topdown");
            assertThat(p.hasQuirk("unsorted-map")).isEqualTo(m.kinds().contains("unsorted"));
        }
    }

    @Test
    void settingsBoundTheMachine() {
        MachineGenerator.Settings small = DEFAULTS.withDescriptors(4, 200).withRam(256L << 20, 4L << 30);
        for (long seed = 0; seed < 200; seed++) {
            PlatformProfile p = MachineGenerator.generate(seed, small).profile();
            assertThat(p.memoryMap().size()).as("seed %d", seed).isLessThanOrEqualTo(215);
            assertThat(p.ramBytes()).as("seed %d", seed).isLessThanOrEqualTo((4L << 30) + (1L << 20));
        }
    }

    @Test
    void highRamOfAFewMiBSplitIntoHolesGivesOnlyNonEmptyDescriptorsThatHoldAllOfIt() {
        // found by a 40 000-machine hunt of seed 3: 2 MiB of RAM above 4 GiB, to be split into 3 parts with holes
        // between them; the third part was left with nothing, a zero-length descriptor the profile refused
        long seed = Long.parseUnsignedLong("661970b16bb84f98", 16);
        PlatformProfile p = MachineGenerator.generate(seed, DEFAULTS).profile();
        assertThat(p.memoryMap()).allSatisfy(d -> assertThat(d.numberOfPages()).as("%s", d).isPositive());
        List<MemoryDescriptor> high = p.memoryMap().stream()
                .filter(d -> d.physicalStart() >= 1L << 32 && d.type() == MemoryType.EfiConventionalMemory.value())
                .toList();
        assertThat(high).hasSize(2);
        assertThat(high.stream().mapToLong(MemoryDescriptor::numberOfPages).sum()).isEqualTo((2L << 20) / 4096);
        assertThat(MemoryMapCheck.check(p.memoryMap())).isEmpty();
    }

    @Test
    void badSettingsAreRejectedWithTheRangeExpected() {
        assertThatThrownBy(() -> new MachineGenerator.Settings(3, 10, 256L << 20, 1L << 30))
                .hasMessageContaining("expected 4 <= min <= max <= 100000");
        assertThatThrownBy(() -> new MachineGenerator.Settings(4, 10, 1L << 20, 1L << 30))
                .hasMessageContaining("expected 256 MiB <= min <= max <= 64 TiB");
    }

    private static long largest(PlatformProfile p, MemoryType type) {
        return p.memoryMap().stream().filter(d -> d.type() == type.value() && d.end() <= 1L << 32)
                .mapToLong(MemoryDescriptor::numberOfPages).max().orElse(0);
    }
}
