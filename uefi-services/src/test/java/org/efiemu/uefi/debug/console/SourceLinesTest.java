package org.efiemu.uefi.debug.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.efiemu.uefi.BootResult;
import org.efiemu.uefi.UefiMachine;
import org.efiemu.uefi.debug.DebugTestPlatforms;
import org.efiemu.uefi.debug.UefiDebugSession;
import org.junit.jupiter.api.Test;

/**
 * The console reads the DWARF line table of a payload built with gcc -g (dbg-wait): {@code file.c:LINE} in where,
 * disas, stop reports and the trace, {@code break FILE:LINE}; and service breakpoints keep firing after the guest's
 * WaitForEvent on a timer.
 */
public class SourceLinesTest {
    private static final Path SOURCE = Path.of("src/test/c/dbg-wait/dbg_wait.c");

    /** The line of dbg_wait.c marked with {@code @marker}. */
    public static int line(String marker) throws Exception {
        List<String> lines = Files.readAllLines(SOURCE);
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains("/* @" + marker + " */")) return i + 1;
        }
        throw new AssertionError("no @" + marker + " in " + SOURCE);
    }

    private static org.efiemu.uefi.UefiMachineBuilder builder() {
        return UefiMachine.builder(DebugTestPlatforms.ovmfQ35()).payload(DebugTestPlatforms.payload("dbg-wait"));
    }

    private static String transcript(String script) throws Exception {
        StringWriter w = new StringWriter();
        try (UefiDebugSession s = UefiDebugSession.start(builder())) {
            new DebugConsole(s, new PrintWriter(w), true).run(new StringReader(script));
        }
        return w.toString();
    }

    @Test
    void breakOnASourceLineStopsThereAndWhereAndDisasNameTheFileAndLine() throws Exception {
        int loop = line("loop");
        String t = transcript("break dbg_wait.c:" + loop + "\ncontinue\nwhere\ndisas 1\n");
        assertThat(t).doesNotContain("error:")
                .containsPattern("breakpoint 1 at dbg_wait\\.c:" + loop + " \\(0x[0-9A-F]+\\)\n")
                .containsPattern("breakpoint at dbg-wait\\.efi\\+0x[0-9A-F]+ <efi_main\\+0x[0-9A-F]+ \\(dbg_wait\\.c:"
                        + loop + "\\)>")
                .containsPattern("\\(efiemu\\) where\n0x[0-9A-F]+ dbg-wait\\.efi\\+0x[0-9A-F]+ <efi_main\\+0x[0-9A-F]+ "
                        + "\\(dbg_wait\\.c:" + loop + "\\)>\n")
                .containsPattern("=> 0x[0-9A-F]+ <dbg-wait\\.efi\\+0x[0-9A-F]+ efi_main\\+0x[0-9A-F]+ \\(dbg_wait\\.c:"
                        + loop + "\\)>  ");
    }

    @Test
    void serviceCallSitesInWhereAndTheTraceNameTheSourceLine() throws Exception {
        int alloc = line("alloc");
        String t = transcript("break AllocatePages\ncontinue\nwhere\ntrace 1\n");
        assertThat(t).containsPattern("AllocatePages stub, called from dbg-wait\\.efi\\+0x[0-9A-F]+ <grab_pages[.a-z0-9]*\\+0x"
                + "[0-9A-F]+ \\(dbg_wait\\.c:" + alloc + "\\)>");
    }

    @Test
    void theRunsTraceNamesTheCallingSourceLineTheSameOnEveryRun() throws Exception {
        int alloc = line("alloc");
        int wait = line("wait");
        String first;
        try (UefiMachine m = builder().build()) {
            BootResult r = m.run();
            assertThat(r.console().text()).contains("wait-for-event EFI_SUCCESS index 0", "done 84");
            first = m.trace().toJsonLines();
        }
        assertThat(first).containsPattern("\"WaitForEvent\".*<wait_for_timer\\+0x[0-9A-F]+ \\(dbg_wait\\.c:" + wait + "\\)>")
                .containsPattern("\"AllocatePages\".*<grab_pages[.a-z0-9]*\\+0x[0-9A-F]+ \\(dbg_wait\\.c:" + alloc + "\\)>");
        try (UefiMachine m = builder().build()) {
            m.run();
            assertThat(m.trace().toJsonLines()).isEqualTo(first);
        }
    }

    @Test
    void aServiceBreakpointKeepsFiringAfterTheGuestWaitedForATimerEvent() throws Exception {
        String t = transcript("break AllocatePages\ncontinue\ntrace 4\ncontinue\ninfo\ncontinue\n");
        // the first stop comes after WaitForEvent returned (it is in the trace at the stop); the second call stops too
        String first = "service at AllocatePages stub: breakpoint 1 on AllocatePages (1 hit): AllocatePages("
                + "Type=AllocateAnyPages, MemoryType=EfiLoaderData, Pages=2";
        String second = "service at AllocatePages stub: breakpoint 1 on AllocatePages (2 hits): AllocatePages("
                + "Type=AllocateAnyPages, MemoryType=EfiLoaderData, Pages=3";
        assertThat(t).as(t).contains(first, second, "exited at image return stub: the image returned EFI_SUCCESS");
        String between = t.substring(t.indexOf(first), t.indexOf(second));
        assertThat(between).as(t).containsPattern("#3 WaitForEvent\\(1, .*\\) = EFI_SUCCESS -> Index=0, waited \\d+ ns");
    }

    @Test
    void reverseContinueInTheConsoleGoesBackToThePreviousHitOfALineBreakpoint() throws Exception {
        int loop = line("loop");
        String t = transcript("break dbg_wait.c:" + loop + "\ncontinue\ncontinue\ninfo\nrc\ninfo\n");
        assertThat(t).doesNotContain("error:")
                .containsPattern("\\(efiemu\\) rc\nback at dbg-wait\\.efi\\+0x[0-9A-F]+ <efi_main\\+0x[0-9A-F]+ \\(dbg_wait\\.c:"
                        + loop + "\\)>: breakpoint 1 at dbg_wait\\.c:" + loop);
        // the instruction count after rc is the one of the first hit: smaller than at the second
        java.util.List<Long> counts = t.lines().filter(l -> l.startsWith("instructions retired: "))
                .map(l -> Long.parseLong(l.substring("instructions retired: ".length()).trim())).toList();
        assertThat(counts).hasSize(2);
        assertThat(counts.get(1)).isLessThan(counts.get(0));
    }

    @Test
    void aMistypedSourceFileIsOneErrorLineWithTheNearestFile() throws Exception {
        String t = transcript("break dbg_wiat.c:20\nbreak dbg_wait.c:9999\nwhere\n");
        assertThat(t).contains("error: location 'dbg_wiat.c:20': no source file named 'dbg_wiat.c' in [dbg-wait.efi];"
                + " did you mean 'dbg_wait.c'?")
                .contains("error: location 'dbg_wait.c:9999': dbg_wait.c has no code at or after line 9999 in"
                        + " dbg-wait.efi")
                .contains("(efiemu) where\n0x");
    }
}
