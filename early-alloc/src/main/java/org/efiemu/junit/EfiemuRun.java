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

    /**
     * The machine with the payload loaded, not yet run (built on first call). A test that takes the machine (to add
     * listeners or interceptors, or to run it itself) gets exactly the run it sees: see {@link #boot()}.
     */
    public UefiMachine machine() {
        handedOut = true;
        return build(org.efiemu.core.clock.InstructionCounting.BLOCKS);
    }

    /** The machine for the extension's own use (artefacts): built if needed, without counting as taken. */
    UefiMachine builtMachine() {
        return build(org.efiemu.core.clock.InstructionCounting.BLOCKS);
    }

    /** True once the test itself took the machine ({@link #machine()}). */
    private boolean handedOut;

    private UefiMachine build(org.efiemu.core.clock.InstructionCounting counting) {
        if (machine == null) {
            UefiMachineBuilder b = UefiMachine.builder(description());
            if (!settings.bootFromDisk()) {
                b.payload(settings.payload(), settings.payloadName());
            }
            b.instructionCounting(counting)
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
            b.keys(settings.keys());
            if (settings.rngSeed() != null) {
                b.rng(settings.rngSeed());
            }
            settings.disks().forEach(d -> b.disk(d, settings.diskReadOnly()));
            machine = b.build();
            if (settings.sanitizer()) {
                sanitizer = MemorySanitizer.attach(machine);
            }
        }
        return machine;
    }

    /**
     * Runs the machine (once) and returns what the run produced. Instructions are counted by block; when the run
     * depended on a position counting by block cannot give exactly (a RIP read in a memory hook, e.g. a sanitizer
     * finding in a block with two possible writers, or a data-access fault that ended the run:
     * {@link org.efiemu.core.machine.Machine#positionsExact()}), or could not count it at all (code storing into the
     * block it runs: {@link org.efiemu.core.clock.BlockCountingException}), and the test has not taken the machine itself, the
     * run is repeated on a new machine counting per instruction, and that run's result (the same guest run, exact
     * positions) is the one returned; nobody heard the first run, so nothing is heard twice. A test that took the
     * machine ({@link #machine()}) gets its run as it was.
     */
    public BootResult boot() {
        if (result == null) {
            boolean own = !handedOut;
            boolean exact;
            try {
                result = build(org.efiemu.core.clock.InstructionCounting.BLOCKS).run();
                exact = machine.machine().positionsExact();
            } catch (org.efiemu.core.clock.BlockCountingException e) {
                if (!own) {
                    throw e;
                }
                exact = false; // code storing into the block it runs: only per instruction can count it
            }
            if (own && !exact) {
                close();
                sanitizer = null;
                machine = null;
                result = build(org.efiemu.core.clock.InstructionCounting.PER_INSTRUCTION).run();
            }
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
