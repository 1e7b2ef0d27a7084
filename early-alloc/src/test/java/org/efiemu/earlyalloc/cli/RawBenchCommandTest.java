package org.efiemu.earlyalloc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code efiemu bench raw} in-process: on the raw-stretch payload, the whole run's line, its stretch with efiemu's and
 * the three raw variants' lines (no mismatch, exit 0); bad options are one-line errors naming the command.
 */
class RawBenchCommandTest {

    @Test
    void benchRawPrintsTheRunAndEachStretchOnEfiemuAndOnBothRawVariantsWithTheirRatio(@TempDir Path dir) throws Exception {
        Path payload = dir.resolve("raw-stretch.efi");
        try (var in = RawBenchCommandTest.class.getResourceAsStream("/payloads/raw-stretch.efi")) {
            Files.write(payload, in.readAllBytes());
        }
        EfiemuCommandTest.Result r = EfiemuCommandTest.run("bench", "raw", "--platform", "ovmf-q35-2g", "--payload",
                payload.toString(), "--stretches", "1", "--rounds", "1", "--min-instructions", "1000000");
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).containsPattern("run +RETURNED, [0-9,]+ guest instructions, thread CPU [0-9.]+ s")
                .containsPattern("stretch +after call \\d+ \\(AllocatePages\\) to call \\d+ \\(ConOut.OutputString\\)")
                .containsPattern("efiemu +CPU median +[0-9.]+ ms \\( *[0-9.]+ M/s\\)")
                .containsPattern("raw Unicorn +CPU median +[0-9.]+ ms .*efiemu/raw = [0-9.]+ %")
                .containsPattern("raw \\+ store fast path +CPU median +[0-9.]+ ms .*efiemu/raw = [0-9.]+ %")
                .containsPattern("raw \\+ fast path, warm +CPU median +[0-9.]+ ms .*efiemu/raw = [0-9.]+ %")
                .doesNotContain("MISMATCH");
    }

    @Test
    void badNumbersAndVariantsAreOneLineErrorsNamingTheCommandWithExitStatusTwo() {
        String[][] cases = {
            {"bench", "raw", "--platform", "ovmf-q35-2g", "--strategy", "mem-lower", "--stretches", "0"},
            {"bench", "raw", "--platform", "ovmf-q35-2g", "--strategy", "mem-lower", "--rounds", "0"},
            {"bench", "raw", "--platform", "ovmf-q35-2g", "--strategy", "mem-lower", "--raw", "turbo"},
            {"bench", "raw", "--platform", "ovmf-q35-2g", "--strategy", "mem-lower", "--until", "reset"},
            {"bench", "raw", "--platform", "ovmf-q35-2g", "--strategy", "mem-lower", "--screenshot", "shots"},
        };
        for (String[] args : cases) {
            EfiemuCommandTest.Result r = EfiemuCommandTest.run(args);
            assertThat(r.exit()).as(String.join(" ", args) + " -> " + r.err()).isEqualTo(2);
            assertThat(r.err().strip()).as(String.join(" ", args)).startsWith("efiemu bench raw: ").doesNotContain("\tat ");
        }
    }
}
