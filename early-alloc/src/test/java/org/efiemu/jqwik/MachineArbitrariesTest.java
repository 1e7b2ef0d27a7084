package org.efiemu.jqwik;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import java.util.Random;
import java.util.function.Predicate;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Shrinkable;
import org.efiemu.platform.MemoryMapCheck;
import org.efiemu.platform.PlatformProfile;
import org.efiemu.platform.random.MachineGenerator;
import org.efiemu.platform.random.MachineShrinker;
import org.efiemu.uefi.spec.MemoryType;
import org.junit.jupiter.api.Test;

class MachineArbitrariesTest {

    @Property(tries = 30)
    void machinesParametersAreValidProfilesWithinTheAnnotationsBounds(
            @ForAll @Machines(minDescriptors = 10, maxDescriptors = 60, maxRamMiB = 8192) PlatformProfile machine) {
        assertThat(MemoryMapCheck.check(machine.memoryMap())).isEmpty();
        assertThat(machine.memoryMap().size()).isBetween(4, 75);
        assertThat(machine.ramBytes()).isLessThanOrEqualTo((8192L << 20) + (1L << 20));
    }

    @Test
    void shrinkingWalksTheHuntsSimplificationsToTheSameMinimalMachine() {
        Shrinkable<PlatformProfile> s = MachineArbitraries.machines(MachineGenerator.Settings.defaults().withDescriptors(50, 300))
                .generator(1000).next(new Random(7));
        Predicate<PlatformProfile> bsData = p -> p.memoryMap().stream()
                .anyMatch(d -> d.type() == MemoryType.EfiBootServicesData.value());
        // greedy, as jqwik does: take the first simpler candidate that still falsifies "no boot-services data"
        Shrinkable<PlatformProfile> current = s;
        while (true) {
            Shrinkable<PlatformProfile> here = current;
            Optional<Shrinkable<PlatformProfile>> next = here.shrink().filter(c -> bsData.test(c.value())).findFirst();
            if (next.isEmpty()) {
                break;
            }
            assertThat(next.get().distance().compareTo(here.distance())).isNegative();
            current = next.get();
        }
        assertThat(current.value().memoryMap()).hasSize(1);
        assertThat(current.value().memoryMap().get(0).numberOfPages()).isEqualTo(1);
        PlatformProfile hunt = MachineShrinker.shrink(s.value(), bsData, 1_000_000).machine();
        assertThat(hunt.memoryMap()).hasSize(1);
        assertThat(hunt.memoryMap().get(0).type()).isEqualTo(current.value().memoryMap().get(0).type());
    }
}
