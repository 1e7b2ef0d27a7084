package org.efiemu.uefi.debug.console;

import java.io.PrintWriter;
import org.efiemu.uefi.debug.UefiDebugSession;

/** {@code info}: the breakpoints and watchpoints set, and the position in time. */
final class InfoCommand implements Command {
    @Override
    public String usage() {
        return "info  -- breakpoints, watchpoints, instructions retired";
    }

    @Override
    public void run(UefiDebugSession session, String arguments, PrintWriter out) {
        Arguments.none("info", arguments);
        if (session.breakpoints().isEmpty()) out.println("no breakpoints or watchpoints");
        session.breakpoints().forEach(out::println);
        out.printf("instructions retired: %d%n", session.instructions());
    }
}
