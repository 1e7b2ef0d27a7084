package org.efiemu.uefi.debug.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.efiemu.core.debug.gdb.GdbServer;
import org.efiemu.uefi.UefiMachine;
import org.efiemu.uefi.UefiMachineBuilder;
import org.efiemu.uefi.debug.DebugTestPlatforms;
import org.efiemu.uefi.debug.UefiDebugSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Debian's real gdb against a {@link GdbMonitor} target: monitor commands print the console's views, qOffsets lets
 * {@code file x.efi} symbols work on a relocated image, reverse-stepi and reverse-continue go back, and
 * {@code target extended-remote} serves one gdb after another on the same machine.
 */
class GdbMonitorRealGdbTest {
    private static final String GDB = "/usr/bin/gdb";
    private static final Path PAYLOAD = DebugTestPlatforms.payload("services");
    private final ExecutorService owner = Executors.newSingleThreadExecutor();

    @AfterEach
    void stop() {
        owner.shutdownNow();
    }

    private static UefiMachineBuilder builder() {
        return UefiMachine.builder(DebugTestPlatforms.ovmfQ35()).payload(PAYLOAD).loadOptions("return");
    }

    /** Serves {@code session} (on the owner thread, which then drives the machine) and runs gdb with commands. */
    private String gdb(UefiDebugSession session, boolean sessions, List<List<String>> runs) throws Exception {
        if (!new File(GDB).canExecute()) fail("%s is missing; install it with: apt-get install -y gdb", GDB);
        GdbServer server = new GdbServer(new GdbMonitor(session), 0);
        Future<GdbServer.End> end = owner.submit(() -> {
            try (server) {
                return sessions ? server.serveSessions() : server.serve();
            }
        });
        StringBuilder all = new StringBuilder();
        for (List<String> commands : runs) {
            List<String> cmd = new ArrayList<>(List.of(GDB, "-batch", "-nx", "-ex", "set architecture i386:x86-64"));
            for (String c : commands) {
                cmd.add("-ex");
                cmd.add(c.replace("PORT", Integer.toString(server.port())));
            }
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("gdb did not finish within 120 s: %s", all);
            }
            all.append(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).append("---\n");
        }
        all.append("end: ").append(end.get(120, TimeUnit.SECONDS)).append('\n');
        return all.toString();
    }

    @Test
    void monitorCommandsShowTheConsolesViewsAndABadOneIsOneLineWithTheNearestName() throws Exception {
        try (UefiDebugSession s = UefiDebugSession.start(builder())) {
            String out = gdb(s, false, List.of(List.of("target remote 127.0.0.1:PORT",
                    "monitor break AllocatePages if Pages == 4", "continue", "monitor where", "monitor allocs",
                    "monitor trace 1", "monitor map", "monitor sanitizer", "monitor frobnicate", "monitor alocs", "info registers rip",
                    "kill")));
            assertThat(out).contains("breakpoint 1 on AllocatePages if Pages == 4 (0 hits)")
                    .containsPattern("AllocatePages stub, called from services\\.efi\\+0x[0-9A-F]+ <efi_main\\+0x")
                    .contains("EfiConventionalMemory").contains("no findings (")
                    .contains("error: unknown monitor command 'frobnicate'")
                    .contains("error: unknown monitor command 'alocs'; did you mean 'allocs'?")
                    .containsPattern("rip +0x[0-9a-f]+")
                    .contains("end: KILLED");
        }
    }

    @Test
    void fileSymbolsFindFunctionsOfARelocatedImageThroughQOffsets() throws Exception {
        try (UefiDebugSession s = UefiDebugSession.start(builder().loadAddress(0x4000000))) {
            long printf = s.machine().image().addressOf("rt_printf").orElseThrow();
            assertThat(printf).isBetween(0x4000000L, 0x4100000L); // linked at 0x10000000, loaded elsewhere
            String out = gdb(s, false, List.of(List.of("file " + PAYLOAD, "target remote 127.0.0.1:PORT",
                    "break rt_printf", "continue", "info symbol $pc", "kill")));
            assertThat(out).contains(String.format("Breakpoint 1 at 0x%x", printf))
                    .contains("rt_printf in section .text");
        }
    }

    @Test
    void reverseStepiReturnsToThePreviousInstructionAndReverseContinueToBeforeTheServiceCall() throws Exception {
        try (UefiDebugSession s = UefiDebugSession.start(builder())) {
            String out = gdb(s, false, List.of(List.of("target remote 127.0.0.1:PORT",
                    "stepi", "echo A:\\n", "info registers rip", "stepi", "reverse-stepi", "echo B:\\n",
                    "info registers rip",
                    "monitor break AllocatePages", "continue", "monitor delete 1", "echo C:\\n", "info registers rip",
                    "stepi", "reverse-continue", "echo D:\\n", "info registers rip", "kill")));
            assertThat(rip(out, "A:")).as(out).isEqualTo(rip(out, "B:"));
            assertThat(rip(out, "C:")).as(out).isEqualTo(rip(out, "D:"));
            assertThat(out).doesNotContain("Target remote does not support");
        }
    }

    @Test
    void extendedRemoteServesASecondGdbWhereTheFirstLeftTheMachine() throws Exception {
        try (UefiDebugSession s = UefiDebugSession.start(builder())) {
            String out = gdb(s, true, List.of(
                    List.of("target extended-remote 127.0.0.1:PORT", "stepi", "stepi", "echo A:\\n",
                            "info registers rip", "detach"),
                    List.of("target extended-remote 127.0.0.1:PORT", "echo B:\\n", "info registers rip",
                            "monitor where", "kill")));
            assertThat(rip(out, "A:")).as(out).isEqualTo(rip(out, "B:"));
            assertThat(out).contains("end: KILLED");
        }
    }

    @Test
    void aChildImageLoadedByLoadImageIsInGdbsSharedLibraryList(@org.junit.jupiter.api.io.TempDir Path esp)
            throws Exception {
        Path boot = java.nio.file.Files.createDirectories(esp.resolve("EFI/BOOT"));
        Path payload = java.nio.file.Files.copy(DebugTestPlatforms.payload("svc-images"), boot.resolve("BOOTX64.EFI"));
        Path dir = java.nio.file.Files.createDirectories(esp.resolve("EFI/efiemu"));
        java.nio.file.Files.copy(DebugTestPlatforms.payload("svc-child"), dir.resolve("child.efi"));
        java.nio.file.Files.writeString(esp.resolve("hello.txt"), "hello, ESP\n");
        try (UefiDebugSession s = UefiDebugSession.start(UefiMachine.builder(DebugTestPlatforms.ovmfQ35())
                .esp(esp, false).payload(payload))) {
            String out = gdb(s, false, List.of(List.of("set solib-search-path " + dir,
                    "target remote 127.0.0.1:PORT", "monitor break StartImage", "continue", "sharedlibrary",
                    "info sharedlibrary", "kill")));
            var child = s.machine().images().images().stream().filter(i -> i.name().equals("child.efi")).findFirst()
                    .orElseThrow(() -> new AssertionError("child.efi not loaded: " + out));
            assertThat(out).containsPattern(String.format("0x0*%x +0x[0-9a-f]+ +Yes .*child\\.efi",
                    child.base() + child.pe().sections().get(0).virtualAddress()));
        }
    }

    @Test
    void monitorBreakOnAServiceKeepsFiringAfterWaitForEventAndMonitorBreakTakesASourceLine() throws Exception {
        int alloc = SourceLinesTest.line("alloc");
        int loop = SourceLinesTest.line("loop");
        try (UefiDebugSession s = UefiDebugSession.start(UefiMachine.builder(DebugTestPlatforms.ovmfQ35())
                .payload(DebugTestPlatforms.payload("dbg-wait")))) {
            String out = gdb(s, false, List.of(List.of("target remote 127.0.0.1:PORT",
                    "monitor break AllocatePages", "continue", "echo A:\\n", "monitor where", "monitor trace 3",
                    "continue", "echo B:\\n", "monitor info", "monitor delete 1",
                    "monitor break dbg_wait.c:" + loop, "continue", "echo C:\\n", "monitor where", "kill")));
            String a = out.substring(out.indexOf("A:"), out.indexOf("B:"));
            assertThat(a).as(out).containsPattern("AllocatePages stub, called from dbg-wait\\.efi\\+0x[0-9A-F]+"
                    + " <grab_pages[.a-z0-9]*\\+0x[0-9A-F]+ \\(dbg_wait\\.c:" + alloc + "\\)>")
                    .containsPattern("WaitForEvent\\(1, .*\\) = EFI_SUCCESS -> Index=0");
            assertThat(out.substring(out.indexOf("B:"), out.indexOf("C:"))).as(out)
                    .contains("breakpoint 1 on AllocatePages (2 hits)");
            assertThat(out.substring(out.indexOf("C:"))).as(out)
                    .containsPattern("dbg-wait\\.efi\\+0x[0-9A-F]+ <efi_main\\+0x[0-9A-F]+ \\(dbg_wait\\.c:" + loop + "\\)>")
                    .contains("end: KILLED");
        }
    }

    private static String rip(String out, String marker) {
        Matcher m = Pattern.compile(Pattern.quote(marker) + "\\s*\\nrip +(0x[0-9a-f]+)").matcher(out);
        assertThat(m.find()).as("%s in %s", marker, out).isTrue();
        return m.group(1);
    }
}
