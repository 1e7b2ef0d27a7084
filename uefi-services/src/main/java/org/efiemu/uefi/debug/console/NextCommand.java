package org.efiemu.uefi.debug.console;

import java.io.PrintWriter;
import org.efiemu.uefi.debug.UefiDebugSession;

/** {@code next}: run one instruction, stepping over calls ({@link UefiDebugSession#next()}). */
final class NextCommand implements Command {
    @Override
    public String usage() {
        return "next  -- run one instruction, stepping over calls";
    }

    @Override
    public void run(UefiDebugSession session, String arguments, PrintWriter out) {
        Arguments.none("next", arguments);
        StopPrinter.print(session, session.next(), out);
    }
}
