package org.efiemu.uefi.debug.console;

import java.io.PrintWriter;
import java.util.List;
import org.efiemu.uefi.debug.UefiDebugSession;
import org.efiemu.uefi.trace.ServiceCallEvent;

/** {@code trace [N]}: the last N service calls (default 10), with status, outputs and call site. */
final class TraceCommand implements Command {
    @Override
    public String usage() {
        return "trace [N]  -- the last N service calls (default 10)";
    }

    @Override
    public void run(UefiDebugSession session, String arguments, PrintWriter out) {
        int n = arguments.isBlank() ? 10 : (int) Arguments.number(arguments, "trace count");
        if (n <= 0) throw new IllegalArgumentException("trace count " + n + " must be positive");
        List<ServiceCallEvent> all = session.trace();
        if (all.isEmpty()) out.println("no service calls yet");
        for (ServiceCallEvent e : all.subList(Math.max(0, all.size() - n), all.size())) {
            out.printf("#%d %s  [%s]%n", e.sequence(), e.summary(), e.caller());
        }
    }
}
