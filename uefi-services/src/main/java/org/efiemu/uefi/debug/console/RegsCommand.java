package org.efiemu.uefi.debug.console;

import java.io.PrintWriter;
import org.efiemu.uefi.debug.UefiDebugSession;

/** {@code regs}: the CPU registers. */
final class RegsCommand implements Command {
    @Override
    public String usage() {
        return "regs  -- the CPU registers";
    }

    @Override
    public void run(UefiDebugSession session, String arguments, PrintWriter out) {
        Arguments.none("regs", arguments);
        out.println(session.debugger().registers());
    }
}
