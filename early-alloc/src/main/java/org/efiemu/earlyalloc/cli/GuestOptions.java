package org.efiemu.earlyalloc.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.efiemu.platform.PlatformProfile;
import org.efiemu.platform.ProfileRegistry;
import picocli.CommandLine.Option;

/**
 * The options every command that boots one EFI application shares ({@code efiemu run}, {@code efiemu debug}): which
 * platform, which payload, the ESP folder, the load options and the user profile folder; mixed in with picocli's
 * {@code @Mixin}.
 */
public final class GuestOptions {
    @Option(names = "--platform", required = true, paramLabel = "P", description = "platform name or profile file")
    String platform;

    @Option(names = "--payload", required = true, paramLabel = "X.efi", description = "the EFI application (PE32+)")
    Path payload;

    @Option(names = "--esp", paramLabel = "DIR", description = "a host folder as the EFI System Partition (SimpleFileSystem; read-only unless said otherwise)")
    Path esp;

    @Option(names = "--load-options", paramLabel = "TEXT", description = "the LoadedImage LoadOptions (command line)")
    String loadOptions;

    @Option(names = "--profile-dir", paramLabel = "DIR", description = "user profile folder")
    Path profileDir;

    /** The platform named by {@code --platform} (a built-in or user profile name, or a profile file). */
    PlatformProfile profile() throws IOException {
        ProfileRegistry registry = profileDir != null ? new ProfileRegistry(profileDir) : ProfileRegistry.standard();
        return registry.resolve(platform);
    }

    /** The payload's bytes; a missing or unreadable file is one clear error naming it. */
    byte[] payloadBytes() throws IOException {
        return InputFiles.read(payload, "payload", InputFiles.MAX_PAYLOAD_BYTES);
    }

    String payloadName() {
        return payload.getFileName().toString();
    }

    /** Checks {@code --load-options} before anything runs (its length has a limit; see UefiMachineBuilder). */
    void checkLoadOptions() {
        if (loadOptions != null && loadOptions.length() > org.efiemu.uefi.UefiMachineBuilder.MAX_LOAD_OPTIONS_CHARS) {
            throw new IllegalArgumentException(String.format("--load-options is %,d characters long; expected at most %,d",
                    loadOptions.length(), org.efiemu.uefi.UefiMachineBuilder.MAX_LOAD_OPTIONS_CHARS));
        }
    }

    /** The {@code --esp} folder, checked to be a directory, or null when none was given. */
    Path espFolder() {
        if (esp != null && !Files.isDirectory(esp)) {
            throw new IllegalArgumentException("--esp " + esp + " is not a directory");
        }
        return esp;
    }
}
