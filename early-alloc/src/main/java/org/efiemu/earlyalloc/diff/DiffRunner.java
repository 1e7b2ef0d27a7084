package org.efiemu.earlyalloc.diff;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.function.BiConsumer;
import java.util.regex.Pattern;
import org.efiemu.core.clock.InstructionCounting;
import org.efiemu.earlyalloc.Platforms;
import org.efiemu.platform.PlatformProfile;
import org.efiemu.platform.qemu.QemuOvmf;
import org.efiemu.uefi.BootResult;
import org.efiemu.uefi.UefiMachine;
import org.efiemu.uefi.UefiMachineBuilder;
import org.efiemu.uefi.spec.EfiStatus;
import org.efiemu.uefi.trace.ServiceCallEvent;

/**
 * Runs one application on QEMU + OVMF and on efiemu with the same ESP, the same file path and the same LoadOptions
 * (those the UEFI Shell passes on QEMU: {@code fs0:\path\x.efi OPTIONS}) and compares what each printed and how each
 * ended ({@link DiffReport}). The ESP both see is a temporary copy of the user's folder with the payload written at
 * its path, so the user's folder is never changed.
 */
public final class DiffRunner {
    /** How many efiemu service calls before and after the diverging line the report shows. */
    public static final int CALLS_AROUND = 4;

    private final QemuOvmf qemu;

    public DiffRunner(QemuOvmf qemu) {
        this.qemu = qemu;
    }

    /**
     * What to compare.
     *
     * @param profile the platform (an OVMF q35 profile)
     * @param payload the application's bytes, or null to boot the first disk as OVMF's boot manager does (QEMU with
     *     the disks alone, efiemu with no payload: both start {@code \EFI\BOOT\BOOTX64.EFI} of the first disk's ESP;
     *     then no ESP folder, payload path or load options)
     * @param payloadName its file name (for a disk boot, BOOTX64.EFI)
     * @param esp the ESP folder, or null
     * @param payloadPath its path on the ESP ({@code \EFI\BOOT\x.efi}), or null for {@code \<name>}
     * @param loadOptions the options after the path, or null
     * @param budget efiemu's instruction budget
     * @param qemuTimeout QEMU's wall-clock limit
     * @param efiemuTimeout efiemu's wall-clock limit
     * @param untilExitBootServices stop efiemu once ExitBootServices succeeded (QEMU runs on: a kernel boots)
     * @param compare only the lines (of both sides) in which this pattern is found are compared, or null for all
     *     (e.g. {@code ^EFI stub: } for a kernel's efi=debug lines among its boot log)
     * @param qemuStopAt stop QEMU at the first line in which this pattern is found, or null (e.g. the kernel's first
     *     line after ExitBootServices, when efiemu stops there)
     * @param inspect called with efiemu's machine and result after the run, before the machine is closed (a Java
     *     caller looking at what the guest left in memory, e.g. a kernel's boot_params), or null
     * @param disks raw disk images both sides serve beside the ESP as writable media whose file is never written: QEMU
     *     attaches each as a further drive ({@code snapshot=on}), efiemu serves it with Block I/O
     *     ({@code disk(image, false)}, writes kept in memory); none when empty
     */
    public record Request(PlatformProfile profile, byte[] payload, String payloadName, Path esp, String payloadPath,
            String loadOptions, long budget, Duration qemuTimeout, Duration efiemuTimeout,
            boolean untilExitBootServices, Pattern compare, Pattern qemuStopAt,
            BiConsumer<UefiMachine, BootResult> inspect, List<Path> disks) {

        public Request {
            disks = disks == null ? List.of() : List.copyOf(disks);
            for (Path disk : disks) {
                if (!Files.isRegularFile(disk)) {
                    throw new IllegalArgumentException("--disk " + disk + (Files.exists(disk) ? " is not a regular file"
                            : " does not exist") + " (expected a raw disk image)");
                }
            }
        }

        /** No disk beside the ESP. */
        public Request(PlatformProfile profile, byte[] payload, String payloadName, Path esp, String payloadPath,
                String loadOptions, long budget, Duration qemuTimeout, Duration efiemuTimeout,
                boolean untilExitBootServices, Pattern compare, Pattern qemuStopAt,
                BiConsumer<UefiMachine, BootResult> inspect) {
            this(profile, payload, payloadName, esp, payloadPath, loadOptions, budget, qemuTimeout, efiemuTimeout,
                    untilExitBootServices, compare, qemuStopAt, inspect, List.of());
        }

        /** Nothing inspected after the run. */
        public Request(PlatformProfile profile, byte[] payload, String payloadName, Path esp, String payloadPath,
                String loadOptions, long budget, Duration qemuTimeout, Duration efiemuTimeout,
                boolean untilExitBootServices, Pattern compare, Pattern qemuStopAt) {
            this(profile, payload, payloadName, esp, payloadPath, loadOptions, budget, qemuTimeout, efiemuTimeout,
                    untilExitBootServices, compare, qemuStopAt, null);
        }

        /** All lines compared, QEMU run to its end. */
        public Request(PlatformProfile profile, byte[] payload, String payloadName, Path esp, String payloadPath,
                String loadOptions, long budget, Duration qemuTimeout, Duration efiemuTimeout,
                boolean untilExitBootServices) {
            this(profile, payload, payloadName, esp, payloadPath, loadOptions, budget, qemuTimeout, efiemuTimeout,
                    untilExitBootServices, null, null, null);
        }
    }

