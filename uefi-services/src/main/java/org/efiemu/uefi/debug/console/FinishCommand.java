package org.efiemu.uefi.debug.console;

import java.io.PrintWriter;
import org.efiemu.uefi.debug.UefiDebugSession;

/** {@code finish}: run until the current function (or the service at whose stub the session stands) returns ({@link UefiDebugSession#finish()}). */
final class FinishCommand implements Command {
    @Override
    public String usage() {
        return "finish  -- run until the current function (or the service at whose stub the session stands) returns";
    }

    @Override
    public void run(UefiDebugSession session, String arguments, PrintWriter out) {
        Arguments.none("finish", arguments);
        StopPrinter.print(session, session.finish(), out);
    }
}
