package org.efiemu.uefi.debug.console;

import java.io.PrintWriter;
import org.efiemu.uefi.debug.UefiDebugSession;

/** {@code step}: run one instruction ({@link UefiDebugSession#step()}). */
final class StepCommand implements Command {
    @Override
    public String usage() {
        return "step  -- run one instruction";
    }

    @Override
    public void run(UefiDebugSession session, String arguments, PrintWriter out) {
        Arguments.none("step", arguments);
        StopPrinter.print(session, session.step(), out);
    }
}
