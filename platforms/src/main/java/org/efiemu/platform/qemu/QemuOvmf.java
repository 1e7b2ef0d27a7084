package org.efiemu.platform.qemu;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Runs an EFI application on real firmware: QEMU (Debian {@code qemu-system-x86}, q35, TCG) with OVMF (Debian
 * {@code ovmf}, {@code OVMF_CODE_4M.fd} and a fresh copy of {@code OVMF_VARS_4M.fd}), the ESP a copy of a host
 * folder served as a FAT drive, COM1 captured to a file. OVMF's boot manager finds no boot file and starts the
 * built-in UEFI Shell, which runs the ESP's {@code startup.nsh}: it prints a start marker, starts the application
 * with the load options given (the Shell passes {@code fs0:\path\x.efi OPTIONS} as LoadOptions), prints the status
 * the application returned ({@code %lasterror%}) and powers the machine off ({@code reset -s}).
 *
 * <p>The serial text is ConOut as OVMF's terminal driver mirrors it onto COM1 plus what the application writes to
 * COM1 itself; {@link #clean} removes the terminal's escape sequences and carriage returns (as
 * {@code efiemu profile capture} does). One instance per configuration; {@link #run} may be called from
 * several threads (each run has its own temporary folder).
 */
public final class QemuOvmf {
    /** Printed by startup.nsh before the application starts. */
    public static final String START_MARKER = "efiemu-diff: start";
    /** Printed by startup.nsh after the application returned, followed by the status in hex. */
    public static final String RETURN_MARKER = "efiemu-diff: returned ";
    /** The exact command that installs what a run needs on Debian. */
    public static final String INSTALL_COMMAND = "apt-get install -y qemu-system-x86 ovmf";

    /** How often the serial file is read while waiting for {@link Launch#stopAt}. */
    private static final long STOP_AT_POLL_MILLIS = 250;

    private static final Pattern OVMF_PLATFORM = Pattern.compile("ovmf-q35-(\\d+)([mg])");
    private static final Pattern RETURNED = Pattern.compile(Pattern.quote(RETURN_MARKER) + "(0x[0-9A-Fa-f]+)");

    /**
     * How OVMF's terminal driver encodes ConOut on COM1: PC-ANSI, box drawing and block characters as code page 437
     * bytes (MdeModulePkg TerminalDxe {@code UnicodeToPcAnsi}); decoding with IBM437 gives the Unicode characters
     * the application wrote.
     */
    public static final java.nio.charset.Charset SERIAL_CHARSET = java.nio.charset.Charset.forName("IBM437");

    private final Path code;
    private final Path vars;

    /** Debian's OVMF in {@code /usr/share/OVMF}. */
    public QemuOvmf() {
        this(Path.of("/usr/share/OVMF/OVMF_CODE_4M.fd"), Path.of("/usr/share/OVMF/OVMF_VARS_4M.fd"));
    }

    public QemuOvmf(Path code, Path vars) {
        this.code = code;
        this.vars = vars;
    }

    /**
     * What one run boots.
     *
     * @param esp a host folder copied as the ESP (never written to), or null for an ESP holding only the payload
     * @param payload the application's bytes
     * @param payloadPath where it lies on the ESP, with backslashes ({@code \EFI\BOOT\shimx64.efi}); the file is
     *     written there in the copy
     * @param loadOptions the command-line text after the path, or empty
     * @param memory QEMU's {@code -m} value, e.g. {@code 2G}
     * @param timeout wall-clock limit of the QEMU process
     * @param stopAt QEMU is stopped as soon as a complete serial line (after the start marker, cleaned) matches this
     *     pattern, or null to let it run until it exits or times out (e.g. a kernel's first line after
     *     ExitBootServices, when only what the firmware saw is compared)
     * @param disks raw disk images attached after the ESP as further drives (the same images efiemu serves with
     *     {@code disk(image, false)}), opened with {@code snapshot=on}
     */
    public record Launch(Path esp, byte[] payload, String payloadPath, String loadOptions, String memory,
            Duration timeout, Pattern stopAt, List<Path> disks) {
        public Launch {
            if (payload == null) {
                // booting the first disk as OVMF's boot manager does: no Shell, no ESP folder
                if (esp != null || payloadPath != null || (loadOptions != null && !loadOptions.isBlank())
                        || disks == null || disks.isEmpty()) {
                    throw new IllegalArgumentException("a launch without a payload boots the first disk's "
                            + "\\EFI\\BOOT\\BOOTX64.EFI: expected a disk and no ESP folder, payload path or load options");
                }
            } else if (!payloadPath.startsWith("\\")) {
                throw new IllegalArgumentException("payload path '" + payloadPath + "' must start with a backslash");
            }
            loadOptions = loadOptions == null ? "" : loadOptions;
            disks = disks == null ? List.of() : List.copyOf(disks);
        }

        /** A launch with no disk beside the ESP. */
        public Launch(Path esp, byte[] payload, String payloadPath, String loadOptions, String memory,
                Duration timeout, Pattern stopAt) {
            this(esp, payload, payloadPath, loadOptions, memory, timeout, stopAt, List.of());
        }

        /** A launch that runs until QEMU exits or times out. */
        public Launch(Path esp, byte[] payload, String payloadPath, String loadOptions, String memory,
                Duration timeout) {
            this(esp, payload, payloadPath, loadOptions, memory, timeout, null);
        }

        /** Whether OVMF's boot manager boots the first disk (no payload: no Shell, no ESP folder). */
        public boolean bootsDisk() {
            return payload == null;
        }

        /**
         * The LoadOptions the Shell gives the application: {@code fs0:\path\x.efi OPTIONS}; empty when the boot manager
         * boots a disk (OVMF's BdsDxe starts the removable-media boot file with no LoadOptions).
         */
        public String shellCommandLine() {
            if (bootsDisk()) {
                return "";
            }
            return "fs0:" + payloadPath + (loadOptions.isBlank() ? "" : " " + loadOptions);
        }
    }

    /**
     * What QEMU + OVMF produced.
     *
     * @param command the QEMU command line (temporary paths as {@code <tmp>})
     * @param serial the COM1 text, escape sequences and CRs removed
     * @param payloadLines the lines between the start marker and the return marker (or the end of output)
     * @param returned the status the application returned, when it returned
     * @param timedOut true when QEMU was stopped at the time-out
     * @param exitCode QEMU's exit status (-1 when it was killed)
     * @param wall how long QEMU ran
     * @param versions the QEMU and OVMF versions
     * @param stoppedAt the line that matched {@link Launch#stopAt} when QEMU was stopped there
     * @param bootsDisk the boot manager booted the first disk (no Shell, no markers)
     */
    public record Result(String command, String serial, List<String> payloadLines, Optional<Long> returned,
            boolean timedOut, int exitCode, Duration wall, String versions, Optional<String> stoppedAt,
            boolean bootsDisk) {
        /**
         * True when the start marker was printed (the Shell started the application); for a disk boot, when BdsDxe
         * said it starts the boot option.
         */
        public boolean started() {
            return serial.contains(bootsDisk ? BDS_STARTING : START_MARKER);
        }
    }

    /** Why a run cannot happen on this machine (QEMU or OVMF missing, with the install command), or empty. */
    public Optional<String> missing() {
        List<String> gone = new ArrayList<>();
        boolean qemu = Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
                .anyMatch(d -> !d.isEmpty() && Files.isExecutable(Path.of(d, "qemu-system-x86_64")));
        if (!qemu) {
            gone.add("qemu-system-x86_64 (not on PATH)");
        }
        for (Path p : List.of(code, vars)) {
            if (!Files.isReadable(p)) {
                gone.add(p + " (not readable)");
            }
        }
        return gone.isEmpty() ? Optional.empty() : Optional.of("QEMU + OVMF are needed and missing: "
                + String.join(", ", gone) + "; install them with: " + INSTALL_COMMAND);
    }

    /**
     * QEMU's {@code -m} for an OVMF q35 platform profile name ({@code ovmf-q35-2g} → {@code 2G}).
     *
     * @throws IllegalArgumentException naming the platform when it is not an OVMF q35 profile
     */
    public static String memoryOf(String platform) {
        Matcher m = OVMF_PLATFORM.matcher(platform);
        if (!m.matches()) {
            throw new IllegalArgumentException("platform '" + platform + "': the comparison runs QEMU q35 + OVMF, "
                    + "so it needs an OVMF q35 profile (expected ovmf-q35-<size><m|g>, e.g. ovmf-q35-2g)");
        }
        return m.group(1) + m.group(2).toUpperCase(Locale.ROOT);
    }

    /** Runs {@code launch}; throws when QEMU cannot be started (see {@link #missing()}). */
    public Result run(Launch launch) throws IOException, InterruptedException {
        Optional<String> missing = missing();
        if (missing.isPresent()) {
            throw new IllegalStateException(missing.get());
        }
        Path work = Files.createTempDirectory("efiemu-qemu-");
        try {
            Path esp = Files.createDirectories(work.resolve("esp"));
            if (launch.esp() != null) {
                copyTree(launch.esp(), esp);
            }
            if (!launch.bootsDisk()) {
                Path target = esp.resolve(launch.payloadPath().substring(1).replace('\\', '/'));
                Files.createDirectories(target.getParent());
                Files.write(target, launch.payload());
                Files.writeString(esp.resolve("startup.nsh"), startupScript(launch), StandardCharsets.US_ASCII);
            }
            Path varsCopy = work.resolve("vars.fd");
            Files.copy(vars, varsCopy, StandardCopyOption.REPLACE_EXISTING);
            Path serial = work.resolve("serial.raw");
            List<String> cmd = List.of("qemu-system-x86_64", "-machine", "q35,accel=tcg", "-m", launch.memory(),
                    "-smp", "1", "-net", "none", "-display", "none", "-serial", "file:" + serial, "-monitor", "none",
                    "-no-reboot", "-drive", "if=pflash,format=raw,unit=0,readonly=on,file=" + code,
                    "-drive", "if=pflash,format=raw,unit=1,file=" + varsCopy, "-drive", "format=raw,file=fat:rw:" + esp);
            List<String> withDisks = new ArrayList<>(cmd);
            if (launch.bootsDisk()) {
                // no ESP folder: the disks alone, the first one where OVMF's boot manager finds \EFI\BOOT\BOOTX64.EFI
                withDisks.subList(withDisks.size() - 2, withDisks.size()).clear();
            }
            for (Path disk : launch.disks()) {
                // after the ESP (the boot manager still finds no boot file and starts the Shell, whose fs0: is the
                // ESP); snapshot=on: the guest's writes go to a temporary overlay, the image stays as the user gave it
                withDisks.addAll(List.of("-drive", "format=raw,snapshot=on,file=" + disk.toAbsolutePath()));
            }
            cmd = List.copyOf(withDisks);
            long t0 = System.nanoTime();
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(work.resolve("qemu.out").toFile()).start();
            long deadline = t0 + launch.timeout().toNanos();
            boolean done = false;
            Optional<String> stoppedAt = Optional.empty();
            while (!done && stoppedAt.isEmpty() && System.nanoTime() < deadline) {
                long wait = Math.min(launch.stopAt() == null ? Long.MAX_VALUE : STOP_AT_POLL_MILLIS,
                        Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                done = p.waitFor(wait, TimeUnit.MILLISECONDS);
                if (!done && launch.stopAt() != null && Files.exists(serial)) {
                    String sofar = clean(Files.readString(serial, SERIAL_CHARSET));
                    // only whole lines: the last one may still be arriving
                    stoppedAt = firstMatch(payloadLines(sofar.substring(0, sofar.lastIndexOf('\n') + 1), launch.bootsDisk()),
                            launch.stopAt());
                }
            }
            if (!done) {
                p.destroyForcibly().waitFor();
            }
            Duration wall = Duration.ofNanos(System.nanoTime() - t0);
            String text = clean(Files.exists(serial) ? Files.readString(serial, SERIAL_CHARSET) : "");
            if (done && launch.stopAt() != null) {
                stoppedAt = Optional.empty(); // it exited on its own
            }
            String command = String.join(" ", cmd).replace(work.toString(), "<tmp>");
            return new Result(command, text, payloadLines(text, launch.bootsDisk()), returned(text), !done && stoppedAt.isEmpty(),
                    done ? p.exitValue() : -1, wall, versions(), stoppedAt, launch.bootsDisk());
        } finally {
            deleteTree(work);
        }
    }

    /** The first of {@code lines} in which {@code pattern} is found ({@link Matcher#find}). */
    static Optional<String> firstMatch(List<String> lines, Pattern pattern) {
        return lines.stream().filter(l -> pattern.matcher(l).find()).findFirst();
    }

    /** The startup.nsh the Shell runs (CRLF line ends, as the Shell's scripts have). */
    static String startupScript(Launch launch) {
        return String.join("\r\n", "@echo -off", "echo \"" + START_MARKER + "\"", launch.shellCommandLine(),
                "echo \"" + RETURN_MARKER + "%lasterror%\"", "reset -s", "");
    }

    /** Serial text without terminal escape sequences (CSI, charset selection, single ESC pairs), CRs and NULs. */
    public static String clean(String raw) {
        return raw.replaceAll("\u001b\\[[0-9;?=]*[A-Za-z]", "").replaceAll("\u001b[()][A-Za-z0-9]", "")
                .replaceAll("\u001b[=>78cDEHMZ]", "").replace("\r", "").replace("\u0000", "");
    }

    /**
     * The first line OVMF's boot manager (EDK2 BdsDxe) prints when it starts a boot option, before the option's image
     * runs: {@code BdsDxe: starting Boot0002 "UEFI QEMU HARDDISK QM00001 " from PciRoot(0x0)/...}.
     */
    public static final String BDS_STARTING = "BdsDxe: starting Boot";

    /** The lines the application printed: after the start marker, before the return marker. */
    public static List<String> payloadLines(String serial) {
        return payloadLines(serial, false);
    }

    /**
     * The lines the application printed: after the Shell's start marker, before the return marker; or, when the boot
     * manager booted a disk ({@code bootsDisk}), after the line where BdsDxe starts the boot option.
     */
    public static List<String> payloadLines(String serial, boolean bootsDisk) {
        String marker = START_MARKER;
        int start = serial.indexOf(START_MARKER + "\n");
        if (bootsDisk) {
            start = serial.indexOf(BDS_STARTING);
            int eol = start < 0 ? -1 : serial.indexOf('\n', start);
            marker = eol < 0 ? null : serial.substring(start, eol);
            start = eol < 0 ? -1 : start;
        }
        if (start < 0) {
            return List.of();
        }
        String rest = serial.substring(start + marker.length() + 1);
        int end = rest.indexOf(RETURN_MARKER);
        if (end >= 0) {
            rest = rest.substring(0, end);
        }
        List<String> out = new ArrayList<>(List.of(rest.split("\n", -1)));
        if (!out.isEmpty() && out.get(out.size() - 1).isEmpty()) {
            out.remove(out.size() - 1);
        }
        return out;
    }

    /** The status the return marker shows, when it is there. */
    static Optional<Long> returned(String serial) {
        Matcher m = RETURNED.matcher(serial);
        return m.find() ? Optional.of(Long.parseUnsignedLong(m.group(1).substring(2), 16)) : Optional.empty();
    }

    private static String versions() {
        String qemu;
        try {
            Process p = new ProcessBuilder("qemu-system-x86_64", "--version").redirectErrorStream(true).start();
            qemu = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().findFirst().orElse("?");
            p.waitFor();
        } catch (IOException | InterruptedException e) {
            qemu = "qemu version unknown (" + e.getMessage() + ")";
        }
        String ovmf;
        try {
            Process p = new ProcessBuilder("dpkg-query", "-W", "-f=${Package} ${Version}", "ovmf")
                    .redirectErrorStream(true).start();
            ovmf = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            p.waitFor();
        } catch (IOException | InterruptedException e) {
            ovmf = "ovmf version unknown (" + e.getMessage() + ")";
        }
        return qemu + "; " + ovmf;
    }

    /** Copies folder {@code from} into {@code to} (an ESP folder into a throw-away copy; the user's folder is read only). */
    public static void copyTree(Path from, Path to) throws IOException {
        if (!Files.isDirectory(from)) {
            throw new IOException("ESP folder " + from + " is not a directory");
        }
        Files.walkFileTree(from, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                Files.createDirectories(to.resolve(from.relativize(dir).toString()));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.copy(file, to.resolve(from.relativize(file).toString()), StandardCopyOption.REPLACE_EXISTING);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /** Deletes a throw-away folder; one left behind is not worth failing a comparison for. */
    public static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            // a temporary folder left behind is not worth failing the comparison for
        }
    }
}