    public DiffReport run(Request r) throws IOException, InterruptedException {
        String memory = QemuOvmf.memoryOf(r.profile().name());
        boolean bootsDisk = r.payload() == null;
        String path = bootsDisk ? null : r.payloadPath() != null ? r.payloadPath() : "\\" + r.payloadName();
        Path esp = Files.createTempDirectory("efiemu-diff-esp-");
        try {
            if (r.esp() != null) {
                if (!Files.isDirectory(r.esp())) {
                    throw new IllegalArgumentException("--esp " + r.esp() + " is not a directory");
                }
                QemuOvmf.copyTree(r.esp(), esp);
            }
            if (!bootsDisk) {
                Path file = esp.resolve(path.substring(1).replace('\\', '/'));
                Files.createDirectories(file.getParent());
                Files.write(file, r.payload());
            }
            QemuOvmf.Launch launch = new QemuOvmf.Launch(bootsDisk ? null : esp, r.payload(), path, r.loadOptions(),
                    memory, r.qemuTimeout(), r.qemuStopAt(), r.disks());
            QemuOvmf.Result real = qemu.run(launch);

            LineTracker lines = new LineTracker();
            long t0 = System.nanoTime();
            BootResult result;
            UefiMachineBuilder builder = UefiMachine.builder(Platforms.describe(r.profile()).description());
            if (!bootsDisk) {
                builder.payload(r.payload(), r.payloadName()).filePath(path).esp(esp, false)
                        .loadOptions(launch.shellCommandLine()).shellParameters(true); // OVMF's side: the Shell starts it
            }
            // (without a payload efiemu boots \EFI\BOOT\BOOTX64.EFI of the first disk's FAT partition, as BdsDxe)
            builder.instructionCounting(InstructionCounting.BLOCKS)
                    .instructionBudget(r.budget()).wallClockLimit(r.efiemuTimeout())
                    .stopAfterExitBootServices(r.untilExitBootServices())
                    .consoleListener(lines).traceListener(lines);
            for (Path disk : r.disks()) {
                builder.disk(disk, false); // writable media, as QEMU's snapshot drive: writes stay in memory
            }
            try (UefiMachine m = builder.build()) {
                result = m.run();
                if (r.inspect() != null) {
                    r.inspect().accept(m, result);
                }
            }
            double emulatedSeconds = (System.nanoTime() - t0) / 1e9;
            List<String> emulated = lines.lines();
            List<Long> sequences = lines.sequences();
            List<String> realLines = real.payloadLines();
            if (r.compare() != null) {
                realLines = realLines.stream().filter(l -> r.compare().matcher(l).find()).toList();
                List<String> kept = new ArrayList<>();
                List<Long> keptSequences = new ArrayList<>();
                for (int i = 0; i < emulated.size(); i++) {
                    if (r.compare().matcher(emulated.get(i)).find()) {
                        kept.add(emulated.get(i));
                        keptSequences.add(sequences.get(i));
                    }
                }
                emulated = kept;
                sequences = keptSequences;
            }
            OptionalInt d = ConsoleDiff.firstDivergence(realLines, emulated);
            long seq = d.isEmpty() ? 0 : d.getAsInt() < sequences.size() ? sequences.get(d.getAsInt())
                    : lines.lastSequence();
            List<ServiceCallEvent> around = d.isEmpty() ? List.of() : result.trace().stream()
                    .filter(e -> e.sequence() > seq - CALLS_AROUND && e.sequence() <= seq + CALLS_AROUND).toList();
            return new DiffReport(r.payloadName(), r.profile().name(), launch.shellCommandLine(), real.command(),
                    real.versions(), realLines, emulated, realEnding(real, r.qemuTimeout()),
                    emulatedEnding(result), sameEnding(real, result, r.untilExitBootServices()), around, seq,
                    result.diagnosis().lines(), real.wall().toMillis() / 1e3, emulatedSeconds,
                    r.compare() == null ? null : r.compare().pattern());
        } finally {
            QemuOvmf.deleteTree(esp);
        }
    }

