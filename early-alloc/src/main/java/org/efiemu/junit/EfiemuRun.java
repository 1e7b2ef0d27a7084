package org.efiemu.junit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.efiemu.earlyalloc.Platforms;
import org.efiemu.platform.PlatformProfile;
import org.efiemu.platform.ProfileRegistry;
import org.efiemu.uefi.BootResult;
import org.efiemu.uefi.UefiMachine;
import org.efiemu.uefi.UefiMachineBuilder;
import org.efiemu.uefi.platform.PlatformDescription;
import org.efiemu.uefi.sanitizer.MemorySanitizer;
import org.efiemu.uefi.sanitizer.SanitizerReport;

/**
 * One invocation of an {@link EfiemuTest}: its profile, its machine (built on first use, closed after the test) and
 * its boot result. Owned by one test invocation; nothing is shared between invocations, so parallel tests each have
 * their own.
 */
public final class EfiemuRun {
    private final EfiemuSettings settings;
    private final String platformName;
    private final Path artifacts;
    private PlatformProfile profile;
    private PlatformDescription description;
    private UefiMachine machine;
    private MemorySanitizer sanitizer;
    private BootResult result;

    EfiemuRun(EfiemuSettings settings, String platformName, Path artifacts) {
        this.settings = settings;
        this.platformName = platformName;
        this.artifacts = artifacts;
    }

    /** The profile name or file as the test named it. */
    public String platformName() {
        return platformName;
    }

    /** The profile, loaded on first use ({@link ProfileRegistry#resolve(String)}). */
    public PlatformProfile profile() {
        if (profile == null) {
            try {
                profile = ProfileRegistry.standard().resolve(platformName);
            } catch (IOException e) {
                throw new UncheckedIOException("profile '" + platformName + "' cannot be read", e);
            }
        }
        return profile;
    }

    /** The machine description of the profile (see Platforms for how older UEFI 2.x revisions are presented). */
    public PlatformDescription description() {
        if (description == null) {
            description = Platforms.describe(profile()).description();
        }
        return description;
    }

    /** The machine with the payload loaded, not yet run (built on first call). */
    public UefiMachine machine() {
        if (machine == null) {
            UefiMachineBuilder b = UefiMachine.builder(description());
            if (!settings.bootFromDisk()) {
                b.payload(settings.payload(), settings.payloadName());
            }
            b
                    .stopAfterExitBootServices(settings.untilExitBootServices()).loadOptions(settings.loadOptions());
            if (settings.instructionBudget() >= 0) {
                b.instructionBudget(settings.instructionBudget());
            }
            if (settings.wallClockSeconds() >= 0) {
                b.wallClockLimit(Duration.ofSeconds(settings.wallClockSeconds()));
            }
            if (settings.loadAddress() >= 0) {
                b.loadAddress(settings.loadAddress());
            }
            if (settings.esp() != null) {
                b.esp(settings.esp(), settings.espWritable());
            }
            settings.disks().forEach(d -> b.disk(d, settings.diskReadOnly()));
            machine = b.build();
            if (settings.sanitizer()) {
                sanitizer = MemorySanitizer.attach(machine);
            }
        }
        return machine;
    }

    /** Runs the machine (once) and returns what the run produced. */
    public BootResult boot() {
        if (result == null) {
            result = machine().run();
        }
        return result;
    }

    /** The result, when the extension or the test ran the machine through {@link #boot()}. */
    public Optional<BootResult> result() {
        return Optional.ofNullable(result);
    }

    /**
     * What the memory-ownership sanitizer observed so far (every guest write to firmware-owned or unallocated memory,
     * UEFI 2.10 §7.2), or empty when the test turned it off ({@code sanitizer = OFF}). Read it after the run.
     */
    public Optional<SanitizerReport> sanitizerReport() {
        return Optional.ofNullable(sanitizer).map(MemorySanitizer::report);
    }

    /** True once a machine was built (a test that ran it itself through {@link UefiMachine#run()} included). */
    boolean hasMachine() {
        return machine != null;
    }

    /** Where this run's files go when kept. */
    public Path artifactsDirectory() {
        return artifacts;
    }

    EfiemuSettings settings() {
        return settings;
    }

    void close() {
        if (sanitizer != null) {
            sanitizer.close();
        }
        if (machine != null) {
            machine.close();
        }
    }
}
