package org.efiemu.platform.random;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.efiemu.platform.PlatformProfile;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.efiemu.uefi.spec.MemoryType;
import org.junit.jupiter.api.Test;

class MachineShrinkerTest {

    private static final MachineGenerator.Settings DEFAULTS = MachineGenerator.Settings.defaults();

    private static PlatformProfile machine(String kind, int minDescriptors) {
        for (long seed = 0; ; seed++) {
            MachineGenerator.Machine m = MachineGenerator.generate(seed, DEFAULTS);
            if (m.kinds().contains(kind) && m.profile().memoryMap().size() >= minDescriptors) {
                return m.profile();
            }
        }
    }

    @Test
    void shrinkingKeepsThePropertyAndEndsWithOneDescriptorWhenOneIsAllItNeeds() {
        PlatformProfile start = machine("low-ibm", 100);
        Predicate<PlatformProfile> nvsBelow1MiB = p -> p.descriptorsBelow(0x100000).stream()
                .anyMatch(d -> d.type() == MemoryType.EfiACPIMemoryNVS.value());
        MachineShrinker.Result r = MachineShrinker.shrink(start, nvsBelow1MiB, 100_000);
        assertThat(nvsBelow1MiB).accepts(r.machine());
        assertThat(r.exhausted()).isFalse();
        assertThat(r.machine().memoryMap()).hasSize(1);
        assertThat(r.machine().memoryMap().get(0).numberOfPages()).isEqualTo(1);
        assertThat(r.machine().placement().params()).isEmpty();
        assertThat(r.machine().quirks()).containsExactly("page0-not-ram");
    }

    @Test
    void aDescriptorCountPropertyShrinksToExactlyThatCount() {
        PlatformProfile start = machine("unsorted", 400);
        MachineShrinker.Result r = MachineShrinker.shrink(start, p -> p.memoryMap().size() > 100, 100_000);
        assertThat(r.machine().memoryMap()).hasSize(101);
        assertThat(r.machine().hasQuirk("unsorted-map")).isFalse(); // sorting is a simplification too
    }

    @Test
    void typesBecomePlainerAndSizesRounderWhenThePropertyAllowsIt() {
        PlatformProfile start = machine("low-dell", 50);
        // property: some boot-services data lies below 1 MiB
        Predicate<PlatformProfile> bsLow = p -> p.descriptorsBelow(0x100000).stream()
                .anyMatch(d -> d.type() == MemoryType.EfiBootServicesData.value());
        MachineShrinker.Result r = MachineShrinker.shrink(start, bsLow, 100_000);
        assertThat(r.machine().memoryMap()).hasSize(1);
        MemoryDescriptor d = r.machine().memoryMap().get(0);
        assertThat(d.type()).isEqualTo(MemoryType.EfiBootServicesData.value());
        assertThat(d.numberOfPages()).isEqualTo(1);
        assertThat(d.physicalStart() % 0x10000).isZero();
    }

    @Test
    void theResultAndEvaluationCountDoNotDependOnTheBatchSize() {
        PlatformProfile start = machine("edk2-bins", 300);
        Predicate<PlatformProfile> p = x -> x.memoryMap().stream()
                .filter(d -> d.type() == MemoryType.EfiBootServicesCode.value()).count() >= 3;
        MachineShrinker.Result one = MachineShrinker.shrink(start, p, 5_000);
        for (int batch : new int[] {2, 7, 64}) {
            AtomicInteger calls = new AtomicInteger();
            MachineShrinker.Tester allAtOnce = candidates -> { // evaluates the whole batch, as parallel workers would
                calls.incrementAndGet();
                List<Boolean> results = candidates.stream().map(p::test).toList();
                return results.indexOf(true);
            };
            MachineShrinker.Result many = MachineShrinker.shrink(start, allAtOnce, batch, 5_000);
            assertThat(many.machine()).isEqualTo(one.machine());
            assertThat(many.evaluations()).isEqualTo(one.evaluations());
            assertThat(many.steps()).isEqualTo(one.steps());
        }
    }

    @Test
    void theBudgetBoundsTheEvaluations() {
        PlatformProfile start = machine("edk2-bins", 1000);
        AtomicInteger evaluated = new AtomicInteger();
        MachineShrinker.Result r = MachineShrinker.shrink(start, x -> {
            evaluated.incrementAndGet();
            return x.memoryMap().size() > 10;
        }, 25);
        assertThat(r.evaluations()).isEqualTo(25);
        assertThat(evaluated.get()).isEqualTo(25);
        assertThat(r.exhausted()).isTrue();
        assertThat(r.machine().memoryMap().size()).isLessThan(start.memoryMap().size()).isGreaterThan(10);
    }

    @Test
    void binsThatLeaveRamAreDroppedSoEveryCandidateIsAMachineTheModelAccepts() {
        PlatformProfile start = machine("edk2-bins", 20);
        MachineShrinker.Result r = MachineShrinker.shrink(start, p -> {
            org.efiemu.uefi.memory.PlacementRules.create(p.placement());
            return p.memoryMap().stream().anyMatch(d -> d.type() == MemoryType.EfiRuntimeServicesData.value());
        }, 100_000);
        assertThat(r.machine().memoryMap()).hasSize(1);
        assertThat(r.machine().placement().params()).doesNotContainKey("bins");
    }

    @Test
    void typesOfAMapWhoseDescriptorCountMustStayBecomePlainWithinAFewEvaluations() {
        PlatformProfile start = machine("edk2-bins", 1000);
        int n = start.memoryMap().size();
        // the property of a map too large for a strategy's buffer: (nearly) every descriptor must stay, and contiguous
        // descriptors of one type would be merged by the firmware, so they must not count twice
        Predicate<PlatformProfile> large = p -> reportedDescriptors(p) >= n - 5;
        assertThat(large).accepts(start);
        MachineShrinker.Result r = MachineShrinker.shrink(start, large, 200);
        assertThat(large).accepts(r.machine());
        long plain = r.machine().memoryMap().stream().filter(d -> PlatformProfile.isDeviceRange(d)
                || d.type() == MemoryType.EfiConventionalMemory.value()
                || d.type() == MemoryType.EfiBootServicesData.value()).count();
        assertThat(plain).as("plain or device descriptors of %d after %d evaluations", r.machine().memoryMap().size(),
                r.evaluations()).isGreaterThanOrEqualTo(r.machine().memoryMap().size() * 9L / 10);
    }

    /** Descriptors as a firmware reports them: a descriptor contiguous with the previous one of the same type merges. */
    private static int reportedDescriptors(PlatformProfile p) {
        List<MemoryDescriptor> sorted = new java.util.ArrayList<>(p.memoryMap());
        sorted.sort(java.util.Comparator.comparingLong(MemoryDescriptor::physicalStart));
        int count = 0;
        MemoryDescriptor previous = null;
        for (MemoryDescriptor d : sorted) {
            if (previous == null || previous.end() != d.physicalStart() || previous.type() != d.type()) {
                count++;
            }
            previous = d;
        }
        return count;
    }
}
