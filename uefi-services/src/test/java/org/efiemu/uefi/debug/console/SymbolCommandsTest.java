package org.efiemu.uefi.debug.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringReader;
import java.io.StringWriter;
import org.efiemu.uefi.UefiMachine;
import org.efiemu.uefi.debug.DebugTestPlatforms;
import org.efiemu.uefi.debug.UefiDebugSession;
import org.junit.jupiter.api.Test;

/** The console reads the payload's COFF symbol table: function names in where, disas, break and the trace. */
class SymbolCommandsTest {
    private static String transcript(String script) throws Exception {
        StringWriter w = new StringWriter();
        try (UefiDebugSession s = UefiDebugSession.start(UefiMachine.builder(DebugTestPlatforms.ovmfQ35())
                .payload(DebugTestPlatforms.payload("services")).loadOptions("return"))) {
            new DebugConsole(s, new PrintWriter(w), true).run(new StringReader(script));
        }
        return w.toString();
    }

    @Test
    void breakByFunctionNameStopsInThatFunctionAndWhereNamesIt() throws Exception {
        String t = transcript("break rt_printf\ncontinue\nwhere\ndisas 1\n");
        assertThat(t).contains("(efiemu) where\n0x").containsPattern("services\\.efi\\+0x[0-9A-F]+ <rt_printf>\n")
                .containsPattern("=> 0x[0-9A-F]+ <services\\.efi\\+0x[0-9A-F]+ rt_printf>  ");
    }

    @Test
    void breakByImageAndFunctionAndFunctionPlusOffsetResolveInThatImage() throws Exception {
        String t = transcript("break services.efi:rt_init\nbreak rt_init+0x2\ninfo\n");
        assertThat(t).doesNotContain("error:");
        assertThat(t.lines().filter(l -> l.startsWith("breakpoint "))).hasSizeGreaterThanOrEqualTo(2);
    }

    @Test
    void aMistypedFunctionNameIsOneErrorLineWithTheNearestName() throws Exception {
        String t = transcript("break services.efi:rt_prinft\nwhere\n");
        assertThat(t).contains("error: location 'services.efi:rt_prinft': no function named 'rt_prinft' in"
                + " [services.efi]; did you mean 'rt_printf'?").contains("(efiemu) where\n0x");
    }

    @Test
    void aMistypedServiceOrFunctionIsOneErrorLineWithTheNearestName() throws Exception {
        String t = transcript("break AllocatePage\nbreak rt_prinf\nwhere\n");
        assertThat(t).contains("error: break 'AllocatePage': no service or function of that name; did you mean"
                + " 'AllocatePages'?").contains("error: break 'rt_prinf': no service or function of that name; did you"
                + " mean 'rt_printf'?").contains("(efiemu) where\n0x");
    }

    @Test
    void serviceCallSitesInTheTraceNameTheCallingFunction() throws Exception {
        String t = transcript("break AllocatePages\ncontinue\nwhere\ntrace 1\n");
        assertThat(t).containsPattern("AllocatePages stub, called from services\\.efi\\+0x[0-9A-F]+ <efi_main\\+0x[0-9A-F]+>");
    }
}
