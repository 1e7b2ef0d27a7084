package org.efiemu.platform.capture;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Boots the capture application on real QEMU + OVMF (TCG) and returns what it printed on COM1 as a capture file.
 * The probe is {@code \EFI\BOOT\BOOTX64.EFI} on a QEMU {@code fat:rw:} drive, so OVMF's boot manager starts it
 * directly as removable media, with a fresh copy of the variable store. Without {@link ProbeImage#RETURN_MARKER} the
 * probe finishes with ExitBootServices and ResetSystem(EfiResetShutdown), so QEMU exits by itself.
 *
 * <p>No state is shared: each call works in its own temporary folder, deleted afterwards.
 */
public final class QemuCapture {

    /** The Debian {@code ovmf} package's 4 MiB firmware (code, variable store template). */
    public static final Path DEBIAN_OVMF_CODE = Path.of("/usr/share/OVMF/OVMF_CODE_4M.fd");
    public static final Path DEBIAN_OVMF_VARS = Path.of("/usr/share/OVMF/OVMF_VARS_4M.fd");
    private static final Pattern MEM = Pattern.compile("[1-9][0-9]*[MG]");
    private static final Pattern ESCAPES = Pattern.compile(
            "\u001B\\[[0-9;?=]*[A-Za-z]|\u001B[()][A-Za-z0-9]|\u001B[=>78cDEHMZ]|\r|\u0000");

    /**
     * What to boot.
     *
     * @param machine QEMU machine type: {@code q35} or {@code pc} (i440fx)
     * @param memory QEMU {@code -m} size, a number followed by M or G ({@code 512M}, {@code 2G})
     * @param cpus QEMU {@code -smp}
     * @param ovmfCode firmware code volume (read-only pflash)
     * @param ovmfVars variable store template (a fresh copy is used)
     * @param timeout how long QEMU may run
     * @param command the command line to record in the capture header
     */
    public record Options(String machine, String memory, int cpus, Path ovmfCode, Path ovmfVars, Duration timeout,
            String command) {
        public Options {
            Objects.requireNonNull(machine, "machine");
            if (!List.of("q35", "pc").contains(machine)) {
                throw new IllegalArgumentException("QEMU machine '" + machine + "': expected q35 or pc");
            }
            if (memory == null || !MEM.matcher(memory).matches()) {
                throw new IllegalArgumentException("memory size '" + memory + "': expected a number followed by M or G, "
                        + "e.g. 512M, 1G, 2G");
            }
            if (cpus < 1 || cpus > 255) {
                throw new IllegalArgumentException("--smp " + cpus + ": expected 1 to 255");
            }
            Objects.requireNonNull(ovmfCode, "ovmfCode");
            Objects.requireNonNull(ovmfVars, "ovmfVars");
            Objects.requireNonNull(timeout, "timeout");
        }

        /** Debian OVMF, one CPU, 180 s. */
        public static Options of(String machine, String memory) {
            return new Options(machine, memory, 1, DEBIAN_OVMF_CODE, DEBIAN_OVMF_VARS, Duration.ofSeconds(180),
                    "efiemu profile capture --qemu-machine " + machine + " --mem " + memory);
        }

        public Options withCommand(String c) {
            return new Options(machine, memory, cpus, ovmfCode, ovmfVars, timeout, c);
        }

        /** {@code "QEMU pc (i440fx, TCG, 1 vCPU, stdvga) with 2G RAM"}. */
        public String describe() {
            return "QEMU " + machine + " (" + (machine.equals("pc") ? "i440fx" : "ICH9") + ", TCG, " + cpus + " vCPU"
                    + (cpus == 1 ? "" : "s") + ", stdvga) with " + memory + " RAM";
        }
    }

    /**
     * One QEMU run.
     *
     * @param text the capture file: a {@code #} header (command, QEMU command line and version, firmware, probe
     *     sha256, exit status), then the serial output with terminal escapes and CRs removed
     * @param seconds wall-clock time of the QEMU run
     * @param exitStatus QEMU's exit status (-1 after a timeout)
     */
    public record Result(String text, double seconds, int exitStatus) {}

    private QemuCapture() {}

    /**
     * Runs QEMU. Missing QEMU or firmware files are an {@link IllegalStateException} saying what to install; a run
     * that times out still returns what was printed (the importer then reports the truncated capture).
     */
    public static Result run(Options o, byte[] probe) throws IOException, InterruptedException {
        return run(o, probe, "the capture application (platforms/src/main/c/ovmf-probe)");
    }

    /**
     * Runs QEMU with another application as {@code \EFI\BOOT\BOOTX64.EFI} (the firmware-probe of
     * {@link FirmwareProbeCapture}); {@code application} names it in the header's first line.
     */
    public static Result run(Options o, byte[] probe, String application) throws IOException, InterruptedException {
        String qemu = findQemu();
        for (Path f : List.of(o.ovmfCode(), o.ovmfVars())) {
            if (!Files.isReadable(f)) {
                throw new IllegalStateException("firmware file " + f + " not found; install OVMF with: apt-get install -y "
                        + "ovmf (or give --ovmf-code and --ovmf-vars)");
            }
        }
        Path work = Files.createTempDirectory("efiemu-capture-");
        try {
            Path esp = work.resolve("esp");
            Files.createDirectories(esp.resolve("EFI/BOOT"));
            Files.write(esp.resolve(ProbeImage.BOOT_PATH), probe);
            Path vars = work.resolve("vars.fd");
            Files.copy(o.ovmfVars(), vars); // fresh store: no boot entries or MemoryTypeInformation from earlier runs
            Path serial = work.resolve("serial.raw");
            List<String> cmd = new ArrayList<>(List.of(qemu, "-machine", o.machine() + ",accel=tcg", "-m", o.memory(),
                    "-smp", Integer.toString(o.cpus()), "-net", "none", "-display", "none", "-serial", "file:" + serial,
                    "-monitor", "none", "-no-reboot",
                    "-drive", "if=pflash,format=raw,unit=0,readonly=on,file=" + o.ovmfCode(),
                    "-drive", "if=pflash,format=raw,unit=1,file=" + vars,
                    "-drive", "format=raw,file=fat:rw:" + esp));
            Path err = work.resolve("qemu.err");
            long start = System.nanoTime();
            Process p = new ProcessBuilder(cmd).redirectErrorStream(false).redirectOutput(err.toFile())
                    .redirectError(ProcessBuilder.Redirect.appendTo(err.toFile())).start();
            int status;
            if (p.waitFor(o.timeout().toMillis(), TimeUnit.MILLISECONDS)) {
                status = p.exitValue();
            } else {
                p.destroyForcibly().waitFor();
                status = -1;
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            String out = Files.exists(serial) ? new String(Files.readAllBytes(serial), StandardCharsets.ISO_8859_1) : "";
            String qemuErr = Files.readString(err, StandardCharsets.UTF_8).strip();
            StringBuilder sb = new StringBuilder();
            sb.append("# efiemu capture: ").append(application).append(" on QEMU + OVMF\n");
            sb.append("# command: ").append(o.command()).append('\n');
            sb.append("# machine: ").append(o.describe()).append('\n');
            sb.append("# cpus: ").append(o.cpus()).append('\n');
            sb.append("# qemu: ").append(String.join(" ", cmd).replace(work.toString(), "<tmp>")).append('\n');
            sb.append("# qemu-version: ").append(qemuVersion(qemu)).append('\n');
            sb.append("# firmware: ").append(firmware(o)).append('\n');
            sb.append("# probe sha256: ").append(ProbeImage.sha256(probe)).append('\n');
            sb.append(String.format(Locale.ROOT, "# exit status %d after %.1f s%s%n", status, seconds,
                    status == -1 ? " (timed out after " + o.timeout().toSeconds() + " s and was stopped)" : ""));
            if (!qemuErr.isEmpty()) {
                qemuErr.lines().forEach(l -> sb.append("# qemu stderr: ").append(l).append('\n'));
            }
            sb.append("# serial output follows (ANSI escape sequences and carriage returns removed)\n");
            sb.append(ESCAPES.matcher(out).replaceAll(""));
            return new Result(sb.toString(), seconds, status);
        } finally {
            deleteTree(work);
        }
    }

    private static String findQemu() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            Path q = Path.of(dir.isEmpty() ? "." : dir, "qemu-system-x86_64");
            if (Files.isExecutable(q)) {
                return q.toString();
            }
        }
        throw new IllegalStateException("qemu-system-x86_64 not found on PATH; install it with: apt-get install -y "
                + "qemu-system-x86");
    }

    private static String qemuVersion(String qemu) {
        String v = runQuietly(List.of(qemu, "--version"));
        return v.isEmpty() ? "QEMU (version unknown)" : v.lines().findFirst().orElse("").strip();
    }

    private static String firmware(Options o) {
        String where = o.ovmfCode() + ", fresh copy of " + o.ovmfVars();
        if (o.ovmfCode().equals(DEBIAN_OVMF_CODE)) {
            String pkg = runQuietly(List.of("dpkg-query", "-W", "-f=${Package} ${Version}", "ovmf")).strip();
            return (pkg.isEmpty() ? "ovmf (version unknown: not a dpkg install)" : pkg) + " (" + where + ")";
        }
        return "firmware given on the command line (" + where + ")";
    }

    private static String runQuietly(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String s = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0 ? s : "";
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
