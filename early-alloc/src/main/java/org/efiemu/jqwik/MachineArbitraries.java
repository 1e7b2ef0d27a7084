package org.efiemu.jqwik;

import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Shrinkable;
import net.jqwik.api.ShrinkingDistance;
import org.efiemu.platform.PlatformProfile;
import org.efiemu.platform.random.MachineGenerator;
import org.efiemu.platform.random.MachineShrinker;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.efiemu.uefi.spec.MemoryType;

/**
 * Generated machines as a jqwik {@link Arbitrary}: each value is the machine {@link MachineGenerator} makes from a seed
 * drawn from jqwik's random source (so jqwik's seed reproduces it), and it shrinks through
 * {@link MachineShrinker#simplifications} with a distance of (descriptors, placement parameters and quirks, how special the
 * types are, pages), so every accepted step makes the machine simpler.
 */
public final class MachineArbitraries {
    private MachineArbitraries() {
    }

    /** Machines with the generator's default settings (4-2000 descriptors, 256 MiB-6 TiB). */
    public static Arbitrary<PlatformProfile> machines() {
        return machines(MachineGenerator.Settings.defaults());
    }

    /** Machines with the given settings. */
    public static Arbitrary<PlatformProfile> machines(MachineGenerator.Settings settings) {
        return Arbitraries.fromGenerator(random -> new MachineShrinkable(
                MachineGenerator.generate(random.nextLong(), settings).profile()));
    }

    /** A machine and its simplifications. */
    private record MachineShrinkable(PlatformProfile value) implements Shrinkable<PlatformProfile> {
        @Override
        public Stream<Shrinkable<PlatformProfile>> shrink() {
            ShrinkingDistance here = distance();
            return MachineShrinker.simplifications(value).<Shrinkable<PlatformProfile>>map(MachineShrinkable::new)
                    .filter(s -> s.distance().compareTo(here) < 0);
        }

        @Override
        public ShrinkingDistance distance() {
            long special = 0;
            long pages = 0;
            for (MemoryDescriptor d : value.memoryMap()) {
                special += rank(d.type());
                pages += d.numberOfPages();
            }
            return ShrinkingDistance.of(value.memoryMap().size(),
                    value.placement().params().size() + (value.placement().name().equals("edk2-topdown") ? 0 : 1)
                            + value.quirks().size(), special, pages);
        }

        /** How far a type is from plain free memory. */
        private static long rank(int type) {
            if (type == MemoryType.EfiConventionalMemory.value()) {
                return 0;
            }
            return type == MemoryType.EfiBootServicesData.value() ? 1 : 2;
        }
    }
}
