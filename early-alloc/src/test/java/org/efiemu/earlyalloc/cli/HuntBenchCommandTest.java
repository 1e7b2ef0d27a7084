package org.efiemu.earlyalloc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * {@code efiemu bench hunt} in-process: one line per strategy, job count and kind of engine (fresh, reused), the real
 * hunt's times, its errors.
 */
class HuntBenchCommandTest {

    @Test
    void benchHuntPrintsTheRateAndCpuPerScenarioForEachJobCountThenTheRealHuntsTimes() {
        EfiemuCommandTest.Result r = EfiemuCommandTest.run("bench", "hunt", "--strategy", "mem-lower", "--jobs", "1,2",
                "--scenarios", "3", "--warmup", "1", "--max-descriptors", "20");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("machines 4-20 descriptors")
                .containsPattern("mem-lower +fresh +1 +3 +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.-]+ -> [0-9.-]+")
                .containsPattern("mem-lower +reused +1 +3 +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.-]+ -> [0-9.-]+")
                .containsPattern("mem-lower +fresh +2 +3 ")
                .containsPattern("mem-lower +reused +2 +3 ")
                .containsPattern("hunt --strategy mem-lower --seed 1 --jobs 2: first failure at scenario \\d+ \\(\\d+ descriptors, FAIL [^)]+\\) "
                        + "after [0-9.]+ s; shrunk to \\d+ descriptors in \\d+ steps");
    }

    @Test
    void badNumbersAndStrategiesAreOneLineErrorsNamingTheCommandWithExitStatusTwo() {
        String[][] cases = {
            {"bench", "hunt", "--jobs", "0", "--find", "none"},
            {"bench", "hunt", "--scenarios", "0", "--find", "none"},
            {"bench", "hunt", "--strategy", "no-such-strategy", "--find", "none"},
            {"bench", "hunt", "--engines", "recycled", "--find", "none"},
        };
        for (String[] args : cases) {
            EfiemuCommandTest.Result r = EfiemuCommandTest.run(args);
            assertThat(r.exit()).as(String.join(" ", args) + " -> " + r.err()).isEqualTo(2);
            assertThat(r.err().strip()).as(String.join(" ", args)).startsWith("efiemu bench hunt: ").doesNotContain("\tat ");
        }
    }
}
