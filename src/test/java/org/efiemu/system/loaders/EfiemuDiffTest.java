package org.efiemu.system.loaders;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.efiemu.earlyalloc.cli.EfiemuCommand;
import org.efiemu.earlyalloc.diff.DiffReport;
import org.efiemu.earlyalloc.diff.DiffRunner;
import org.efiemu.platform.ProfileRegistry;
import org.efiemu.platform.qemu.QemuOvmf;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code efiemu diff} runs the same binary on real QEMU + OVMF (Debian qemu-system-x86 and ovmf) and on efiemu and
 * reports the same ending or the first divergence: this repository's diff-probe and shim-unsigned's fbx64.efi.
 */
class EfiemuDiffTest {
    record Result(int exit, String out, String err) {}

    @BeforeAll
    static void qemuAndOvmfAreInstalled() {
        new QemuOvmf().missing().ifPresent(m -> {
            throw new IllegalStateException(m + " (scripts/provision.sh installs them)");
        });
    }

    static Result efiemu(String... args) {
        CommandLine cl = EfiemuCommand.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        return new Result(exit, out.toString(), err.toString());
    }

    static Path probe() {
        return Path.of("target/test-classes/payloads/diff-probe.efi").toAbsolutePath();
    }

    static DiffReport diff(Path payload, Path esp, String options) throws Exception {
        return new DiffRunner(new QemuOvmf()).run(new DiffRunner.Request(ProfileRegistry.standard().resolve("ovmf-q35-2g"),
                Files.readAllBytes(payload), payload.getFileName().toString(), esp, null, options, 2_000_000_000L,
                Duration.ofMinutes(5), Duration.ofMinutes(5), false));
    }

    @Test
    void diffProbePrintsTheSameLinesAndReturnsTheSameStatusOnQemuAndEfiemu() {
        Result r = efiemu("diff", "--platform", "ovmf-q35-2g", "--payload", probe().toString(), "--load-options",
                "hello world", "--qemu-timeout", "300");
        assertThat(r.exit()).as("%s%n%s", r.out(), r.err()).isZero();
        assertThat(r.out()).contains("no divergence: the same 6 lines and the same ending")
                .containsPattern("2 probe: load-options \\[fs0:\\\\diff-probe\\.efi hello world\\|\\] +=")
                .contains("ending        QEMU + OVMF: returned EFI_SUCCESS").contains("efiemu:      returned EFI_SUCCESS");
    }

    @Test
    void handleCountIsTheFirstDivergenceShownWithTheEfiemuCallsAroundIt() throws Exception {
        DiffReport d = diff(probe(), null, "handles");
        assertThat(d.firstDivergence()).as(String.join("\n", d.render())).hasValue(5);
        assertThat(d.real().get(5)).matches("probe: handles EFI_SUCCESS \\d+");
        assertThat(d.emulated().get(5)).matches("probe: handles EFI_SUCCESS \\d+").isNotEqualTo(d.real().get(5));
        assertThat(d.real().subList(0, 5)).isEqualTo(d.emulated().subList(0, 5));
        assertThat(d.callsAround()).extracting(e -> e.service()).contains("LocateHandleBuffer");
        assertThat(d.sameEnding()).isTrue();
        assertThat(d.render()).anyMatch(l -> l.startsWith("first divergence at line 6: QEMU + OVMF printed \"probe: handles"));
    }

    @Test
    void shimFallbackFbx64EndsTheSameOnBothWithAnEmptyEsp(@TempDir Path esp) throws Exception {
        Path fb = DebianEfi.file("shim-unsigned", "usr/lib/shim/fbx64.efi");
        DiffReport d = diff(fb, esp, null);
        assertThat(d.same()).as(String.join("\n", d.render())).isTrue();
        assertThat(d.real()).isEqualTo(List.of("Couldn't open EFI: Not Found",
                "Error: could not find boot options: Not Found"));
        assertThat(d.emulatedEnding()).isEqualTo("returned EFI_NOT_FOUND");
    }
}
