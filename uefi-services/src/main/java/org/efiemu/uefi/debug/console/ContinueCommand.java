package org.efiemu.uefi.debug.console;

import java.io.PrintWriter;
import org.efiemu.uefi.debug.UefiDebugSession;

/** {@code continue}: run until a breakpoint, a watchpoint or the end ({@link UefiDebugSession#cont()}). */
final class ContinueCommand implements Command {
    @Override
    public String usage() {
        return "continue  -- run until a breakpoint, a watchpoint or the end";
    }

    @Override
    public void run(UefiDebugSession session, String arguments, PrintWriter out) {
        Arguments.none("continue", arguments);
        StopPrinter.print(session, session.cont(), out);
    }
}
