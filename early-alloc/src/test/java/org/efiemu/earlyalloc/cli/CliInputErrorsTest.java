package org.efiemu.earlyalloc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.efiemu.earlyalloc.StrategyCatalog;
import org.efiemu.earlyalloc.cli.EfiemuCommandTest.Result;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every bad input to {@code efiemu run} is refused before anything runs, with one line naming the input and what
 * was expected, exit status 2, no Java class name and no stack trace.
 */
class CliInputErrorsTest {
    private static Path payload(Path dir) throws Exception {
        Path p = dir.resolve("efi-pool.efi");
        Files.write(p, StrategyCatalog.builtIn("efi-pool").payloadBytes());
        return p;
    }

    private static void assertCleanInputError(Result r, String... mentions) {
        assertThat(r.exit()).as(r.err()).isEqualTo(2);
        String line = r.err().strip();
        assertThat(line).doesNotContain("\n").doesNotContain("\tat ").doesNotContainPattern("[A-Z][a-zA-Z]+(Exception|Error)\\b")
                .doesNotContain("java.");
        for (String m : mentions) {
            assertThat(line).contains(m);
        }
    }

    @Test
    void diffLinesThatIsNotARegularExpressionIsRefusedNamingTheOptionBeforeAnythingRuns(@TempDir Path dir)
            throws Exception {
        assertCleanInputError(EfiemuCommandTest.run("diff", "--platform", "ovmf-q35-2g", "--payload",
                payload(dir).toString(), "--lines", "^EFI stub: ("), "--lines '^EFI stub: ('", "not a regular expression");
        assertCleanInputError(EfiemuCommandTest.run("diff", "--platform", "ovmf-q35-2g", "--payload",
                payload(dir).toString(), "--qemu-stop-at", "[0"), "--qemu-stop-at '[0'", "not a regular expression");
    }

    @Test
    void diffWithAMissingDiskImageIsRefusedNamingItBeforeAnythingRuns(@TempDir Path dir) throws Exception {
        Path disk = dir.resolve("missing.img");
        assertCleanInputError(EfiemuCommandTest.run("diff", "--platform", "ovmf-q35-2g", "--payload",
                payload(dir).toString(), "--disk", disk.toString()), "--disk " + disk + " does not exist",
                "expected a raw disk image");
    }

    @Test
    void diffWithReadOnlyDisksIsRefusedRatherThanComparedWithDifferentMedia(@TempDir Path dir) throws Exception {
        Path disk = Files.write(dir.resolve("d.img"), new byte[512 * 64]);
        assertCleanInputError(EfiemuCommandTest.run("diff", "--platform", "ovmf-q35-2g", "--payload",
                payload(dir).toString(), "--disk", disk.toString(), "--disk-read-only"), "--disk-read-only",
                "expected no --disk-read-only");
    }

    /** Without --payload, efiemu diff boots the disk on both sides: Shell inputs are refused, not dropped. */
    @Test
    void diffOfADiskBootRefusesTheShellsInputsNamingThem(@TempDir Path dir) throws Exception {
        Path disk = Files.write(dir.resolve("d.img"), new byte[512 * 64]);
        assertCleanInputError(EfiemuCommandTest.run("diff", "--platform", "ovmf-q35-2g", "--disk", disk.toString(),
                "--load-options", "quiet"), "--esp, --path, --load-options and --shell-parameters need --payload",
                "boots the first --disk's \\EFI\\BOOT\\BOOTX64.EFI");
        assertCleanInputError(EfiemuCommandTest.run("diff", "--platform", "ovmf-q35-2g", "--disk", disk.toString(),
                "--esp", dir.toString()), "need --payload or --strategy");
    }

    @Test
    void budgetZeroIsAnErrorNotAnUnlimitedRun(@TempDir Path dir) throws Exception {
        assertCleanInputError(EfiemuCommandTest.run("run", "--platform", "ovmf-q35-2g", "--payload", payload(dir).toString(),
                "--budget", "0"), "--budget 0", "expected 1 or more");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void payloadThatIsAFifoIsRefusedWithoutReadingIt(@TempDir Path dir) throws Exception {
        Path fifo = dir.resolve("pipe.efi");
        Process mk = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assertThat(mk.waitFor()).isZero();
        assertCleanInputError(EfiemuCommandTest.run("run", "--platform", "ovmf-q35-2g", "--payload", fifo.toString()),
                "pipe.efi", "not a regular file");
    }

    @Test
    void payloadThatIsADeviceIsRefused() {
        assertCleanInputError(EfiemuCommandTest.run("run", "--platform", "ovmf-q35-2g", "--payload", "/dev/zero"),
                "/dev/zero", "not a regular file");
    }

    @Test
    void payloadLargerThanAnyLoadableImageIsRefusedBySize(@TempDir Path dir) throws Exception {
        Path big = dir.resolve("big.efi");
        try (var f = new java.io.RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(InputFiles.MAX_PAYLOAD_BYTES + 1); // sparse: nothing is written
        }
        assertCleanInputError(EfiemuCommandTest.run("run", "--platform", "ovmf-q35-2g", "--payload", big.toString()),
                "big.efi", "at most 536,870,912");
    }

    @Test
    void loadOptionsLongerThanTheLimitAreRefused(@TempDir Path dir) throws Exception {
        String huge = "x".repeat(100 * 1024);
        assertCleanInputError(EfiemuCommandTest.run("run", "--platform", "ovmf-q35-2g", "--payload", payload(dir).toString(),
                "--load-options", huge), "--load-options", "at most 65,536");
    }

    @Test
    void longLoadOptionsWithinTheLimitReachTheGuest(@TempDir Path dir) throws Exception {
        Result r = EfiemuCommandTest.run("run", "--platform", "ovmf-q35-2g", "--payload", payload(dir).toString(),
                "--load-options", "y".repeat(60_000));
        assertThat(r.exit()).as(r.err() + r.out()).isZero();
    }

    @Test
    void badTracePathFailsBeforeTheRun(@TempDir Path dir) throws Exception {
        Result r = EfiemuCommandTest.run("run", "--platform", "ovmf-q35-2g", "--payload", payload(dir).toString(),
                "--trace", dir.resolve("no-such-dir/trace.jsonl").toString());
        assertCleanInputError(r, "--trace", "cannot be written");
        assertThat(r.out()).doesNotContain(RunCommand.SEPARATOR);
    }

    @Test
    void profileErrorsAreInputErrorsWithoutTheExceptionClass(@TempDir Path dir) throws Exception {
        Path profile = dir.resolve("bad.profile");
        Files.writeString(profile, "name: bad\nuefi-revision: 65536.99\nmemory-map:\n"
                + "EfiConventionalMemory 0x0-0x9FFFF 0xF\n");
        assertCleanInputError(EfiemuCommandTest.run("run", "--platform", profile.toString(), "--payload",
                payload(dir).toString()), "bad.profile:2", "uefi-revision", "0..65535");
    }

    @Test
    void nonUtf8ProfileNamesTheLineAndByte(@TempDir Path dir) throws Exception {
        Path profile = dir.resolve("latin1.profile");
        Files.write(profile, "name: x\ndescription: caf\u00e9\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        assertCleanInputError(EfiemuCommandTest.run("run", "--platform", profile.toString(), "--payload",
                payload(dir).toString()), "latin1.profile:2", "0xE9", "not UTF-8");
    }

    @Test
    void helpListsTheExitStatuses() {
        Result r = EfiemuCommandTest.run("run", "--help");
        assertThat(r.out()).contains("Exit status:").contains("2   usage or input error");
    }
}
