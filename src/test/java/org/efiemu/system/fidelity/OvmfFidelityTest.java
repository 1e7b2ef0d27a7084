package org.efiemu.system.fidelity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.efiemu.platform.capture.QemuCapture;
import org.junit.jupiter.api.Test;

/**
 * Fidelity against real firmware: the OVMF probe ({@code platforms/src/main/c/ovmf-probe}) prints one line per
 * memory-service edge case; real OVMF (QEMU q35, 2 GiB) and efiemu booted with the {@code ovmf-q35-2g} profile
 * captured from it must print the same lines, step by step.
 *
 * <p>Two tests, so a failure says which side moved: {@link #efiemuMatchesTheCommittedOvmfCapture()} (fast: the
 * committed capture) and {@link #efiemuMatchesALiveOvmfRun()} (QEMU + OVMF now, through
 * {@link QemuCapture}, the code behind {@code efiemu profile capture}, 5-20 s with TCG; its failure message also says whether the live capture still
 * equals the committed one). {@link #efiemuFindsTheFreeRunsInsideTheMemoryTypeBinsWhereOvmfHasThem()} compares the
 * probe's {@code bin:} header lines (free runs inside the memory-type bins) with the committed capture.
 *
 * <p>Steps efiemu does not reproduce yet are listed in {@link #KNOWN_DIFFERENCES} with the firmware behaviour
 * behind them. The list is exact: an unlisted difference fails, and so does a listed step that now matches (remove
 * it from the list).
 */
class OvmfFidelityTest {
    private static final String PROFILE = "ovmf-q35-2g";
    private static final String COMMITTED = "/org/efiemu/platform/captures/ovmf-q35-2g.probe-steps.txt";

    /**
     * Steps whose lines differ, by step number, and why; empty: all 90 steps match. The firmware's pool state at entry
     * (partly filled pool pages, profile {@code pool-free} lines), the boot manager's file buffer and the free runs
     * inside the memory-type bins (the probe's {@code bin:} scan, e.g. the allocated ACPI NVS page at 0x7F7DC000
     * inside the NVS bin's free space) are modelled, so GetMemoryMap's required size (steps 77-79, EDK2
     * CoreGetMemoryMap in Page.c: internal entries before MergeMemoryMap plus GCD non-RAM entries, 146 x 48) is the
     * same on both sides. A step that stops matching goes here with the firmware behaviour behind it.
     */
    static final Map<Integer, String> KNOWN_DIFFERENCES = Collections.emptySortedMap();
    // to list steps: Collections.unmodifiableSortedMap(new TreeMap<>(Map.ofEntries(Map.entry(77, "why"), ...)))

    @Test
    void efiemuMatchesTheCommittedOvmfCapture() {
        ProbeSteps committed = ProbeSteps.parse("OVMF capture (committed " + COMMITTED + ")", resource(COMMITTED));
        ProbeSteps efiemu = efiemuSteps();
        assertSameSteps(committed, efiemu, "");
    }

    /**
     * The probe's bin scan ({@code bins.c}: free runs inside the five memory-type bins, found with AllocateAnyPages
     * and AllocateAddress of the bin's type, EDK2 Page.c FindFreePages) prints the same {@code bin:} lines on efiemu
     * as in the committed OVMF capture: the profile's free runs inside the bins are where OVMF has them.
     */
    @Test
    void efiemuFindsTheFreeRunsInsideTheMemoryTypeBinsWhereOvmfHasThem() {
        List<String> ovmf = binLines(resource("/org/efiemu/platform/captures/ovmf-q35-2g.log"));
        assertThat(ovmf).as("bin: lines of the committed OVMF capture").isNotEmpty();
        assertThat(binLines(EfiemuProbeRun.run(PROFILE).consoleText())).as("bin: lines of efiemu with profile %s",
                PROFILE).containsExactlyElementsOf(ovmf);
    }

    private static List<String> binLines(String text) {
        return text.replace("\r", "").lines().filter(l -> l.startsWith("bin: ")).toList();
    }

