package org.efiemu.uefi.debug.console;

import java.io.PrintWriter;
import org.efiemu.uefi.debug.UefiDebugSession;
import org.efiemu.uefi.sanitizer.SanitizerReport;

/**
 * {@code sanitizer}: the memory-ownership sanitizer's findings so far (guest writes into memory the application does
 * not own), one per line; the first use replays the run with the sanitizer watching from the start.
 */
final class SanitizerCommand implements Command {
    @Override
    public String usage() {
        return "sanitizer  -- writes into memory the application does not own, so far";
    }

    @Override
    public void run(UefiDebugSession session, String arguments, PrintWriter out) {
        Arguments.none("sanitizer", arguments);
        SanitizerReport r = session.sanitizer();
        if (r.findings().isEmpty()) {
            out.printf("no findings (%d pages watched)%n", r.watchedPages());
            return;
        }
        r.findings().forEach(f -> out.println(f + " (" + session.where(f.rip()) + ")"));
    }
}
