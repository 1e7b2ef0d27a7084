package org.efiemu.uefi.debug.console;

import java.io.PrintWriter;
import org.efiemu.uefi.debug.UefiDebugSession;

/** One console verb. Throws {@link IllegalArgumentException}/{@link IllegalStateException} for bad input or state. */
public interface Command {
    /** A one-line usage, e.g. {@code break SERVICE [if CONDITION] | break LOCATION}. */
    String usage();

    void run(UefiDebugSession session, String arguments, PrintWriter out);
}
