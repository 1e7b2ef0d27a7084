package org.efiemu.earlyalloc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JVM options the {@code ./efiemu} launcher gives each command ({@code scripts/jit/jvm-options.sh}, which the
 * launcher sources): its own function run by bash with the command lines a user types, and the options it chooses run
 * by this Java. A short hunt gets the first tier, the serial collector and a tenth of the compile thresholds; a long
 * hunt (≥ 20 000 scenarios or ≥ 20 s) the full JIT with the C2 files and the serial collector; the matrix and the
 * short commands the first tier and the serial collector.
 */
class LauncherJvmOptionsTest {
    private static final Path JIT = Path.of("").toAbsolutePath().getParent().resolve("scripts/jit");
    private static final List<String> FIRST_TIER = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
            "-XX:CompileThresholdScaling=0.1");

    @Test
    void shortHuntsGetTheFirstTierTheSerialCollectorAndATenthOfTheThresholds() throws Exception {
        assertThat(options(JIT, "hunt", "--scenarios", "3000", "--jobs", "2")).isEqualTo(FIRST_TIER);
        assertThat(options(JIT, "hunt", "--scenarios=19999")).isEqualTo(FIRST_TIER);
        assertThat(options(JIT, "hunt", "--time", "19s")).isEqualTo(FIRST_TIER);
        assertThat(options(JIT, "hunt", "--time", "PT30S")).as("a budget the launcher cannot read is short")
                .isEqualTo(FIRST_TIER);
    }

    @Test
    void longHuntsGetTheFullJitWithTheC2FilesAndTheSerialCollectorAndNoFirstTierLimit() throws Exception {
        for (List<String> args : List.of(List.of("hunt", "--scenarios", "20000"), List.of("hunt", "--scenarios=50000"),
                List.of("hunt", "--time", "20s"), List.of("hunt", "--time=1m30s"),
                List.of("hunt", "--strategy", "efi-pool") /* the default budget, HuntCommand.DEFAULT_SCENARIOS */)) {
            List<String> opts = options(JIT, args.toArray(String[]::new));
            assertThat(opts).as("%s", args)
                    .contains("-XX:+UseSerialGC", "-XX:CompilerDirectivesFile=" + JIT.resolve("hunt-c2.directives.json"),
                            "-XX:CompileCommandFile=" + JIT.resolve("hunt-c2.commands"))
                    .noneMatch(o -> o.startsWith("-XX:TieredStopAtLevel") || o.startsWith("-XX:CompileThresholdScaling"));
        }
    }

    @Test
    void theDefaultBudgetIsALongHuntAsTheLauncherAssumes() {
        assertThat(HuntCommand.DEFAULT_SCENARIOS).as("the launcher's long-hunt threshold (scripts/jit/jvm-options.sh)")
                .isGreaterThanOrEqualTo(20_000);
    }

    @Test
    void aLongHuntWithoutTheC2FilesFallsBackToTheFirstTier(@TempDir Path empty) throws Exception {
        assertThat(options(empty, "hunt", "--scenarios", "20000")).isEqualTo(FIRST_TIER);
    }

    @Test
    void theMatrixAndShortCommandsGetTheFirstTierAndTheSerialCollectorWithTheUsualThresholds() throws Exception {
        for (String command : List.of("matrix", "run", "debug", "profile", "diff", "--help", "--version")) {
            assertThat(options(JIT, command)).as(command).containsExactly("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");
        }
        assertThat(options(JIT, "bench", "hunt")).as("bench: the full JIT and the default collector").isEmpty();
    }

    @Test
    void huntHelpAndVersionRunNoHuntSoTheyGetTheShortCommandsOptions() throws Exception {
        for (List<String> args : List.of(List.of("hunt", "--help"), List.of("hunt", "-h"),
                List.of("hunt", "--strategy", "efi-pool", "--help"), List.of("hunt", "-V"), List.of("hunt", "--version"))) {
            assertThat(options(JIT, args.toArray(String[]::new))).as("%s", args)
                    .containsExactly("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");
        }
    }

    @Test
    void thisJavaAppliesTheShortHuntOptions() throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(options(JIT, "hunt", "--scenarios", "3000"));
        cmd.addAll(List.of("-XX:+PrintFlagsFinal", "-version"));
        String flags = run(cmd);
        assertThat(flags).containsPattern("bool UseSerialGC\\s+= true")
                .containsPattern("bool UseG1GC\\s+= false")
                .containsPattern("double CompileThresholdScaling\\s+= 0\\.1")
                .containsPattern("intx TieredStopAtLevel\\s+= 1 ");
    }

    /** The options {@code jvm_options ARGS} appends, one per line, with JIT_DIR = {@code jitDir}. */
    private static List<String> options(Path jitDir, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("bash", "-c",
                "set -euo pipefail; JIT_DIR=\"$1\"; shift; . \"$0\"; opts=(); jvm_options \"$@\"; "
                        + "for o in \"${opts[@]+\"${opts[@]}\"}\"; do printf '%s\\n' \"$o\"; done",
                JIT.resolve("jvm-options.sh").toString(), jitDir.toString()));
        cmd.addAll(List.of(args));
        String out = run(cmd);
        return out.isEmpty() ? List.of() : List.of(out.split("\n"));
    }

    private static String run(List<String> cmd) throws IOException, InterruptedException {
        Path stdout = Files.createTempFile("launcher-opts", ".txt");
        Path stderr = Files.createTempFile("launcher-opts-err", ".txt");
        try {
            Process p = new ProcessBuilder(cmd).redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            String err = Files.readString(stderr, StandardCharsets.UTF_8);
            assertThat(p.exitValue()).as("%s: %s", cmd, err).isZero();
            return Files.readString(stdout, StandardCharsets.UTF_8).strip();
        } finally {
            Files.deleteIfExists(stdout);
            Files.deleteIfExists(stderr);
        }
    }
}
