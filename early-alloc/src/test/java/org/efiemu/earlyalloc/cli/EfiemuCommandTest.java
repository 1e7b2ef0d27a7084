package org.efiemu.earlyalloc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.efiemu.earlyalloc.StrategyCatalog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The efiemu command line, run in-process with captured stdout/stderr. */
class EfiemuCommandTest {
    record Result(int exit, String out, String err) {}

    /** Runs {@code args} as {@link Main} does: only the named subcommand's model is built. */
    static Result run(String... args) {
        CommandLine cl = EfiemuCommand.commandLine(args);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        return new Result(exit, out.toString(), err.toString());
    }

    private static Path payload(Path dir, String strategy) throws Exception {
        Path p = dir.resolve(strategy + ".efi");
        Files.write(p, StrategyCatalog.builtIn(strategy).payloadBytes());
        return p;
    }

    @Test
    void aNamedSubcommandBuildsOnlyThatCommandsModelAndEverythingElseSeesAllCommands() {
        assertThat(EfiemuCommand.commandLine(new String[] {"run", "--platform", "x"}).getSubcommands().keySet())
                .containsExactly("run");
        assertThat(EfiemuCommand.commandLine(new String[] {"--help"}).getSubcommands().keySet())
                .containsExactly("matrix", "run", "profile", "bench", "debug", "hunt", "report", "diff");
        Result typo = run("rn", "--platform", "ovmf-q35-2g");
        assertThat(typo.exit()).isEqualTo(EfiemuCommand.EXIT_USAGE);
        assertThat(typo.err()).contains("rn").contains("run");
        assertThat(run("--help").out()).contains("matrix", "run", "profile", "bench", "debug", "hunt", "report", "diff");
    }

    @Test
    void versionNamesEfiemuAndTheLoadedUnicorn() {
        Result r = run("--version");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("efiemu ").containsPattern("Unicorn 2\\.\\d+\\.\\d+");
    }