    /**
     * Whether both sides ended the same way: both returned the same status (the Shell's %lasterror% is the status
     * without its high, error, bit); or neither returned because the machine reset or powered off (QEMU, started with
     * -no-reboot, exits on either: efiemu's ResetSystem or ACPI power-off); or neither returned because it still
     * waited (QEMU stopped at its time-out, efiemu found a wait that can never end); or, when efiemu was asked to stop
     * at ExitBootServices and got there, QEMU's application did not return either (it went on past ExitBootServices,
     * or was stopped at the line that marks it).
     */
    static boolean sameEnding(QemuOvmf.Result real, BootResult result, boolean untilExitBootServices) {
        if (real.returned().isPresent()) {
            return result.status().isPresent() && real.returned().get() == (result.status().get() & Long.MAX_VALUE)
                    && result.outcome() == org.efiemu.uefi.BootOutcome.RETURNED;
        }
        if (!real.started()) {
            return false;
        }
        return switch (result.outcome()) {
            case RESET -> !real.timedOut() && real.stoppedAt().isEmpty();
            case WAITS_FOREVER -> real.timedOut();
            case EXITED_BOOT_SERVICES -> untilExitBootServices;
            default -> false;
        };
    }

    static String realEnding(QemuOvmf.Result real, Duration timeout) {
        if (real.stoppedAt().isPresent()) {
            return "did not return; stopped at the line \"" + real.stoppedAt().get() + "\"";
        }
        if (real.returned().isPresent()) {
            long v = real.returned().get();
            return "returned " + (v == 0 ? EfiStatus.nameOf(0) : EfiStatus.nameOf(v | Long.MIN_VALUE)
                    + String.format(" (the Shell's %%lasterror%% 0x%X)", v));
        }
        if (!real.started()) {
            return "the UEFI Shell did not start the application" + (real.timedOut() ? " within " + timeout.toSeconds()
                    + " s" : "");
        }
        return real.timedOut() ? "did not return within " + timeout.toSeconds() + " s (still running when stopped)"
                : "did not return; QEMU exited with status " + real.exitCode() + " (a reset or power-off)";
    }

    static String emulatedEnding(BootResult r) {
        return switch (r.outcome()) {
            case RETURNED -> "returned " + r.statusName().orElse("?");
            case EXITED_BOOT_SERVICES -> "stopped after ExitBootServices";
            case RESET -> "did not return: ResetSystem" + r.reset().map(x -> "(" + x.resetType() + ", " + x.status() + ")")
                    .orElse("") + (r.finalMap().isPresent() ? " after ExitBootServices" : "");
            case VIOLATION -> "did not return: stopped at a violation " + r.violations();
            case HALTED -> "did not return: HLT with interrupts off"
                    + (r.finalMap().isPresent() ? " after ExitBootServices" : "");
            case FAULT -> "did not return: " + r.stopReport().reason() + " " + r.stopReport().detail()
                    + (r.finalMap().isPresent() ? " after ExitBootServices" : "");
            case BUDGET_EXHAUSTED -> "did not return: instruction budget exhausted"
                    + (r.finalMap().isPresent() ? " after ExitBootServices" : "");
            case TIME_LIMIT -> "did not return: wall-clock limit" + (r.finalMap().isPresent() ? " after ExitBootServices" : "");
            case WAITS_FOREVER -> "did not return: waits forever (" + r.stopReport().detail() + ")";
        };
    }
}
