package org.efiemu.earlyalloc.cli;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import org.efiemu.earlyalloc.Strategy;
import org.efiemu.earlyalloc.StrategyCatalog;
import org.efiemu.platform.PlatformProfile;
import org.efiemu.platform.ProfileRegistry;

/** Resolves {@code --platform} and {@code --strategy} values (names or file paths); empty means all built-ins. */
final class Selection {
    private Selection() {
    }

    static List<PlatformProfile> platforms(List<String> given, ProfileRegistry registry) throws IOException {
        List<String> names = given == null || given.isEmpty() ? ProfileRegistry.builtInNames() : given;
        List<PlatformProfile> out = new ArrayList<>();
        for (String n : new LinkedHashSet<>(names)) {
            out.add(registry.resolve(n));
        }
        return out;
    }

    static List<Strategy> strategies(List<String> given) throws IOException {
        if (given == null || given.isEmpty()) {
            return StrategyCatalog.builtIns();
        }
        List<Strategy> out = new ArrayList<>();
        for (String n : new LinkedHashSet<>(given)) {
            out.add(StrategyCatalog.resolve(n));
        }
        return out;
    }
}
