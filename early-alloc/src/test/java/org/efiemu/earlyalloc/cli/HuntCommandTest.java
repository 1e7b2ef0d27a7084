package org.efiemu.earlyalloc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.efiemu.earlyalloc.report.JsonReport;
import org.efiemu.earlyalloc.report.Report;
import org.efiemu.platform.PlatformProfile;
import org.efiemu.platform.ProfileParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code efiemu hunt} in-process: its files, its output and its errors. */
class HuntCommandTest {

    @Test
    void aHuntWritesAMinimalProfileUsableWithPlatformItsReportAndHowToReproduceIt(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("hunt");
        EfiemuCommandTest.Result r = EfiemuCommandTest.run("hunt", "--strategy", "mem-lower", "--seed", "1", "--scenarios", "10",
                "--jobs", "2", "--reason", "FIRMWARE_MEMORY_CORRUPTED", "--shrink-budget", "200", "--out", out.toString());
        assertThat(r.exit()).as(r.err()).isEqualTo(1);
        assertThat(r.out()).contains("efiemu hunt: mem-lower breaks on scenario 1 of seed 1").contains("firmware memory corrupted")
                .containsPattern("searched 2 scenarios in [0-9.]+ s: \\d+ scenarios/s \\(2 jobs\\)");
        PlatformProfile minimal = ProfileParser.parse(Files.readString(out.resolve("minimal.profile")), "minimal.profile");
        assertThat(minimal.name()).endsWith("-min");
        assertThat(Files.readString(out.resolve("hunt.txt"))).contains("command: efiemu hunt --strategy mem-lower --seed 1 --scenarios 10")
                .contains("scenario: 1").contains("breakage: FAIL firmware memory corrupted");
        Report report = JsonReport.parse(Files.readString(out.resolve("report.json")));
        assertThat(report.scenarios()).hasSize(2);
        assertThat(Files.readString(out.resolve("index.html"))).contains(minimal.name());
        // the minimal machine is an ordinary profile: the matrix runs it (and the strategy fails on it)
        EfiemuCommandTest.Result m = EfiemuCommandTest.run("matrix", "--platform", out.resolve("minimal.profile").toString(),
                "--strategy", "mem-lower", "--out", dir.resolve("matrix").toString(), "--jobs", "1");
        assertThat(m.out()).contains("MISMATCH " + minimal.name() + "/mem-lower: observed FAIL");
    }

    @Test
    void badBudgetsAndStrategiesAreOneLineErrorsWithExitStatusTwo(@TempDir Path dir) throws Exception {
        Path broken = dir.resolve("broken.strategy");
        Files.writeString(broken, "name: broken\npayload: missing.efi\ndescription: a payload that is not there\n");
        String[][] cases = {
            {"hunt", "--strategy", "no-such-strategy"},
            {"hunt", "--strategy", broken.toString()},
            {"hunt", "--strategy", "mem-lower", "--scenarios", "-5"},
            {"hunt", "--strategy", "mem-lower", "--scenarios", "0"},
            {"hunt", "--strategy", "mem-lower", "--scenarios", "99999999999999999"},
            {"hunt", "--strategy", "mem-lower", "--time", "0s"},
            {"hunt", "--strategy", "mem-lower", "--time", "forever"},
            {"hunt", "--strategy", "mem-lower", "--time", "400d"},
            {"hunt", "--strategy", "mem-lower", "--time", "5s", "--scenarios", "10"},
            {"hunt", "--strategy", "mem-lower", "--jobs", "0"},
            {"hunt", "--strategy", "mem-lower", "--verdict", "PASS"},
            {"hunt", "--strategy", "mem-lower", "--seed", "twelve"},
            {"hunt", "--strategy", "mem-lower", "--max-descriptors", "3"},
        };
        for (String[] args : cases) {
            EfiemuCommandTest.Result r = EfiemuCommandTest.run(args);
            assertThat(r.exit()).as(String.join(" ", args) + " -> " + r.err()).isEqualTo(2);
            assertThat(r.err().strip()).as(String.join(" ", args)).doesNotContain("\tat ").doesNotContain("Exception");
        }
        assertThat(EfiemuCommandTest.run("hunt", "--strategy", "no-such-strategy").err()).contains("no-such-strategy");
        assertThat(EfiemuCommandTest.run("hunt", "--strategy", "mem-lower", "--scenarios", "-5").err()).contains("scenarios -5");
        assertThat(EfiemuCommandTest.run("hunt", "--strategy", "mem-lower", "--time", "forever").err()).contains("forever");
    }

    @Test
    void durationsReadAsUnitsOrIso() {
        HuntCommand.DurationConverter c = new HuntCommand.DurationConverter();
        assertThat(c.convert("30s")).hasSeconds(30);
        assertThat(c.convert("1h30m")).hasMinutes(90);
        assertThat(c.convert("500ms")).hasMillis(500);
        assertThat(c.convert("PT2M")).hasSeconds(120);
    }
}