    @Test
    void efiemuMatchesALiveOvmfRun() throws Exception {
        requireQemuAndOvmf();
        QemuCapture.Result run = QemuCapture.run(QemuCapture.Options.of("q35", "2G"), EfiemuProbeRun.probeImage());
        assertThat(run.exitStatus()).as("QEMU exit status; the capture:%n%s", run.text()).isZero();
        ProbeSteps live = ProbeSteps.parse("OVMF now (QemuCapture q35 2G)", run.text());
        ProbeSteps committed = ProbeSteps.parse("OVMF capture (committed)", resource(COMMITTED));
        List<ProbeSteps.Difference> captureDrift = ProbeSteps.compare(committed, live);
        String drift = captureDrift.isEmpty() ? "The live OVMF run equals the committed capture, so efiemu changed."
                : "The live OVMF run also differs from the committed capture (the firmware or QEMU changed; recapture "
                + "with efiemu profile capture --qemu-machine q35 --mem 2G and rebuild the profile):" + System.lineSeparator()
                + ProbeSteps.describe(committed, live, captureDrift);
        assertSameSteps(live, efiemuSteps(), drift);
    }

    private static ProbeSteps efiemuSteps() {
        return ProbeSteps.parse("efiemu with profile " + PROFILE, EfiemuProbeRun.run(PROFILE).consoleText());
    }

    private static void assertSameSteps(ProbeSteps firmware, ProbeSteps efiemu, String context) {
        List<ProbeSteps.Difference> differences = ProbeSteps.compare(firmware, efiemu);
        List<ProbeSteps.Difference> unexplained = differences.stream()
                .filter(d -> !KNOWN_DIFFERENCES.containsKey(d.step())).toList();
        List<Integer> nowMatching = KNOWN_DIFFERENCES.keySet().stream()
                .filter(s -> differences.stream().noneMatch(d -> d.step() == s)).toList();
        assertThat(firmware.lines()).as("step lines of %s", firmware.source()).hasSizeGreaterThanOrEqualTo(90);
        if (!unexplained.isEmpty() || !nowMatching.isEmpty()) {
            StringBuilder sb = new StringBuilder();
            if (!unexplained.isEmpty()) {
                sb.append(ProbeSteps.describe(firmware, efiemu, unexplained)).append(System.lineSeparator());
            }
            if (!nowMatching.isEmpty()) {
                sb.append("steps listed in KNOWN_DIFFERENCES now match OVMF, remove them from the list: ")
                        .append(nowMatching).append(System.lineSeparator());
            }
            sb.append("known differences (").append(differences.size() - unexplained.size()).append("):");
            differences.stream().filter(d -> KNOWN_DIFFERENCES.containsKey(d.step())).forEach(d -> sb
                    .append(System.lineSeparator()).append(d).append(System.lineSeparator()).append("    because ")
                    .append(KNOWN_DIFFERENCES.get(d.step())));
            if (!context.isEmpty()) {
                sb.append(System.lineSeparator()).append(context);
            }
            fail(sb.toString());
        }
    }

    private static void requireQemuAndOvmf() {
        boolean qemu = Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
                .anyMatch(d -> Files.isExecutable(Path.of(d, "qemu-system-x86_64")));
        boolean ovmf = Files.isReadable(Path.of("/usr/share/OVMF/OVMF_CODE_4M.fd"))
                && Files.isReadable(Path.of("/usr/share/OVMF/OVMF_VARS_4M.fd"));
        if (!qemu || !ovmf) {
            fail("the live OVMF fidelity test needs QEMU and OVMF (%s%s missing); install them with: "
                    + "apt-get install -y qemu-system-x86 ovmf", qemu ? "" : "qemu-system-x86_64 ",
                    ovmf ? "" : "/usr/share/OVMF/OVMF_CODE_4M.fd and OVMF_VARS_4M.fd");
        }
    }

    private static String resource(String name) {
        try (InputStream in = OvmfFidelityTest.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is not on the class path (it comes with the platforms module)");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(name, e);
        }
    }
}
