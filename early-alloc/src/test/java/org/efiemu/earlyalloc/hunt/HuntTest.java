package org.efiemu.earlyalloc.hunt;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.efiemu.earlyalloc.ScenarioOptions;
import org.efiemu.earlyalloc.ScenarioRunner;
import org.efiemu.earlyalloc.StrategyCatalog;
import org.efiemu.earlyalloc.report.ReasonKind;
import org.efiemu.platform.PlatformProfile;
import org.efiemu.platform.random.MachineGenerator;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.efiemu.uefi.spec.MemoryType;
import org.junit.jupiter.api.Test;

/** The hunt finds, by itself, the machines the seed found in data centres (bounded seeds and budgets: seconds each). */
class HuntTest {
    private static final ScenarioRunner RUNNER = ScenarioRunner.standard();

    private static Hunt.Outcome hunt(String strategy, Hunt.Options options) {
        return new Hunt(RUNNER, StrategyCatalog.builtIn(strategy), options).run(new Hunt.Listener() {});
    }

    @Test
    void memLowerHuntingFirmwareCorruptionFindsAMachineWhoseLowMemoryIsBootServicesMemory() {
        Hunt.Outcome o = hunt("mem-lower", Hunt.Options.defaults().withSeed(1).withScenarios(20).withJobs(2)
                .withReason(ReasonKind.FIRMWARE_MEMORY_CORRUPTED).withShrinkBudget(300));
        assertThat(o.found()).isPresent();
        PlatformProfile minimal = o.minimal().orElseThrow().scenario().platform();
        MemoryDescriptor first = minimal.memoryMap().stream().filter(d -> d.physicalStart() == 0).findFirst().orElseThrow();
        assertThat(MemoryType.nameOf(first.type())).startsWith("EfiBootServices");
        assertThat(minimal.descriptorsBelow(0xA0000)).noneMatch(d -> d.type() == MemoryType.EfiConventionalMemory.value());
        assertThat(minimal.memoryMap().size()).isLessThanOrEqualTo(6);
        Breakage b = Breakage.of(o.minimal().get(), o.options().threshold());
        assertThat(b).isEqualTo(o.found().get().breakage());
        assertThat(b.kind()).isEqualTo(ReasonKind.FIRMWARE_MEMORY_CORRUPTED);
        assertThat(o.minimal().get().report().reasons().get(0).evidence().address()).isLessThan(0xA0000L);
    }

    @Test
    void staticPool64kHuntFindsAMapTooLargeForThePool() {
        Hunt.Outcome o = hunt("static-pool-64k", Hunt.Options.defaults().withSeed(1).withScenarios(30).withJobs(2)
                .withMachines(MachineGenerator.Settings.defaults().withDescriptors(1000, 2000)).withShrinkBudget(40));
        assertThat(o.found()).isPresent();
        assertThat(o.found().get().breakage().kind()).isEqualTo(ReasonKind.MAP_BUFFER_TOO_SMALL);
        // the pool holds about (64 KiB - 1.2 KiB) / 48 - 8 = 1330 descriptors
        assertThat(o.minimal().orElseThrow().scenario().platform().memoryMap().size()).isGreaterThan(1250);
        assertThat(Breakage.of(o.minimal().get(), o.options().threshold()).kind()).isEqualTo(ReasonKind.MAP_BUFFER_TOO_SMALL);
        // the descriptors must stay, their types need not: the shrink makes them plain while the reason kind holds
        var minimalMap = o.minimal().get().scenario().platform().memoryMap();
        long plain = minimalMap.stream().filter(d -> org.efiemu.platform.PlatformProfile.isDeviceRange(d)
                || d.type() == org.efiemu.uefi.spec.MemoryType.EfiConventionalMemory.value()
                || d.type() == org.efiemu.uefi.spec.MemoryType.EfiBootServicesData.value()).count();
        assertThat(plain).as("plain or device descriptors of %d", minimalMap.size())
                .isGreaterThanOrEqualTo(minimalMap.size() * 9L / 10);
    }

