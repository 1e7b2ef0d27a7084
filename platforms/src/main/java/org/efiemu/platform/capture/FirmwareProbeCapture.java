package org.efiemu.platform.capture;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What real OVMF presents to an application that BDS starts, as the firmware-probe
 * ({@code platforms/src/main/c/firmware-probe}, on the class path as {@value #RESOURCE}) sees it: variables
 * (GetNextVariableName order, UEFI 2.10 §8.2), QueryVariableInfo, configuration tables (§4.6), GOP and text modes
 * (§12.9, §12.4), console, serial and RNG protocols, ACPI power-off facts, every handle with its protocols and device
 * path. {@code efiemu profile capture --qemu-machine q35 --mem 2G --firmware-probe FILE} boots it on QEMU + OVMF with
 * {@link QemuCapture} and writes the file {@code FirmwareProbeDifferentialTest} compares efiemu with
 * ({@code captures/ovmf-q35-<mem>.firmware.txt}).
 *
 * <p>The file: {@link QemuCapture}'s {@code #} header (command, machine, QEMU command line and version, firmware, probe
 * sha256, exit status), one {@code #} line saying what follows, then only the probe's lines from
 * {@value #BEGIN} to {@value #END} (OVMF's own BDS and console text dropped).
 */
public final class FirmwareProbeCapture {
    /** Class-path resource name of the firmware-probe image (built by the platforms module). */
    public static final String RESOURCE = "payloads/firmware-probe.efi";
    /** The probe's first line. */
    public static final String BEGIN = "fw: firmware-probe begin";
    /** The probe's last line, printed just before ResetSystem(EfiResetShutdown). */
    public static final String END = "fw: firmware-probe end";
    /** How the header names the application. */
    public static final String APPLICATION = "the firmware-probe (platforms/src/main/c/firmware-probe)";
    private static final String SERIAL_FOLLOWS = "# serial output follows";
    private static final String LINES_FOLLOW =
            "# probe lines follow (serial output with terminal escapes and CRs removed, other firmware text dropped)";

    private FirmwareProbeCapture() {}

    /** The firmware-probe's bytes. */
    public static byte[] probe() {
        try (InputStream in = FirmwareProbeCapture.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is not on the class path: the platforms module builds it from "
                        + "platforms/src/main/c/firmware-probe (gcc, GNU ld and the gnu-efi headers)");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + RESOURCE, e);
        }
    }

    /**
     * Boots the firmware-probe with {@code options} (its {@code command} is recorded in the header) and returns the
     * file's text.
     *
     * @throws IllegalStateException QEMU or the firmware is missing (saying what to install), or the probe did not
     *     finish (naming the QEMU exit status and the serial output's last lines)
     */
    public static String capture(QemuCapture.Options options) throws IOException, InterruptedException {
        return fileText(QemuCapture.run(options, probe(), APPLICATION), "QEMU " + options.describe());
    }

    /**
     * The firmware-probe file made from one QEMU run's capture text: the header kept, the serial output cut to the
     * probe's lines.
     *
     * @param what names the run in an error message
     * @throws IllegalStateException the serial output has no {@value #BEGIN} or no {@value #END} after it (a probe that
     *     did not start or was stopped): the error names the run, the exit status line and the last serial lines
     */
    public static String fileText(QemuCapture.Result run, String what) {
        List<String> lines = run.text().lines().toList();
        int serial = lines.indexOf(lines.stream().filter(l -> l.startsWith(SERIAL_FOLLOWS)).findFirst().orElse(null));
        if (serial < 0) {
            throw new IllegalStateException(what + ": not a QemuCapture run (no '" + SERIAL_FOLLOWS + "' header line)");
        }
        List<String> out = lines.subList(serial + 1, lines.size());
        int from = out.indexOf(BEGIN);
        int to = from < 0 ? -1 : out.subList(from, out.size()).indexOf(END);
        if (from < 0 || to < 0) {
            List<String> tail = out.subList(Math.max(0, out.size() - 10), out.size());
            throw new IllegalStateException(what + ": the firmware-probe did not " + (from < 0 ? "start (no '" + BEGIN
                    : "finish (no '" + END) + "' line on COM1; QEMU exit status " + run.exitStatus() + "); last serial lines:\n  "
                    + String.join("\n  ", tail));
        }
        List<String> file = new ArrayList<>(lines.subList(0, serial));
        file.add(LINES_FOLLOW);
        file.addAll(out.subList(from, from + to + 1));
        return String.join("\n", file) + "\n";
    }

    /** Writes {@code text} to {@code file} (ISO-8859-1: the serial bytes unchanged), creating its folder. */
    public static void write(Path file, String text) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(file, text, StandardCharsets.ISO_8859_1);
    }

    /** Counts for the command's summary: variables ({@code var:} lines) and the {@code handle: count=} line. */
    public static String summary(String text) {
        long vars = text.lines().filter(l -> l.matches("var: [0-9a-f]{8}-.*")).count();
        String handles = text.lines().filter(l -> l.startsWith("handle: count=")).findFirst().orElse("no handle count");
        return vars + " variables, " + handles;
    }
}
