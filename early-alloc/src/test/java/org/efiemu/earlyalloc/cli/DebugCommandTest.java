package org.efiemu.earlyalloc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.efiemu.earlyalloc.Platforms;
import org.efiemu.earlyalloc.StrategyCatalog;
import org.efiemu.platform.ProfileRegistry;
import org.efiemu.uefi.UefiMachine;
import org.efiemu.uefi.boot.ServiceCall;
import org.efiemu.uefi.debug.DebugStop;
import org.efiemu.uefi.debug.UefiDebugSession;
import org.efiemu.uefi.memory.AllocationTag;
import org.efiemu.uefi.spec.EfiException;
import org.efiemu.uefi.spec.EfiStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code efiemu debug} on the efi-pages-any strategy: the Xen trampoline allocation below 1 MiB, step by step. */
class DebugCommandTest {
    private static Path payload(Path dir, String strategy) throws Exception {
        Path p = dir.resolve(strategy + ".efi");
        Files.write(p, StrategyCatalog.builtIn(strategy).payloadBytes());
        return p;
    }

    private static String resource(String name) throws Exception {
        try (InputStream in = DebugCommandTest.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static String[] runScript(Path dir) throws Exception {
        Path script = dir.resolve("debug-trampoline.commands");
        Files.writeString(script, resource("debug-trampoline.commands"));
        CommandLine cl = EfiemuCommand.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute("debug", "--platform", "ovmf-q35-2g", "--payload", payload(dir, "efi-pages-any").toString(),
                "--commands", script.toString());
        return new String[] {Integer.toString(exit), out.toString(), err.toString()};
    }

    @Test
    void scriptedSessionMatchesTheGoldenTranscriptAndFailsOnItsBadCommand(@TempDir Path dir) throws Exception {
        String[] r = runScript(dir);
        assertThat(r[2]).isEmpty();
        assertThat(r[1]).isEqualTo(resource("debug-trampoline.golden"));
        assertThat(r[0]).isEqualTo("1"); // the script's last command is unknown on purpose
    }

    @Test
    void transcriptShowsTheTrampolineStepByStep(@TempDir Path dir) throws Exception {
        String t = runScript(dir)[1];
        assertThat(t).contains("= EFI_SUCCESS -> 0x90000")
                .contains("#5 AllocatePages EfiLoaderData 0x90000-0x9FFFF 16 pages from efi-pages-any.efi+0x14D7")
                .contains("+ EfiLoaderData              0x0000000000090000 0x000000000009FFFF           10  0xF")
                .contains("watchpoint 2: write of 8 bytes at 0x90000")
                .contains("00 00 00 00 00 00 00 00 -> C3 CE D9 E4 F7 82 8D 98");
        String afterBack = t.substring(t.indexOf("(efiemu) back"), t.indexOf("(efiemu) finish", t.indexOf("(efiemu) back")));
        assertThat(afterBack).doesNotContain("0x90000-0x9FFFF");
    }

    @Test
    void forcingOutOfResourcesForTheTrampolineMakesTheStrategyUseXensFallback(@TempDir Path dir) throws Exception {
        var described = Platforms.describe(ProfileRegistry.standard().resolve("ovmf-q35-2g"));
        StringBuilder console = new StringBuilder(); // ConOut, then COM1 after ExitBootServices (no replay here)
        try (UefiDebugSession s = UefiDebugSession.start(UefiMachine.builder(described.description())
                .payload(Files.readAllBytes(payload(dir, "efi-pages-any")), "efi-pages-any.efi")
                .consoleListener((source, text) -> console.append(text)))) {
            // a replacement backed by the firmware's own memory model, failing only the trampoline request
            s.replace("AllocatePages", (ServiceCall c) -> {
                long max = c.memory().u64(c.arg(3));
                if (c.arg(0) == 1 && max == 0x100000) return EfiStatus.OUT_OF_RESOURCES;
                try {
                    long at = s.machine().memoryMap().allocatePages(c.arg(0), c.argU32(1), c.arg(2), max,
                            AllocationTag.application(c.callerRip()));
                    c.memory().putU64(c.arg(3), at);
                    c.arguments(c.arg(0), c.argU32(1), c.arg(2), ServiceCall.hex(max)).output(ServiceCall.hex(at));
                    return EfiStatus.SUCCESS;
                } catch (EfiException e) {
                    return e.status();
                }
            });
            DebugStop end = s.cont();
            assertThat(end.kind()).isEqualTo(DebugStop.Kind.EXITED);
            assertThat(s.rebuilds()).isEqualTo(1);
            assertThat(console).contains("AllocatePages(AllocateMaxAddress, EfiLoaderData, 16, 0x100000) = "
                    + "EFI_OUT_OF_RESOURCES").contains("source=fallback").doesNotContain("source=allocate");
        }
    }
}
