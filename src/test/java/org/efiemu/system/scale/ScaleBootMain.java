package org.efiemu.system.scale;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.efiemu.platform.PlatformProfile;
import org.efiemu.platform.ProfileParser;
import org.efiemu.platform.ProfileRegistry;

/**
 * Command line: boots {@code <strategy>} on {@code <profile>} once to ExitBootServices and prints the boot's summary
 * and this process's peak resident set ({@code VmHWM} of /proc/self/status). Run as its own JVM per profile so the
 * peaks are comparable:
 * {@code java -cp <test classpath> org.efiemu.system.scale.ScaleBootMain dell-poweredge-r820-1.5t efi-pool}. A third
 * argument replaces the profile's placement (e.g. {@code edk2-topdown}, the built-ins' rule before their bins and
 * default-max were inferred), to measure what that placement costs.
 */
public final class ScaleBootMain {

    private ScaleBootMain() {}

    public static void main(String[] args) throws IOException {
        if (args.length < 2 || args.length > 3) {
            System.err.println("usage: ScaleBootMain <profile> <strategy> [<placement spec replacing the profile's>]");
            System.exit(2);
        }
        PlatformProfile profile = ProfileRegistry.builtIn(args[0]);
        if (args.length == 3) {
            profile = profile.toBuilder().placement(ProfileParser.parse("name: x\nplacement: " + args[2]
                    + "\nmemory-map:\n", "argument 3").placement()).build();
        }
        String before = peakRss();
        long t0 = System.nanoTime();
        ScaleBoot boot = ScaleBoot.run(profile, args[1]);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.println(boot.summary());
        System.out.printf("VmHWM before boot %s, after boot %s; boot took %d ms wall%n", before, peakRss(), ms);
    }

    static String peakRss() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("VmHWM:"))
                .map(l -> l.substring("VmHWM:".length()).trim()).findFirst().orElse("unknown");
    }
}
