package org.efiemu.uefi.debug.console;

import java.io.PrintWriter;
import org.efiemu.uefi.debug.UefiDebugSession;

/**
 * {@code reverse-continue}: return to the last breakpoint or watchpoint hit, or the state before the last service
 * call, whichever came later ({@link UefiDebugSession#reverseContinue()}; gdb's {@code reverse-continue}).
 */
final class ReverseContinueCommand implements Command {
    @Override
    public String usage() {
        return "reverse-continue  -- go back to the last breakpoint/watchpoint hit or service call, whichever is later";
    }

    @Override
    public void run(UefiDebugSession session, String arguments, PrintWriter out) {
        Arguments.none("reverse-continue", arguments);
        StopPrinter.print(session, session.reverseContinue(), out);
    }
}