    @Test
    void unknownPlatformIsOneLineWithExitStatusTwo(@TempDir Path dir) throws Exception {
        Result r = run("run", "--platform", "no-such-machine", "--payload", payload(dir, "efi-pool").toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err().strip()).doesNotContain("\n").contains("no-such-machine").doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    void unreadablePayloadIsOneLineWithExitStatusTwo(@TempDir Path dir) {
        Result r = run("run", "--platform", "ovmf-q35-2g", "--payload", dir.resolve("missing.efi").toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err().strip()).doesNotContain("\n").contains("missing.efi").contains("does not exist");
    }

    @Test
    void malformedPeIsOneLineWithExitStatusTwo(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("bad.efi");
        Files.writeString(bad, "MZ but not really a PE image");
        Result r = run("run", "--platform", "ovmf-q35-2g", "--payload", bad.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err().strip()).doesNotContain("\n").contains("bad.efi").contains("PE32+");
    }

    @Test
    void runPrintsTheGuestConsoleThenTheSummaryAfterTheSeparator(@TempDir Path dir) throws Exception {
        Path trace = dir.resolve("trace.jsonl");
        Result r = run("run", "--platform", "ovmf-q35-2g", "--payload", payload(dir, "efi-pool").toString(),
                "--trace", trace.toString());
        assertThat(r.exit()).isZero();
        int sep = r.out().indexOf(RunCommand.SEPARATOR);
        assertThat(sep).isPositive();
        String guest = r.out().substring(0, sep);
        String summary = r.out().substring(sep);
        assertThat(guest).startsWith("@efiemu strategy efi-pool\r\n").contains("@efiemu result ok").contains("@efiemu done");
        assertThat(summary).contains("ResetSystem(EfiResetShutdown, EFI_SUCCESS) after ExitBootServices succeeded")
                .contains("allocations still held:").contains("AllocatePages(EfiLoaderData, 16 pages) 0x90000-0x9FFFF");
        assertThat(Files.readAllLines(trace)).isNotEmpty().allSatisfy(l -> assertThat(l).startsWith("{\"sequence\":"));
    }

    @Test
    void runOfCodeBlockCountingCannotCountRunsItAgainPerInstructionPrintingTheConsoleOnce(@TempDir Path dir)
            throws Exception {
        Path smc = dir.resolve("smc-efi-pool.efi");
        try (var in = EfiemuCommandTest.class.getResourceAsStream("/payloads/smc-efi-pool.efi")) {
            Files.write(smc, in.readAllBytes());
        }
        Result byBlock = run("run", "--platform", "ovmf-q35-2g", "--payload", smc.toString());
        Result perInstruction = run("run", "--platform", "ovmf-q35-2g", "--payload", smc.toString(), "--counting",
                "per-instruction");
        assertThat(byBlock.exit()).isZero();
        assertThat(byBlock.err()).contains("counting by block cannot count this guest")
                .contains("running it again per instruction");
        String guest = byBlock.out().substring(0, byBlock.out().indexOf(RunCommand.SEPARATOR));
        assertThat(guest.split("@efiemu strategy smc-efi-pool", -1)).as("printed once").hasSize(2);
        assertThat(byBlock.out()).contains("counted per-instruction");
        // console and summary as the per-instruction run's, but for the timing line
        assertThat(withoutTiming(byBlock.out())).isEqualTo(withoutTiming(perInstruction.out()));
    }

    private static String withoutTiming(String out) {
        return out.replaceAll("(?m)^guest    .*$", "guest").replaceAll("(?m)^stores   .*$", "stores");
    }

    @Test
    void countingAndTimeLimitOptionsRejectWhatTheyDoNotKnow(@TempDir Path dir) throws Exception {
        Result counting = run("run", "--platform", "ovmf-q35-2g", "--payload", payload(dir, "efi-pool").toString(),
                "--counting", "sometimes");
        assertThat(counting.exit()).isEqualTo(2);
        assertThat(counting.err()).contains("--counting 'sometimes': expected blocks or per-instruction");
        Result limit = run("run", "--platform", "ovmf-q35-2g", "--payload", payload(dir, "efi-pool").toString(),
                "--time-limit", "soon");
        assertThat(limit.exit()).isEqualTo(2);
        assertThat(limit.err()).contains("--time-limit 'soon'");
    }

    @Test
    void timeLimitTakesUnitsAndZeroMeansNone(@TempDir Path dir) throws Exception {
        Result r = run("run", "--platform", "ovmf-q35-2g", "--payload", payload(dir, "efi-pool").toString(),
                "--time-limit", "0ms");
        // 0 = no limit: the run ends normally
        assertThat(r.exit()).isZero();
        assertThat(GuestOptions.parseDuration("1500ms", "--time-limit")).isEqualTo(java.time.Duration.ofMillis(1500));
        assertThat(GuestOptions.parseDuration("10m", "--time-limit")).isEqualTo(java.time.Duration.ofMinutes(10));
        assertThat(GuestOptions.parseDuration("2", "--time-limit")).isEqualTo(java.time.Duration.ofSeconds(2));
    }

    @Test
    void runUntilExitBootServicesStopsThere(@TempDir Path dir) throws Exception {
        Result r = run("run", "--platform", "ovmf-q35-2g", "--payload", payload(dir, "efi-pool").toString(),
                "--until", "exit-boot-services");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("ExitBootServices succeeded (stopped there").doesNotContain("@efiemu done");
    }

    @Test
    void runMountsAHostFolderAsTheEspAndPrintsTheFinalMap(@TempDir Path dir) throws Exception {
        Path boot = Files.createDirectories(dir.resolve("EFI/BOOT"));
        Files.write(boot.resolve("BOOTX64.EFI"), StrategyCatalog.builtIn("efi-pool").payloadBytes());
        Result r = run("run", "--platform", "ovmf-q35-2g", "--payload", boot.resolve("BOOTX64.EFI").toString(),
                "--esp", dir.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("@efiemu result ok").containsPattern("final memory map \\(\\d+ descriptors");
        Result notDir = run("run", "--platform", "ovmf-q35-2g", "--payload", boot.resolve("BOOTX64.EFI").toString(),
                "--esp", boot.resolve("BOOTX64.EFI").toString());
        assertThat(notDir.exit()).isEqualTo(2);
        assertThat(notDir.err()).contains("is not a directory");
    }

    @Test
    void runSummaryNamesTheFileThePayloadAskedForAndDidNotGetWithItsCallSite(@TempDir Path dir) throws Exception {
        Path payload = dir.resolve("esp-read.efi");
        Files.copy(Path.of("target/test-classes/payloads/esp-read.efi"), payload);
        Result r = run("run", "--platform", "ovmf-q35-2g", "--payload", payload.toString(), "--esp", dir.toString());
        assertThat(r.out()).contains("open EFI_NOT_FOUND");
        String summary = r.out().substring(r.out().indexOf(RunCommand.SEPARATOR));
        assertThat(summary).containsPattern("why +stopped at ")
                .contains("why      asked for and did not get (1):")
                .containsPattern("why +  file not found: \"\\\\hello\\.txt\": File\\.Open = EFI_NOT_FOUND from "
                        + "esp-read\\.efi\\+0x[0-9A-F]+( <[^>]+>)? \\(#\\d+\\)");
    }

    @Test
    void runTakesAProfileFilePath(@TempDir Path dir) throws Exception {
        Path profile = dir.resolve("copy.profile");
        Files.writeString(profile, org.efiemu.platform.ProfileRegistry.builtInText("ovmf-q35-512m").orElseThrow()
                .replace("name: ovmf-q35-512m", "name: my-copy"));
        Result r = run("run", "--platform", profile.toString(), "--payload", payload(dir, "init-bss").toString());
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("on my-copy").contains("@efiemu result ok");
    }

    @Test
    void matrixWritesTheThreeReportFilesAndTheTable(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("report");
        Result r = run("matrix", "--platform", "ovmf-q35-2g", "--platform", "lowalloc-firmware",
                "--strategy", "efi-pool", "--strategy", "init-bss", "--out", out.toString(), "--jobs", "2");
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("efi-pool").contains("ovmf-q35-2g").contains("4 scenarios: 4 PASS, 0 WARN, 0 FAIL; 0 differ");
        assertThat(out.resolve("index.html")).exists();
        assertThat(out.resolve("report.md")).exists();
        assertThat(Files.readString(out.resolve("report.json"))).contains("\"ovmf-q35-2g/init-bss\"");
        // each cell's own static page: evidence, pictures with markers, the final map, call sites as image+offset
        String page = Files.readString(out.resolve("scenarios/ovmf-q35-2g_efi-pool.html"));
        assertThat(page).doesNotContain("<script").contains("Final memory map").contains("efi-pool.efi+0x")
                .contains("efiemu run --platform ovmf-q35-2g --strategy efi-pool").contains("efiemu debug --platform ovmf-q35-2g --strategy efi-pool")
                .contains("<svg class=\"map map-whole\"");
        assertThat(Files.readString(out.resolve("index.html"))).contains("href=\"scenarios/ovmf-q35-2g_efi-pool.html\"");
        assertThat(r.err()).contains("[4/4]");
    }

    @Test
    void matrixExitsNonZeroWhenAVerdictDiffersFromTheExpectedOne(@TempDir Path dir) throws Exception {
        // a user strategy has no recorded expectation, so it is expected to PASS; mem-lower's payload does not
        Files.write(dir.resolve("ml.efi"), StrategyCatalog.builtIn("mem-lower").payloadBytes());
        Path desc = dir.resolve("my-mem-lower.strategy");
        Files.writeString(desc, "name: my-mem-lower\npayload: ml.efi\ndescription: GRUB mem_lower, as a user strategy\n");
        Result r = run("matrix", "--platform", "ovmf-q35-2g", "--strategy", desc.toString(), "--out",
                dir.resolve("r").toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).contains("FAIL!=PASS").contains("MISMATCH ovmf-q35-2g/my-mem-lower");
    }

    @Test
    void matrixWithAUsersExpectationsFileExitsZeroWhenEveryScenarioIsAsExpected(@TempDir Path dir) throws Exception {
        Files.write(dir.resolve("ml.efi"), StrategyCatalog.builtIn("mem-lower").payloadBytes());
        Path desc = dir.resolve("my-mem-lower.strategy");
        Files.writeString(desc, "name: my-mem-lower\npayload: ml.efi\ndescription: GRUB mem_lower, as a user strategy\n");
        Path expected = dir.resolve("expected.txt");
        Files.writeString(expected, "# our machines\nmy-mem-lower ovmf-q35-2g FAIL the trampoline lands on mem_lower's chunks\n");
        Result r = run("matrix", "--platform", "ovmf-q35-2g", "--strategy", desc.toString(), "--expected",
                expected.toString(), "--out", dir.resolve("r").toString());
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("0 differ from the expected verdict").doesNotContain("MISMATCH");
        assertThat(Files.readString(dir.resolve("r/report.json"))).contains("the trampoline lands on mem_lower's chunks");
    }

    @Test
    void matrixExpectationsFromAUsersFileTakePrecedenceOverTheBuiltInOnes(@TempDir Path dir) throws Exception {
        Path expected = dir.resolve("expected.txt");
        Files.writeString(expected, "efi-pool ovmf-q35-2g FAIL we expect our firmware to refuse the pool\n");
        Result r = run("matrix", "--platform", "ovmf-q35-2g", "--strategy", "efi-pool", "--strategy", "mem-lower",
                "--expected", expected.toString(), "--out", dir.resolve("r").toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).contains("MISMATCH ovmf-q35-2g/efi-pool: observed PASS, expected FAIL")
                .doesNotContain("MISMATCH ovmf-q35-2g/mem-lower");
    }

    @Test
    void malformedExpectationsFileIsOneLineNamingFileAndLineWithExitStatusTwo(@TempDir Path dir) throws Exception {
        Path expected = dir.resolve("expected.txt");
        Files.writeString(expected, "# header\nefi-pool ovmf-q35-2g MAYBE unsure\n");
        Result r = run("matrix", "--platform", "ovmf-q35-2g", "--strategy", "efi-pool", "--expected",
                expected.toString(), "--out", dir.resolve("r").toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err().strip()).isEqualTo("efiemu matrix: " + expected + ":2: verdict 'MAYBE' is not PASS, WARN or FAIL");
        Result missing = run("matrix", "--platform", "ovmf-q35-2g", "--expected", dir.resolve("nope.txt").toString(),
                "--out", dir.resolve("r").toString());
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).contains(dir.resolve("nope.txt") + ": no such file");
    }

    @Test
    void matrixHelpListsTheExitStatuses() {
        Result r = run("matrix", "--help");
        assertThat(r.out()).contains("Exit status:").contains("0   every scenario's verdict is the expected one")
                .contains("2   bad input");
    }

    @Test
    void runAndDebugTakeAStrategyByNameAsTheMatrixRunsIt(@TempDir Path dir) throws Exception {
        // place-string-mb2's descriptor loads it at 1 MiB, as a multiboot2 loader would
        Result r = run("run", "--platform", "ovmf-q35-2g", "--strategy", "place-string-mb2");
        assertThat(r.out()).contains("place-string-mb2.efi at 0x100000-");
        Result moved = run("run", "--platform", "ovmf-q35-2g", "--strategy", "efi-pool", "--load-address", "2MiB");
        assertThat(moved.out()).contains("efi-pool.efi at 0x200000-");
        Path script = dir.resolve("cmds");
        Files.writeString(script, "where\n");
        Result d = run("debug", "--platform", "ovmf-q35-2g", "--strategy", "efi-pool", "--budget", "5000000", "--commands",
                script.toString());
        assertThat(d.exit()).as(d.out() + d.err()).isZero();
        assertThat(d.out()).contains("efi-pool.efi on ovmf-q35-2g, stopped at the entry point efi-pool.efi+0x");
    }

    @Test
    void runNeedsExactlyOneApplicationAndAPositiveBudget(@TempDir Path dir) throws Exception {
        assertThat(run("run", "--platform", "ovmf-q35-2g").err())
                .contains("give the EFI application: --payload X.efi or --strategy NAME");
        Result both = run("run", "--platform", "ovmf-q35-2g", "--strategy", "efi-pool", "--payload", payload(dir, "efi-pool").toString());
        assertThat(both.exit()).isEqualTo(2);
        assertThat(both.err()).contains("--payload and --strategy both name the application");
        Result zero = run("run", "--platform", "ovmf-q35-2g", "--strategy", "efi-pool", "--budget", "0");
        assertThat(zero.exit()).isEqualTo(2);
        assertThat(zero.err()).contains("--budget 0: expected 1 or more instructions");
        assertThat(run("run", "--platform", "ovmf-q35-2g", "--strategy", "no-such").err()).contains("no-such");
    }

    @Test
    void profileCommandsAreMounted() {
        Result r = run("profile", "list");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("ovmf-q35-2g").contains("dell-poweredge-r820");
    }
}
