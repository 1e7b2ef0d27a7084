package org.efiemu.uefi.debug.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringReader;
import java.io.StringWriter;
import org.efiemu.uefi.UefiMachine;
import org.efiemu.uefi.debug.DebugTestPlatforms;
import org.efiemu.uefi.debug.UefiDebugSession;
import org.efiemu.uefi.platform.PlatformDescription;
import org.junit.jupiter.api.Test;

class DebugConsoleTest {
    private static String transcript(String script) throws Exception {
        PlatformDescription p = DebugTestPlatforms.ovmfQ35();
        StringWriter w = new StringWriter();
        try (UefiDebugSession s = UefiDebugSession.start(UefiMachine.builder(p)
                .payload(DebugTestPlatforms.payload("services")).loadOptions("return"))) {
            new DebugConsole(s, new PrintWriter(w), true).run(new StringReader(script));
        }
        return w.toString();
    }

    @Test
    void badCommandsPrintOneErrorLineEachAndTheSessionContinues() throws Exception {
        String t = transcript("frobnicate\nx/4q 0x1000\nbreak AllocatePages if Pages >\nbreak AllocatePages\ncontinue\nwhere\n");
        assertThat(t.lines().filter(l -> l.startsWith("error: "))).hasSize(3);
        assertThat(t).contains("error: unknown command 'frobnicate'")
                .contains("(efiemu) where\n0x")
                .contains("AllocatePages stub, called from services.efi+0x");
    }

    @Test
    void scriptEchoesCommandsAndGivesTheSameTranscriptEveryTime() throws Exception {
        String script = "break AllocatePages\ncontinue\nfinish\nallocs\nmap changes\nback\nallocs\ntrace 1\nx/1g 0x9C000\n";
        String first = transcript(script);
        assertThat(first).contains("(efiemu) finish\nfinish at services.efi+0x")
                .contains("= EFI_SUCCESS -> 0x9C000")
                .contains("+ EfiLoaderData              0x000000000009C000 0x000000000009FFFF            4  0xF")
                .contains("(efiemu) back\nback at AllocatePages stub");
        assertThat(first.substring(first.indexOf("(efiemu) back"))).contains("no live allocations by the application");
        assertThat(transcript(script)).isEqualTo(first);
    }
}
