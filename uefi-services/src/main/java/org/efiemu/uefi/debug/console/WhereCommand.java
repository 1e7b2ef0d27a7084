package org.efiemu.uefi.debug.console;

import java.io.PrintWriter;
import org.efiemu.core.engine.X86Reg;
import org.efiemu.uefi.debug.UefiDebugSession;

/** {@code where}: RIP as image+offset; at a service stub, also the call site (the return address on the stack). */
final class WhereCommand implements Command {
    @Override
    public String usage() {
        return "where  -- RIP as image+offset (and the caller at a service stub)";
    }

    @Override
    public void run(UefiDebugSession session, String arguments, PrintWriter out) {
        Arguments.none("where", arguments);
        long rip = session.debugger().reg(X86Reg.RIP);
        String at = session.where(rip);
        if (session.where(rip).endsWith(" stub")) {
            long caller = session.machine().machine().memory().u64(session.debugger().reg(X86Reg.RSP));
            var images = session.machine().images();
            out.printf("0x%X %s, called from %s%n", rip, at,
                    images.imageAt(caller).isPresent() ? images.describeCallSite(caller) : session.where(caller));
        } else {
            out.printf("0x%X %s%n", rip, at);
        }
    }
}