    @Test
    void placeStringMb2HuntFindsTheHoleBelow1MiB() {
        Hunt.Outcome o = hunt("place-string-mb2", Hunt.Options.defaults().withSeed(1).withScenarios(20).withJobs(2)
                .withMachines(MachineGenerator.Settings.defaults().withDescriptors(4, 200)).withShrinkBudget(400));
        assertThat(o.found()).isPresent();
        Breakage b = o.found().get().breakage();
        assertThat(b.kind()).isEqualTo(ReasonKind.NOT_RAM);
        PlatformProfile minimal = o.minimal().orElseThrow().scenario().platform();
        assertThat(minimal.ramRanges().intersects(com.google.common.collect.Range.closedOpen(0xA0000L, 0x100000L))).isFalse();
        Long hole = o.minimal().get().report().reasons().get(0).evidence().address();
        assertThat(hole).isBetween(0xA0000L, 0xFFFFFL);
    }

    @Test
    void theFindingAndTheShrunkMachineDoNotDependOnTheNumberOfJobs() {
        Hunt.Options options = Hunt.Options.defaults().withSeed(7).withScenarios(10).withShrinkBudget(60);
        Hunt.Outcome one = hunt("mem-lower", options.withJobs(1));
        Hunt.Outcome two = hunt("mem-lower", options.withJobs(2));
        assertThat(two.found().orElseThrow().index()).isEqualTo(one.found().orElseThrow().index());
        assertThat(two.minimal().orElseThrow().scenario().platform()).isEqualTo(one.minimal().orElseThrow().scenario().platform());
        assertThat(two.shrink().orElseThrow().evaluations()).isEqualTo(one.shrink().orElseThrow().evaluations());
        assertThat(two.kinds()).isEqualTo(one.kinds());
    }

    @Test
    void aHuntThatFindsNothingSaysHowManyMachinesItTriedAndOfWhichKinds() {
        Hunt.Outcome o = hunt("mem-lower", Hunt.Options.defaults().withSeed(3).withScenarios(6).withJobs(2)
                .withReason(ReasonKind.BOOT_SERVICE_AFTER_EXIT));
        assertThat(o.found()).isEmpty();
        assertThat(o.tried()).isEqualTo(6);
        long lowKinds = java.util.Arrays.stream(MachineGenerator.LowMemory.values())
                .mapToLong(l -> o.kinds().getOrDefault(l.tag(), 0L)).sum();
        assertThat(lowKinds).isEqualTo(6);
    }

    @Test
    void aStrategyThatHangsIsAFindingNotACrashOfTheHunt() {
        Hunt.Options options = new Hunt.Options(5, 3, java.util.Optional.empty(), 2, org.efiemu.earlyalloc.report.Verdict.FAIL,
                MachineGenerator.Settings.defaults().withDescriptors(4, 50), 20,
                new ScenarioOptions(java.util.OptionalLong.empty(), 0, 20_000), java.util.Optional.empty());
        Hunt.Outcome o = hunt("efi-pool", options);
        assertThat(o.found()).isPresent();
        assertThat(o.found().get().index()).isZero();
        assertThat(o.found().get().breakage().ending()).isEqualTo("LIMIT");
        assertThat(o.found().get().breakage().toString()).contains("a run limit was reached");
    }

    @Test
    void machineSeedsDifferPerIndexAndDependOnlyOnSeedAndIndex() {
        assertThat(Hunt.machineSeed(1, 0)).isEqualTo(Hunt.machineSeed(1, 0)).isNotEqualTo(Hunt.machineSeed(1, 1))
                .isNotEqualTo(Hunt.machineSeed(2, 0));
        assertThat(List.of(0L, 1L, 2L).stream().map(i -> Hunt.machineSeed(0, i)).distinct()).hasSize(3);
    }
}
