package org.efiemu.jqwik;

import java.util.Set;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.providers.ArbitraryProvider;
import net.jqwik.api.providers.TypeUsage;
import org.efiemu.platform.PlatformProfile;
import org.efiemu.platform.random.MachineGenerator;

/** Provides {@code @ForAll @Machines PlatformProfile} parameters (registered in META-INF/services). */
public final class MachinesArbitraryProvider implements ArbitraryProvider {
    @Override
    public boolean canProvideFor(TypeUsage targetType) {
        return targetType.isOfType(PlatformProfile.class) && targetType.findAnnotation(Machines.class).isPresent();
    }

    @Override
    public Set<Arbitrary<?>> provideFor(TypeUsage targetType, SubtypeProvider subtypeProvider) {
        Machines m = targetType.findAnnotation(Machines.class).orElseThrow();
        MachineGenerator.Settings settings = new MachineGenerator.Settings(m.minDescriptors(), m.maxDescriptors(),
                m.minRamMiB() << 20, m.maxRamMiB() << 20);
        return Set.of(MachineArbitraries.machines(settings));
    }

    @Override
    public int priority() {
        return 5; // above jqwik's default providers, which know nothing of PlatformProfile
    }
}
