package org.efiemu.earlyalloc.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.File;
import java.io.PipedReader;
import java.io.PipedWriter;
import java.io.PrintWriter;
import java.io.BufferedReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.efiemu.core.engine.X86Reg;
import org.efiemu.earlyalloc.Platforms;
import org.efiemu.earlyalloc.StrategyCatalog;
import org.efiemu.platform.ProfileRegistry;
import org.efiemu.uefi.UefiMachine;
import org.efiemu.uefi.debug.UefiDebugSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code efiemu debug --gdb PORT} driven by Debian's real {@code gdb} in batch mode: connect, break at the entry point
 * the command prints, stepi, read RIP and the bytes there, continue to the end, where gdb reports that the program exited. The expected RIP and bytes come from
 * an in-process debug session of the same payload (the run is deterministic).
 */
class DebugGdbCommandTest {
    private static final String GDB = "/usr/bin/gdb";
    private static final Pattern LISTENING = Pattern.compile("GDB remote stub on 127\\.0\\.0\\.1:(\\d+) .*stopped at "
            + "(\\S+)(?: <efi_main>)? \\(\\*0x([0-9A-F]+)\\)");

    @Test
    void realGdbConnectsBreaksAtThePrintedEntryStepsReadsRipAndBytesAndRunsToTheEnd(@TempDir Path dir) throws Exception {
        if (!new File(GDB).canExecute()) {
            fail("%s is missing: efiemu debug --gdb is tested with the real debugger; install it with: "
                    + "apt-get install -y gdb", GDB);
        }
        byte[] bytes = StrategyCatalog.builtIn("efi-pages-any").payloadBytes();
        Path payload = dir.resolve("efi-pages-any.efi");
        Files.write(payload, bytes);

        long expectedRip;
        byte[] expectedBytes;
        long endRip;
        try (UefiDebugSession s = UefiDebugSession.start(UefiMachine.builder(Platforms.describe(
                ProfileRegistry.standard().resolve("ovmf-q35-2g")).description()).payload(bytes, "efi-pages-any.efi"))) {
            s.step();
            expectedRip = s.debugger().reg(X86Reg.RIP);
            expectedBytes = s.machine().machine().memory().read(expectedRip, 4);
            s.cont();
            endRip = s.debugger().reg(X86Reg.RIP);
            assertThat(s.machine().labelAt(endRip)).contains("ResetSystem stub"); // the strategy ends by resetting
        }

        PipedWriter pipe = new PipedWriter();
        BufferedReader lines = new BufferedReader(new PipedReader(pipe, 1 << 16));
        StringWriter err = new StringWriter();
        CommandLine cl = EfiemuCommand.commandLine();
        cl.setOut(new PrintWriter(pipe, true));
        cl.setErr(new PrintWriter(err, true));
        ExecutorService owner = Executors.newSingleThreadExecutor();
        try {
            Future<Integer> exit = owner.submit(() -> {
                try {
                    return cl.execute("debug", "--platform", "ovmf-q35-2g", "--payload", payload.toString(), "--gdb", "0");
                } finally {
                    pipe.close();
                }
            });
            String first = lines.readLine();
            if (first != null && first.startsWith("note:")) first = lines.readLine();
            assertThat(first).as("the command's first line; stderr: %s", err).isNotNull();
            Matcher m = LISTENING.matcher(first);
            assertThat(m.find()).as(first).isTrue();
            int port = Integer.parseInt(m.group(1));
            assertThat(m.group(2)).startsWith("efi-pages-any.efi+0x");
            long entry = Long.parseLong(m.group(3), 16);

            List<String> cmd = new ArrayList<>(List.of(GDB, "-batch", "-nx"));
            for (String c : List.of("set architecture i386:x86-64", "target remote 127.0.0.1:" + port,
                    String.format("break *0x%x", entry), "stepi", "info registers rip", "x/4xb $rip", "delete",
                    "continue")) {
                cmd.add("-ex");
                cmd.add(c);
            }
            Process gdb = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            if (!gdb.waitFor(60, TimeUnit.SECONDS)) {
                gdb.destroyForcibly();
                fail("gdb did not finish within 60 s");
            }
            String out = new String(gdb.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(exit.get(60, TimeUnit.SECONDS)).as(out).isZero();
            StringBuilder rest = new StringBuilder();
            for (String l; (l = lines.readLine()) != null; ) rest.append(l).append('\n');

            assertThat(out).as("connected at the entry point").contains(String.format("0x%016x in ?? ()", entry));
            assertThat(out).as("the entry breakpoint").contains(String.format("Breakpoint 1 at 0x%x", entry));
            assertThat(out).as("RIP after stepi").containsPattern(String.format("rip\\s+0x%x\\s", expectedRip));
            StringBuilder x = new StringBuilder(String.format("0x%x:", expectedRip));
            for (byte b : expectedBytes) x.append(String.format("\t0x%02x", b & 0xFF));
            assertThat(out).as("x/4xb $rip shows the guest's bytes").contains(x.toString());
            // the run ends at the ResetSystem call the strategy makes last: gdb is told the program exited, with the
            // low byte of ResetStatus (EFI_SUCCESS) as its code
            assertThat(out).as("continue runs to the end").contains("efiemu: ").contains("ResetSystem(")
                    .containsPattern("\\[Inferior 1 \\(Remote target\\) exited normally\\]")
                    .doesNotContain(String.format("0x%016x in ?? ()", endRip));
            // the guest's console output as it ran, then how the gdb session ended
            assertThat(rest.toString()).as(out).startsWith("@efiemu strategy efi-pages-any").contains("\ngdb session ended: ");
        } finally {
            owner.shutdownNow();
        }
    }
}
