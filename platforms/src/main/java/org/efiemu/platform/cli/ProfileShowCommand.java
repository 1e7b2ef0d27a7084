package org.efiemu.platform.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.efiemu.platform.MapPicture;
import org.efiemu.platform.PlatformProfile;
import org.efiemu.platform.ProfileFormatException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code profile show <name|file>}: header facts, the map as a table and as pictures by type. */
@Command(name = "show", mixinStandardHelpOptions = true, description = "Show a profile's map as a table and a picture.")
final class ProfileShowCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @ParentCommand
    ProfileCommand parent;

    @Parameters(index = "0", paramLabel = "NAME|FILE", description = "a profile name or a .profile file")
    String profile;

    @Override
    public Integer call() throws Exception {
        PlatformProfile p;
        try {
            p = parent.registry().resolve(profile);
        } catch (ProfileFormatException | IllegalArgumentException e) {
            spec.commandLine().getErr().println("profile show: " + e.getMessage());
            return 1;
        }
        PrintWriter o = spec.commandLine().getOut();
        o.println(p);
        o.println(p.description());
        p.sources().forEach(s -> o.println("  source: " + s));
        o.printf("firmware %s, UEFI %d.%02d, placement %s, quirks %s%n", p.firmware().vendor(),
                p.firmware().uefiRevision() >>> 16, p.firmware().uefiRevision() & 0xFFFF, p.placement(), p.quirks());
        o.println();
        o.print(MapPicture.table(p.memoryMap()));
        o.println();
        o.print(MapPicture.pictures(p.memoryMap()));
        o.flush();
        return 0;
    }
}
