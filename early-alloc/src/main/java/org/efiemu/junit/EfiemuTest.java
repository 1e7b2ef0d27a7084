package org.efiemu.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.TestTemplate;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A test that boots an EFI payload on one or more platform profiles. The test runs once per profile (display name
 * {@code [dell-poweredge-r820]}) and declares what it wants as parameters: a finished
 * {@link org.efiemu.uefi.BootResult}, a ready (not yet run) {@link org.efiemu.uefi.UefiMachine}, the
 * {@link org.efiemu.platform.PlatformProfile} or the {@link EfiemuRun}.
 *
 * <pre>{@code
 * @EfiemuTest(platforms = {"ovmf-q35-2g", "dell-poweredge-r820"}, payload = "payloads/efi-pool.efi",
 *             untilExitBootServices = true)
 * void trampolineBelow1MiB(BootResult boot) {
 *     EfiemuAssertions.assertThat(boot).exitedBootServices().allocation("trampoline").isBelow(0x10_0000);
 * }
 * }</pre>
 *
 * <p>Unset attributes fall back to JUnit configuration parameters ({@code junit-platform.properties} or
 * {@code -D}): {@code efiemu.platform.default}, {@code efiemu.payload.default},
 * {@code efiemu.instructionBudget.default}, {@code efiemu.wallClockSeconds.default}, {@code efiemu.artifacts.dir}, {@code efiemu.artifacts.keep},
 * {@code efiemu.sanitizer.default}. When a test fails, the run's trace ({@code trace.jsonl}), final memory map
 * ({@code memory-map.txt}), how it ended with its console ({@code run.txt}), the sanitizer's findings
 * ({@code sanitizer.jsonl}) and the run's report page with the memory picture ({@code memory.html}, for any payload)
 * are kept in a folder the failure message names; on success the folder is removed unless {@link #keepArtifacts()}
 * or {@code efiemu.artifacts.keep} says {@code ALWAYS}.
 */
@Target({ElementType.METHOD, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@TestTemplate
@ExtendWith(EfiemuExtension.class)
public @interface EfiemuTest {
    /** One profile: a built-in name ({@code ovmf-q35-2g}) or a {@code .profile} file; "" = {@code efiemu.platform.default}. */
    String platform() default "";

    /** Several profiles, one invocation each (exclusive with {@link #platform()} and {@link AllPlatforms}). */
    String[] platforms() default {};

    /**
     * The PE32+ image: a class-path resource ({@code payloads/efi-pool.efi}, optionally prefixed {@code classpath:}),
     * else a file path; "" = {@code efiemu.payload.default}.
     */
    String payload() default "";

    /** Deterministic instruction budget; -1 = {@code efiemu.instructionBudget.default}, else 2e9 (UefiMachine's). */
    long instructionBudget() default -1;

    /** Host wall-clock safety limit in seconds; -1 = {@code efiemu.wallClockSeconds.default}, else UefiMachine's (2 minutes). */
    long wallClockSeconds() default -1;

    /** End the run as soon as ExitBootServices succeeds (UEFI 2.10 §7.4.6). */
    boolean untilExitBootServices() default false;

    /** Load the image at this 4 KiB-aligned address instead of EDK2's policy; -1 = EDK2's. */
    long loadAddress() default -1;

    /** The LoadedImage LoadOptions (a command line). */
    String loadOptions() default "";

    /** When to keep the run's files. */
    Keep keepArtifacts() default Keep.DEFAULT;

    /**
     * Attach the memory-ownership sanitizer ({@link org.efiemu.uefi.sanitizer.MemorySanitizer}) to the machine;
     * {@code DEFAULT} = the configuration parameter {@code efiemu.sanitizer.default} ({@code true}/{@code false}), else on.
     * Its report is {@link EfiemuRun#sanitizerReport()}; the assertions {@code hasNoFirmwareCorruption()} and
     * {@code hasNoUnallocatedUse()} rest on it.
     */
    Toggle sanitizer() default Toggle.DEFAULT;

    /**
     * A host folder served as the EFI System Partition (SimpleFileSystem on the image's DeviceHandle); a payload file
     * inside it gets its path there as LoadedImage FilePath ({@code \EFI\BOOT\BOOTX64.EFI}). "" = no ESP.
     */
    String esp() default "";

    /** The ESP folder may be written by the guest (EFI_FILE_PROTOCOL Write/Delete); default read-only. */
    boolean espWritable() default false;

    /**
     * Keys typed at virtual times, in the {@code --keys} format ({@code org.efiemu.uefi.protocol.KeyScript}), lines
     * separated by {@code \n}: e.g. {@code "1s Down\n+100ms Enter"}. "" = no keys (ReadKeyStroke: EFI_NOT_READY).
     */
    String keys() default "";

    /** Offer EFI_RNG_PROTOCOL seeded with this value (deterministic bytes); {@link Long#MIN_VALUE} = no RNG protocol. */
    long rngSeed() default Long.MIN_VALUE;

    /**
     * Raw disk images (GPT, MBR or bare FAT) served as SATA disks as OVMF serves them: BlockIo, DiskIo, DiskIo2, a
     * handle per partition with PartitionInfo, SimpleFileSystem on FAT ({@code UefiMachineBuilder.disk}). The files
     * are never written (the guest's writes stay in memory). Paths relative to the working directory.
     */
    String[] disks() default {};

    /** The disks' media are read-only (EFI_BLOCK_IO_MEDIA.ReadOnly; writes get EFI_WRITE_PROTECTED). */
    boolean diskReadOnly() default false;

    /** On, off, or decided by a configuration parameter. */
    enum Toggle {
        DEFAULT,
        ON,
        OFF
    }

    /** When a run's trace, memory map and picture are kept. */
    enum Keep {
        /** {@code efiemu.artifacts.keep} decides ({@code on-failure}, {@code always}, {@code never}); else ON_FAILURE. */
        DEFAULT,
        ON_FAILURE,
        ALWAYS,
        NEVER
    }
}
