package org.efiemu.platform.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.efiemu.platform.ProfileRegistry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code profile}: platform profiles (docs/profiles.md). Subcommands {@code import}, {@code show}, {@code list}.
 * Mounted by the main {@code efiemu} command; prints only to the picocli-provided writers.
 */
@Command(name = "profile", mixinStandardHelpOptions = true,
        description = "Platform profiles: import real memory-map dumps, capture firmware, show and list profiles.",
        subcommands = {ProfileImportCommand.class, ProfileCaptureCommand.class, ProfileShowCommand.class,
                ProfileListCommand.class})
public final class ProfileCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--profile-dir", paramLabel = "DIR",
            description = "user profile folder (default: $EFIEMU_HOME/profiles, else ~/.config/efiemu/profiles)")
    Path profileDir;

    private final ProfileRegistry fixedRegistry;

    public ProfileCommand() {
        this(null);
    }

    /** A command bound to {@code registry} (tests, embedding); {@code --profile-dir} still overrides it. */
    public ProfileCommand(ProfileRegistry registry) {
        this.fixedRegistry = registry;
    }

    ProfileRegistry registry() {
        if (profileDir != null) {
            return new ProfileRegistry(profileDir);
        }
        return fixedRegistry != null ? fixedRegistry : ProfileRegistry.standard();
    }

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "missing subcommand: import, capture, show or list");
    }
}
