package org.efiemu.uefi.debug.console;

import java.io.PrintWriter;
import org.efiemu.uefi.debug.UefiDebugSession;

/** {@code back}: return to the state before the previous service call ({@link UefiDebugSession#back()}). */
final class BackCommand implements Command {
    @Override
    public String usage() {
        return "back  -- return to the state before the previous service call";
    }

    @Override
    public void run(UefiDebugSession session, String arguments, PrintWriter out) {
        Arguments.none("back", arguments);
        StopPrinter.print(session, session.back(), out);
    }
}
