package org.efiemu.system.fidelity;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.efiemu.platform.PlatformProfile;
import org.efiemu.platform.ProfileParser;
import org.efiemu.platform.ProfileRegistry;
import org.efiemu.platform.cli.ProfileCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/**
 * {@code efiemu profile capture} end to end: the command boots the capture application on real QEMU + OVMF (TCG),
 * writes a profile, and efiemu booted with that profile answers the memory-service steps of the probe as the
 * firmware did, line by line (the {@code probe: NN} lines of the capture file against efiemu's console), and finds
 * the free runs inside the memory-type bins where the firmware had them ({@code bin:} lines). Machines that are not
 * built in: QEMU {@code pc} (i440fx) with 1 GiB and q35 with 3 GiB (RAM above 4 GiB). The committed built-ins
 * {@code ovmf-pc-2g}, {@code ovmf-q35-2g} and {@code ovmf-q35-512m} are checked against their committed captures the
 * same way, without QEMU; {@code ovmf-pc-2g} and {@code ovmf-q35-512m} are exactly what importing their capture gives.
 *
 * <p>Every step must match, including those after the probe's runtime allocations (steps 37-45, 72): after each,
 * EDK2 rebuilds the EFI_MEMORY_ATTRIBUTES_TABLE with EfiBootServicesData pool (MemoryAttributesTable.c; efiemu's
 * {@code MemoryAttributesTable}, placement {@code mat-entries}/{@code mat-extra}/{@code mat-table} from the probe's
 * {@code mat:} line), which moves later answers on QEMU pc and q35 3G.
 */
class CaptureFidelityTest {
    @Test
    void aProfileCapturedFromQemuPcReproducesEveryStepOfItsCapture(@TempDir Path dir) throws IOException {
        captureAndCompare(dir, "pc", "1G", "capture-pc-1g");
    }

    @Test
    void aProfileCapturedFromQemuQ35With3GiBReproducesEveryStepOfItsCapture(@TempDir Path dir)
            throws IOException {
        captureAndCompare(dir, "q35", "3G", "capture-q35-3g");
    }

    @Test
    void theBuiltInOvmfPc2gProfileReproducesEveryStepOfItsCommittedCapture() {
        String log = resource("/org/efiemu/platform/captures/ovmf-pc-2g.log");
        PlatformProfile p = ProfileRegistry.builtIn("ovmf-pc-2g");
        compare("committed capture ovmf-pc-2g.log", log, p);
    }

    @Test
    void theBuiltInOvmfQ35ProfilesReproduceEveryStepOfTheirCommittedCaptures() {
        for (String name : List.of("ovmf-q35-2g", "ovmf-q35-512m")) {
            compare("committed capture " + name + ".log", resource("/org/efiemu/platform/captures/" + name + ".log"),
                    ProfileRegistry.builtIn(name));
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"ovmf-pc-2g", "ovmf-q35-512m"})
    void importingTheCommittedCaptureGivesTheBuiltInProfileByteForByte(String name, @TempDir Path dir) throws IOException {
        Path log = dir.resolve(name + ".log");
        Files.writeString(log, resource("/org/efiemu/platform/captures/" + name + ".log"));
        List<String> args = new java.util.ArrayList<>(List.of("import", log.toString(), "--name", name, "--out",
                dir.resolve("p.profile").toString()));
        { // its configuration tables and PCI devices come from the firmware-probe capture of the same machine
            Path probe = dir.resolve(name + ".firmware.txt");
            Files.writeString(probe, resource("/org/efiemu/platform/captures/" + name + ".firmware.txt"));
            args.addAll(List.of("--firmware-probe", probe.toString()));
        }
        int rc = new CommandLine(new ProfileCommand(new ProfileRegistry(dir))).execute(args.toArray(String[]::new));
        assertThat(rc).isZero();
        String built = Files.readString(dir.resolve("p.profile"));
        assertThat(built).isEqualTo(ProfileRegistry.builtInText(name).orElseThrow());
    }

    private static void captureAndCompare(Path dir, String machine, String mem, String name) throws IOException {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new ProfileCommand(new ProfileRegistry(dir)));
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int rc = cli.execute("capture", "--qemu-machine", machine, "--mem", mem, "--name", name);
        assertThat(rc).as("efiemu profile capture --qemu-machine %s --mem %s; output:%n%s%n%s", machine, mem, out, err).isZero();
        assertThat(out.toString()).contains("measured: entry map", "measured: placement edk2-topdown bins=");
        PlatformProfile p = ProfileParser.parse(dir.resolve(name + ".profile"));
        String log = Files.readString(dir.resolve(name + ".capture.log"));
        compare("QEMU " + machine + " " + mem + " (efiemu profile capture)", log, p);
    }

    private static void compare(String what, String captureText, PlatformProfile profile) {
        ProbeSteps firmware = ProbeSteps.parse(what, captureText);
        String console = EfiemuProbeRun.run(profile).consoleText();
        ProbeSteps efiemu = ProbeSteps.parse("efiemu with profile " + profile.name(), console);
        List<ProbeSteps.Difference> d = ProbeSteps.compare(firmware, efiemu);
        assertThat(firmware.lines()).as("step lines of %s", what).hasSizeGreaterThanOrEqualTo(90);
        assertThat(d).as("every step must match line for line: %s", d.isEmpty() ? "" : ProbeSteps.describe(firmware, efiemu, d))
                .isEmpty();
        assertThat(profile.sources()).as("no step is left unreproduced").noneMatch(x -> x.startsWith("not reproduced:"));
        assertThat(binLines(console)).as("bin: lines of efiemu with profile %s", profile.name())
                .containsExactlyElementsOf(binLines(captureText)).isNotEmpty();
    }

    private static List<String> binLines(String text) {
        return text.replace("\r", "").lines().filter(l -> l.startsWith("bin: ")).toList();
    }

    private static String resource(String name) {
        try (InputStream in = CaptureFidelityTest.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is not on the class path (it comes with the platforms module)");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(name, e);
        }
    }
}
