package org.efiemu.earlyalloc.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.efiemu.earlyalloc.diff.DiffReport;
import org.efiemu.earlyalloc.diff.DiffRunner;
import org.efiemu.platform.PlatformProfile;
import org.efiemu.platform.qemu.QemuOvmf;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code efiemu diff}: runs the same EFI application on real QEMU + OVMF and on efiemu and shows side by side what each
 * printed, how each ended and the first divergence with the efiemu service calls around it. Exit status 0 when both
 * printed the same and returned the same status, 1 when they diverge, 2 for bad input, 3 when QEMU or OVMF is
 * missing (the message gives the apt-get command).
 */
@Command(name = "diff", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Run an EFI application on QEMU + OVMF and on efiemu and show the first divergence.")
public final class DiffCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    GuestOptions guest;

    @Option(names = "--path", paramLabel = "\\EFI\\X\\Y.efi", description = "where the payload lies on the ESP "
            + "(default: its place inside --esp, else \\<name>)")
    String path;

    @Option(names = "--qemu-timeout", paramLabel = "S", defaultValue = "180", description = "QEMU's wall-clock limit in seconds (default: ${DEFAULT-VALUE})")
    long qemuTimeout;

    @Option(names = "--timeout", paramLabel = "S", defaultValue = "600", description = "efiemu's wall-clock limit in seconds (default: ${DEFAULT-VALUE})")
    long timeout;

    @Option(names = "--until", paramLabel = "WHEN", description = "stop efiemu early: exit-boot-services (QEMU runs on)")
    String until;

    @Option(names = "--lines", paramLabel = "REGEX", description = "compare only the lines of both sides in which "
            + "REGEX is found (e.g. '^EFI stub: ' for a kernel's efi=debug lines)")
    String lines;

    @Option(names = "--qemu-stop-at", paramLabel = "REGEX", description = "stop QEMU at the first line in which REGEX "
            + "is found (e.g. '^\\[ *0\\.0+\\] Linux version', a kernel's first line after ExitBootServices)")
    String qemuStopAt;

    private static Pattern pattern(String option, String regex) {
        if (regex == null) {
            return null;
        }
        try {
            return Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException(option + " '" + regex + "': not a regular expression: "
                    + e.getDescription() + " at index " + e.getIndex());
        }
    }


    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (until != null && !until.equals("exit-boot-services")) {
            throw new IllegalArgumentException("--until '" + until + "': expected exit-boot-services");
        }
        if (guest.diskReadOnly) {
            // QEMU's IDE/AHCI disks cannot be read-only media: refuse rather than compare different media
            throw new IllegalArgumentException("--disk-read-only: efiemu diff attaches --disk as writable media on both "
                    + "sides (QEMU's q35 disks cannot be read-only; the image file is never written); expected no "
                    + "--disk-read-only");
        }
        Pattern compare = pattern("--lines", lines);
        Pattern stopAt = pattern("--qemu-stop-at", qemuStopAt);
        PlatformProfile profile = guest.profile();
        QemuOvmf.memoryOf(profile.name()); // an OVMF q35 profile, else a clear error before anything runs
        QemuOvmf qemu = new QemuOvmf();
        Optional<String> missing = qemu.missing();
        if (missing.isPresent()) {
            spec.commandLine().getErr().println("efiemu diff: " + missing.get());
            return 3;
        }
        guest.validate();
        boolean bootsDisk = guest.payload == null && guest.strategy == null;
        Path esp = guest.espFolder();
        if (bootsDisk && (esp != null || path != null || guest.loadOptions != null || guest.shellParameters)) {
            // OVMF's boot manager boots the disk's \EFI\BOOT\BOOTX64.EFI itself: no Shell, no folder, no options
            throw new IllegalArgumentException("--esp, --path, --load-options and --shell-parameters need --payload "
                    + "or --strategy (started by the UEFI Shell); without them efiemu diff boots the first --disk's "
                    + "\\EFI\\BOOT\\BOOTX64.EFI on both sides, as OVMF's boot manager does");
        }
        byte[] bytes = bootsDisk ? null : guest.payloadBytes();
        String where = path;
        if (where == null && esp != null && guest.payload != null) {
            Path abs = guest.payload.toAbsolutePath().normalize();
            Path root = esp.toAbsolutePath().normalize();
            if (abs.startsWith(root)) {
                where = "\\" + root.relativize(abs).toString().replace('/', '\\');
            }
        }
        if (where != null && !where.startsWith("\\")) {
            throw new IllegalArgumentException("--path '" + where + "': expected an ESP path starting with a backslash");
        }
        DiffReport report = new DiffRunner(qemu).run(new DiffRunner.Request(profile, bytes, guest.payloadName(), esp,
                where, guest.loadOptions, guest.budget, Duration.ofSeconds(qemuTimeout), Duration.ofSeconds(timeout), until != null, compare,
                stopAt, null, guest.disks));
        report.render().forEach(out::println);
        out.flush();
        return report.same() ? 0 : 1;
    }
}
