package org.efiemu.earlyalloc.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
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

    @Option(names = "--counting", paramLabel = "HOW", defaultValue = "blocks", description = "how guest instructions are "
            + "counted: blocks (default: one hook per translated block, exact) or per-instruction (several times slower; "
            + "for comparing)")
    String counting;

    @Option(names = "--time-limit", paramLabel = "DURATION", description = "host wall-clock limit, e.g. 30s, 10m, 1h, "
            + "500ms, 0 = none (default: 10m); the run then ends with a stop report")
    String timeLimit;

    /** The {@code --counting} choice; a value not listed is a clear error naming the option. */
    org.efiemu.core.clock.InstructionCounting instructionCounting() {
        return switch (counting.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "blocks", "block" -> org.efiemu.core.clock.InstructionCounting.BLOCKS;
            case "per-instruction", "instruction" -> org.efiemu.core.clock.InstructionCounting.PER_INSTRUCTION;
            default -> throw new IllegalArgumentException("--counting '" + counting
                    + "': expected blocks or per-instruction");
        };
    }

    /** The {@code --time-limit}, or {@code fallback} when none was given. */
    java.time.Duration timeLimit(java.time.Duration fallback) {
        return timeLimit == null ? fallback : parseDuration(timeLimit, "--time-limit");
    }

    /**
     * A duration as a number with a unit ({@code ms}, {@code s}, {@code m}, {@code h}; none = seconds); 0 means no
     * limit ({@link java.time.Duration#ZERO}).
     */
    static java.time.Duration parseDuration(String text, String option) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)\\s*(ms|s|m|min|h)?")
                .matcher(text.trim().toLowerCase(java.util.Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException(option + " '" + text + "': expected a number with a unit ms, s, m or h "
                    + "(e.g. 30s, 10m), or 0 for no limit");
        }
        long n;
        try {
            n = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " '" + text + "': the number is too large");
        }
        String unit = m.group(2) == null ? "s" : m.group(2);
        return switch (unit) {
            case "ms" -> java.time.Duration.ofMillis(n);
            case "m", "min" -> java.time.Duration.ofMinutes(n);
            case "h" -> java.time.Duration.ofHours(n);
            default -> java.time.Duration.ofSeconds(n);
        };
    }

    /** The platform named by {@code --platform} (a built-in or user profile name, or a profile file). */
    PlatformProfile profile() throws IOException {
        ProfileRegistry registry = profileDir != null ? new ProfileRegistry(profileDir) : ProfileRegistry.standard();
        return registry.resolve(platform);
    }

    /** The payload's bytes; a missing or unreadable file is one clear error naming it. */
    byte[] payloadBytes() throws IOException {
        try {
            return Files.readAllBytes(payload);
        } catch (NoSuchFileException e) {
            throw new IOException("payload " + payload + " does not exist", e);
        } catch (IOException e) {
            throw new IOException("payload " + payload + " cannot be read: " + e.getMessage(), e);
        }
    }

    String payloadName() {
        return payload.getFileName().toString();
    }

    /** The {@code --esp} folder, checked to be a directory, or null when none was given. */
    Path espFolder() {
        if (esp != null && !Files.isDirectory(esp)) {
            throw new IllegalArgumentException("--esp " + esp + " is not a directory");
        }
        return esp;
    }
}
