package org.efiemu.platform.cli;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.efiemu.platform.PlatformProfile;
import org.efiemu.platform.ProfileFormatException;
import org.efiemu.platform.ProfileWriter;
import org.efiemu.platform.capture.CaptureImporter;
import org.efiemu.platform.capture.CaptureLog;
import org.efiemu.platform.capture.EspWriter;
import org.efiemu.platform.capture.FirmwareProbeCapture;
import org.efiemu.platform.capture.ProbeImage;
import org.efiemu.platform.capture.QemuCapture;
import org.efiemu.platform.importer.ImportResult;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code profile capture}: boots the capture application on real QEMU + OVMF and writes the profile it measured
 * ({@code --qemu-machine}), or writes the application onto a folder for a USB stick ({@code --write-esp}). With
 * {@code --qemu-machine ... --firmware-probe FILE} it boots the firmware-probe instead and writes what OVMF presents
 * to an application ({@link FirmwareProbeCapture}).
 */
@Command(name = "capture", mixinStandardHelpOptions = true,
        description = {"Capture a machine's firmware as a profile: boot the capture application on QEMU + OVMF "
                + "(--qemu-machine), or write it for a USB stick (--write-esp DIR; then 'profile import' its report)."})
final class ProfileCaptureCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @ParentCommand
    ProfileCommand parent;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Mode mode;

    static final class Mode {
        @Option(names = "--qemu-machine", paramLabel = "q35|pc", description = "boot on QEMU with this machine type")
        String machine;

        @Option(names = "--write-esp", paramLabel = "DIR", description = "write EFI/BOOT/BOOTX64.EFI and a README into DIR")
        Path esp;
    }

    @Option(names = "--mem", paramLabel = "SIZE", description = "QEMU RAM, e.g. 512M, 1G, 2G (with --qemu-machine)")
    String memory;

    @Option(names = "--smp", paramLabel = "N", description = "QEMU processors (default 1)")
    int cpus = 1;

    @Option(names = "--ovmf-code", paramLabel = "FILE", description = "firmware code volume (default ${DEFAULT-VALUE})")
    Path ovmfCode = QemuCapture.DEBIAN_OVMF_CODE;

    @Option(names = "--ovmf-vars", paramLabel = "FILE", description = "variable store template, copied fresh (default ${DEFAULT-VALUE})")
    Path ovmfVars = QemuCapture.DEBIAN_OVMF_VARS;

    @Option(names = "--name", paramLabel = "NAME", description = "profile name (with --qemu-machine)")
    String name;

    @Option(names = "--out", paramLabel = "FILE", description = "write the profile here instead of the user profile folder")
    Path out;

    @Option(names = "--log", paramLabel = "FILE", description = "where to keep the capture file (default: <profile>.capture.log beside the profile)")
    Path log;

    @Option(names = "--firmware-probe", paramLabel = "FILE", description = "with --qemu-machine: boot the firmware-probe "
            + "instead and write what OVMF presents to an application (variables, QueryVariableInfo, configuration tables, "
            + "GOP/text modes, protocols, handles) to FILE, the *.firmware.txt form FirmwareProbeDifferentialTest reads; "
            + "no profile is written")
    Path firmwareProbe;

    @Option(names = "--timeout", paramLabel = "SECONDS", description = "QEMU time limit (default ${DEFAULT-VALUE})")
    int timeoutSeconds = 180;

    @Override
    public Integer call() throws Exception {
        PrintWriter o = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (mode.esp != null) {
            List<Path> written;
            try {
                written = EspWriter.write(mode.esp, ProbeImage.bytes());
            } catch (IllegalArgumentException e) {
                err.println("profile capture: " + e.getMessage());
                return 1;
            }
            written.forEach(f -> o.println("wrote " + f));
            o.println("copy " + mode.esp + " to a FAT USB stick, boot it, then: efiemu profile import <stick>/"
                    + ProbeImage.REPORT_FILE + " --name NAME");
            o.flush();
            return 0;
        }
        if (firmwareProbe != null) {
            return firmwareProbe(o, err);
        }
        if (memory == null || name == null) {
            throw new ParameterException(spec.commandLine(), "--qemu-machine needs --mem SIZE and --name NAME");
        }
        if (!PlatformProfile.NAME.matcher(name).matches()) {
            throw new ParameterException(spec.commandLine(), "--name '" + name + "': expected [a-z0-9][a-z0-9.-]*");
        }
        QemuCapture.Options options;
        try {
            options = new QemuCapture.Options(mode.machine, memory, cpus, ovmfCode, ovmfVars,
                    Duration.ofSeconds(timeoutSeconds), command());
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        o.println("booting the capture application on " + options.describe() + " ...");
        o.flush();
        QemuCapture.Result run;
        try {
            run = QemuCapture.run(options, ProbeImage.bytes());
        } catch (IllegalStateException e) {
            err.println("profile capture: " + e.getMessage());
            return 1;
        }
        Path profileFile = out != null ? out : parent.registry().userDirectory().resolve(name + ".profile");
        Path logFile = log != null ? log : profileFile.resolveSibling(name + ".capture.log");
        String label = log != null ? log.getFileName().toString() : logFile.getFileName().toString();
        ImportResult r;
        CaptureLog c;
        try {
            c = CaptureLog.parse(run.text(), "capture of " + options.describe());
            r = CaptureImporter.fromLog(c, name, label);
        } catch (ProfileFormatException e) {
            err.println("profile capture: " + e.getMessage());
            err.println("profile capture: QEMU exit status " + run.exitStatus() + " after "
                    + String.format(Locale.ROOT, "%.1f s", run.seconds()) + "; nothing written. The capture's last lines:");
            List<String> lines = run.text().lines().toList();
            lines.subList(Math.max(0, lines.size() - 15), lines.size()).forEach(l -> err.println("  " + l));
            return 1;
        }
        if (logFile.toAbsolutePath().getParent() != null) {
            Files.createDirectories(logFile.toAbsolutePath().getParent());
        }
        Files.writeString(logFile, run.text(), StandardCharsets.UTF_8);
        ProfileWriter.write(r.profile(), profileFile);
        o.printf(Locale.ROOT, "QEMU ran %.1f s (exit status %d)%n", run.seconds(), run.exitStatus());
        printMeasured(o, c, r);
        o.println("wrote " + profileFile + ": " + r.profile());
        o.println("wrote " + logFile + " (the capture file; 'efiemu profile import' reads it too)");
        if (out == null) {
            o.println("use it with --platform " + name);
        }
        o.flush();
        return 0;
    }

    /** {@code --firmware-probe FILE}: boots the firmware-probe, writes its lines; nothing is written if it fails. */
    private int firmwareProbe(PrintWriter o, PrintWriter err) throws Exception {
        if (memory == null) {
            throw new ParameterException(spec.commandLine(), "--qemu-machine with --firmware-probe needs --mem SIZE");
        }
        if (name != null || out != null || log != null) {
            throw new ParameterException(spec.commandLine(), "--firmware-probe writes no profile: leave out --name, --out "
                    + "and --log");
        }
        QemuCapture.Options options;
        try {
            options = new QemuCapture.Options(mode.machine, memory, cpus, ovmfCode, ovmfVars,
                    Duration.ofSeconds(timeoutSeconds), machineArguments() + " --firmware-probe "
                    + firmwareProbe.getFileName());
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        o.println("booting the firmware-probe on " + options.describe() + " ...");
        o.flush();
        long start = System.nanoTime();
        String text;
        try {
            text = FirmwareProbeCapture.capture(options);
        } catch (IllegalStateException e) {
            err.println("profile capture: " + e.getMessage());
            err.println("profile capture: nothing written to " + firmwareProbe);
            return 1;
        }
        FirmwareProbeCapture.write(firmwareProbe, text);
        o.printf(Locale.ROOT, "wrote %s: %s (%.1f s)%n", firmwareProbe, FirmwareProbeCapture.summary(text),
                (System.nanoTime() - start) / 1e9);
        o.flush();
        return 0;
    }

    static void printMeasured(PrintWriter o, CaptureLog c, ImportResult r) {
        PlatformProfile p = r.profile();
        o.printf(Locale.ROOT, "measured: firmware %s rev 0x%X, UEFI %d.%02d; CPU %s \"%s\"%n", c.firmwareVendor(),
                c.firmwareRevision(), c.systemTableRevision() >>> 16, c.systemTableRevision() & 0xFFFF,
                p.cpu().vendor(), p.cpu().brand());
        o.printf(Locale.ROOT, "measured: SMBIOS %s / %s, BIOS %s %s; ACPI OEM %s %s%n", p.smbios().manufacturer(),
                p.smbios().product(), p.smbios().biosVendor(), p.smbios().biosVersion(), p.acpi().oemId(),
                p.acpi().oemTableId());
        o.printf(Locale.ROOT, "measured: entry map %d descriptors (profile %d), %d MiB RAM; %d step lines%n",
                c.entryMap().size(), p.memoryMap().size(), p.ramBytes() >> 20, c.steps().size());
        o.println("measured: placement " + p.placement());
        o.printf(Locale.ROOT, "measured: %d variables, %d GOP modes (current %d), %d text modes (current %d)%n",
                p.variables().size(), p.screens().graphicsModes().size(), p.screens().graphicsCurrent(),
                p.screens().textModes().size(), p.screens().textCurrent());
        List<String> lines = new ArrayList<>(r.notes());
        o.println("measured and inferred (" + lines.size() + "):");
        lines.forEach(n -> o.println("  - " + n));
    }

    private String command() {
        return machineArguments() + " --name " + name;
    }

    private String machineArguments() {
        StringBuilder sb = new StringBuilder("efiemu profile capture --qemu-machine " + mode.machine + " --mem " + memory);
        if (cpus != 1) {
            sb.append(" --smp ").append(cpus);
        }
        if (!ovmfCode.equals(QemuCapture.DEBIAN_OVMF_CODE)) {
            sb.append(" --ovmf-code ").append(ovmfCode.getFileName());
        }
        if (!ovmfVars.equals(QemuCapture.DEBIAN_OVMF_VARS)) {
            sb.append(" --ovmf-vars ").append(ovmfVars.getFileName());
        }
        return sb.toString();
    }
}
