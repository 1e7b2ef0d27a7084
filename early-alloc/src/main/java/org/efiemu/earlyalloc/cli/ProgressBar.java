package org.efiemu.earlyalloc.cli;

import java.io.PrintWriter;
import java.util.Locale;
import org.efiemu.earlyalloc.ScenarioResult;

/**
 * Matrix progress on stderr: a redrawn bar on a terminal, one plain line per finished scenario otherwise (CI logs).
 * Thread-safe (scenarios finish on worker threads).
 */
final class ProgressBar {
    private static final int WIDTH = 30;
    private final PrintWriter err;
    private final int total;
    private final boolean terminal;
    private int done;

    ProgressBar(PrintWriter err, int total, boolean terminal) {
        this.err = err;
        this.total = total;
        this.terminal = terminal;
    }

    synchronized void finished(ScenarioResult r) {
        done++;
        String verdict = r.report().observed() + (r.report().matchesExpected() ? "" : " (expected " + r.report().expected().verdict() + ")");
        if (terminal) {
            int filled = total == 0 ? WIDTH : done * WIDTH / total;
            err.printf(Locale.ROOT, "\r[%s%s] %d/%d %-48.48s", "#".repeat(filled), ".".repeat(WIDTH - filled), done, total,
                    r.report().id() + " " + verdict);
            if (done == total) {
                err.print("\r" + " ".repeat(WIDTH + 70) + "\r");
            }
        } else {
            err.printf(Locale.ROOT, "[%d/%d] %s %s %.1f ms%n", done, total, r.report().id(), verdict, r.durationMicros() / 1000.0);
        }
        err.flush();
    }
}
