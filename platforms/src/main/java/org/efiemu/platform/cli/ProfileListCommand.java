package org.efiemu.platform.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import org.efiemu.platform.ProfileFormatException;
import org.efiemu.platform.ProfileRegistry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code profile list}: built-in and user profiles, one line each. */
@Command(name = "list", mixinStandardHelpOptions = true, description = "List built-in and user profiles.")
final class ProfileListCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @ParentCommand
    ProfileCommand parent;

    @Override
    public Integer call() throws Exception {
        ProfileRegistry registry = parent.registry();
        List<ProfileRegistry.Entry> entries;
        try {
            entries = registry.list();
        } catch (ProfileFormatException e) {
            spec.commandLine().getErr().println("profile list: " + e.getMessage());
            return 1;
        }
        PrintWriter o = spec.commandLine().getOut();
        int width = entries.stream().mapToInt(e -> e.name().length()).max().orElse(4);
        for (ProfileRegistry.Entry e : entries) {
            o.printf("%-" + width + "s  %-8s  %s%n", e.name(), e.origin() == ProfileRegistry.Origin.BUILT_IN ? "built-in"
                    : "user", e.description());
        }
        o.println("user profiles: " + registry.userDirectory());
        o.flush();
        return 0;
    }
}
