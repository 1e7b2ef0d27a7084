package org.efiemu.platform;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.efiemu.uefi.spec.MemoryType;

class RandomProfilesTest {

    @Property(tries = 50)
    void generatedMapsAreValidAndHaveTheRequestedDescriptorCount(@ForAll long seed,
            @ForAll @IntRange(min = 4, max = 3000) int count, @ForAll boolean free, @ForAll boolean holes,
            @ForAll boolean unsorted) {
        PlatformProfile p = RandomProfiles.generate(seed, new RandomProfiles.Options(count, free, holes, unsorted));
        assertThat(p.memoryMap()).hasSize(count);
        assertThat(MemoryMapCheck.check(p.memoryMap())).isEmpty();
    }

    @Property(tries = 30)
    void noFreeMemoryBelow1MiBWhenAsked(@ForAll long seed) {
        PlatformProfile p = RandomProfiles.generate(seed, new RandomProfiles.Options(1000, false, true, true));
        assertThat(p.descriptorsBelow(0x100000)).noneMatch(d -> d.type() == MemoryType.EfiConventionalMemory.value());
    }

    @Property(tries = 20)
    void sameSeedGivesTheSameProfileAndItRoundTrips(@ForAll long seed) {
        RandomProfiles.Options o = RandomProfiles.Options.defaults();
        PlatformProfile p = RandomProfiles.generate(seed, o);
        assertThat(RandomProfiles.generate(seed, o)).isEqualTo(p);
        String text = ProfileWriter.write(p);
        assertThat(ProfileWriter.write(ProfileParser.parse(text, "r"))).isEqualTo(text);
    }

    @Property(tries = 20)
    void defaultOptionsGiveFragmentedUnsortedMapsWithHoles(@ForAll long seed) {
        PlatformProfile p = RandomProfiles.generate(seed, RandomProfiles.Options.defaults());
        assertThat(p.memoryMap()).hasSizeGreaterThanOrEqualTo(1000);
        assertThat(p.hasQuirk("unsorted-map")).isTrue();
        long gaps = 0;
        var sorted = p.memoryMap().stream().sorted(java.util.Comparator.comparingLong(MemoryDescriptor::physicalStart)).toList();
        for (int i = 1; i < sorted.size(); i++) {
            if (sorted.get(i).physicalStart() > sorted.get(i - 1).end()) {
                gaps++;
            }
        }
        assertThat(gaps).isGreaterThan(5);
    }

    @Property(tries = 20)
    void linuxDumpOfARandomMapImportsBackToTheSameMapInFirmwareOrder(@ForAll long seed) {
        PlatformProfile p = RandomProfiles.generate(seed, new RandomProfiles.Options(1000, false, true, true));
        PlatformProfile back = org.efiemu.platform.importer.DumpImporter.importText(ImportBench.linuxDump(p.memoryMap()),
                "r.txt", org.efiemu.platform.importer.ImportOptions.defaults().withName("r")).profile();
        assertThat(back.memoryMap()).isEqualTo(p.memoryMap());
    }

    @org.junit.jupiter.api.Test
    void rangeReachingTheTopOfTheAddressSpaceIsRejected() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ProfileParser.parse(
                "name: t\nmemory-map:\nEfiConventionalMemory 0xFFFFFFFFFFFFF000-0xFFFFFFFFFFFFFFFF 0xF\n", "t"))
                .hasMessageContaining("t:3:").hasMessageContaining("end of the 64-bit address space");
    }
}
