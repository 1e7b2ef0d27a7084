package org.efiemu.uefi.debug.console;

import java.io.PrintWriter;
import org.efiemu.uefi.debug.UefiDebugSession;

/** {@code delete N}: removes breakpoint or watchpoint N. */
final class DeleteCommand implements Command {
    @Override
    public String usage() {
        return "delete N  -- remove breakpoint or watchpoint N";
    }

    @Override
    public void run(UefiDebugSession session, String arguments, PrintWriter out) {
        long id = Arguments.number(arguments, "delete: breakpoint number");
        session.delete((int) id);
        out.println("deleted " + id);
    }
}
