package org.efiemu.earlyalloc.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import org.efiemu.earlyalloc.Strategy;
import org.efiemu.earlyalloc.StrategyCatalog;
import org.efiemu.earlyalloc.StrategyDescriptor;
import org.efiemu.platform.PlatformProfile;
import org.efiemu.platform.ProfileRegistry;
import picocli.CommandLine.Option;

/**
 * The options every command that boots one EFI application shares ({@code efiemu run}, {@code efiemu debug}): which
 * platform, which payload (a file, or a strategy by name as the matrix runs it), where it is loaded, the instruction
 * budget, the ESP folder, the load options and the user profile folder; mixed in with picocli's {@code @Mixin}.
 */
public final class GuestOptions {
    /** The budget when none is given: far above what a boot loader's early code needs. */
    static final long DEFAULT_BUDGET = 2_000_000_000L;

    @Option(names = "--platform", required = true, paramLabel = "P", description = "platform name or profile file")
    String platform;

    @Option(names = "--payload", paramLabel = "X.efi", description = "the EFI application (PE32+); or give --strategy; "
            + "without either, \\EFI\\BOOT\\BOOTX64.EFI from the first FAT partition of the --disk images, as OVMF boots a disk")
    Path payload;

    @Option(names = "--disk", paramLabel = "IMAGE", description = "a raw disk image (GPT, MBR or bare FAT) as a SATA disk "
            + "with BlockIo, DiskIo, partitions and FAT file systems; repeatable. The file is never written: the guest's "
            + "writes stay in memory")
    java.util.List<Path> disks = new java.util.ArrayList<>();

    @Option(names = "--disk-read-only", description = "the --disk media are read-only (EFI_BLOCK_IO_MEDIA.ReadOnly; "
            + "writes get EFI_WRITE_PROTECTED)")
    boolean diskReadOnly;

    @Option(names = "--strategy", paramLabel = "S", description = "a strategy by name or .strategy file, run as the "
            + "matrix runs it (its payload and load address); instead of --payload")
    String strategy;

    @Option(names = "--load-address", paramLabel = "ADDR",
            description = "load the image here (e.g. 0x100000 or 1MiB) instead of where the firmware would (or the strategy says)")
    String loadAddress;

    @Option(names = "--budget", paramLabel = "N", defaultValue = "2000000000",
            description = "instruction budget, at least 1 (default: ${DEFAULT-VALUE})")
    long budget;

    private Strategy resolvedStrategy;

    @Option(names = "--esp", paramLabel = "DIR", description = "a host folder as the EFI System Partition (SimpleFileSystem; read-only unless said otherwise)")
    Path esp;

    @Option(names = "--load-options", paramLabel = "TEXT", description = "the LoadedImage LoadOptions (command line)")
    String loadOptions;

    @Option(names = "--shell-parameters", description = "start the image as the UEFI Shell does: "
            + "EFI_SHELL_PARAMETERS_PROTOCOL on its handle, Argv split from --load-options (which then start with the "
            + "image's path, as the Shell's do)")
    boolean shellParameters;

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

    /**
     * Checks that at most one of --payload and --strategy was given (one of them, unless a --disk is booted) and the
     * budget is positive.
     */
    void validate() throws IOException {
        if (payload != null && strategy != null) {
            throw new IllegalArgumentException("--payload and --strategy both name the application: give one of them");
        }
        if (payload == null && strategy == null && disks.isEmpty()) {
            throw new IllegalArgumentException("give the EFI application: --payload X.efi or --strategy NAME, or --disk "
                    + "IMAGE to boot \\EFI\\BOOT\\BOOTX64.EFI from it");
        }
        if (budget < 1) {
            throw new IllegalArgumentException("--budget " + budget + ": expected 1 or more instructions (there is no unlimited run)");
        }
        if (strategy != null) {
            resolvedStrategy = StrategyCatalog.resolve(strategy);
        }
    }

    /** Where the image goes: {@code --load-address}, else the strategy's load address, else the firmware's choice. */
    OptionalLong loadAddress() {
        if (loadAddress != null) {
            return StrategyDescriptor.parseLoadAddress(loadAddress, "--load-address");
        }
        return resolvedStrategy != null ? resolvedStrategy.descriptor().loadAddress() : OptionalLong.empty();
    }

    /** The payload's bytes; a missing or unreadable file is one clear error naming it. */
    byte[] payloadBytes() throws IOException {
        if (resolvedStrategy != null) {
            return resolvedStrategy.payloadBytes();
        }
        return InputFiles.read(payload, "payload", InputFiles.MAX_PAYLOAD_BYTES);
    }

    String payloadName() {
        return resolvedStrategy != null ? resolvedStrategy.payloadName()
                : payload != null ? payload.getFileName().toString() : "BOOTX64.EFI";
    }

    /**
     * Gives {@code b} the payload (unless it boots from a disk) and the {@code --disk} images, each checked to be a
     * readable file.
     */
    void applyPayloadAndDisks(org.efiemu.uefi.UefiMachineBuilder b) throws IOException {
        if (payload != null || resolvedStrategy != null) {
            b.payload(payloadBytes(), payloadName());
        }
        for (Path d : disks) {
            if (!Files.isRegularFile(d)) {
                throw new IllegalArgumentException("--disk " + d + (Files.exists(d) ? " is not a regular file"
                        : " does not exist"));
            }
            b.disk(d, diskReadOnly);
        }
    }

    /** Checks {@code --load-options} before anything runs (its length has a limit; see UefiMachineBuilder). */
    void checkLoadOptions() {
        if (loadOptions != null && loadOptions.length() > org.efiemu.uefi.UefiMachineBuilder.MAX_LOAD_OPTIONS_CHARS) {
            throw new IllegalArgumentException(String.format("--load-options is %,d characters long; expected at most %,d",
                    loadOptions.length(), org.efiemu.uefi.UefiMachineBuilder.MAX_LOAD_OPTIONS_CHARS));
        }
    }

    /**
     * Where {@code --payload} lies on the {@code --esp} volume when the file is inside that folder
     * ({@code esp/EFI/refind/refind_x64.efi} → {@code \EFI\refind\refind_x64.efi}), as the boot manager or the Shell
     * names it in the image's LoadedImage.FilePath (UEFI 2.10 §9.1); empty otherwise (the firmware's default place).
     * Loaders that find their own folder through that path (rEFInd's refind.conf and drivers_x64) need it.
     */
    java.util.Optional<String> payloadEspPath() {
        if (esp == null || payload == null) {
            return java.util.Optional.empty();
        }
        Path abs = payload.toAbsolutePath().normalize();
        Path root = esp.toAbsolutePath().normalize();
        if (!abs.startsWith(root) || abs.equals(root)) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of("\\" + root.relativize(abs).toString().replace('/', '\\'));
    }

    /** The {@code --esp} folder, checked to be a directory, or null when none was given. */
    Path espFolder() {
        if (esp != null && !Files.isDirectory(esp)) {
            throw new IllegalArgumentException("--esp " + esp + " is not a directory");
        }
        return esp;
    }
}
