package org.efiemu.uefi;

import java.util.Optional;
import java.util.function.Consumer;

/**
 * The parts of a run's budget that are not instructions: service calls (each one costs host time, and a guest
 * spinning inside a service stub makes one per loop) and console output (ConOut, StdErr and COM1 characters). The
 * first limit passed stops the run once, before the guest's next instruction; the run then ends as
 * {@link BootOutcome#BUDGET_EXHAUSTED} with the stop report naming which budget ran out. Together with the
 * instruction budget and the wall-clock limit this bounds every run whatever the guest does.
 */
final class RunBudget {
    private final long maxServiceCalls;
    private final long maxOutputChars;
    private final Consumer<String> stop;
    private long serviceCalls;
    private long outputChars;
    private String exhausted;

    /**
     * @param maxServiceCalls service calls allowed (at least 1)
     * @param maxOutputChars console characters allowed (at least 1)
     * @param stop asks the machine to stop with the given reason
     */
    RunBudget(long maxServiceCalls, long maxOutputChars, Consumer<String> stop) {
        this.maxServiceCalls = maxServiceCalls;
        this.maxOutputChars = maxOutputChars;
        this.stop = stop;
    }

    void serviceCall() {
        if (++serviceCalls > maxServiceCalls) {
            exhaust(String.format("service-call budget exhausted: more than %,d service calls", maxServiceCalls));
        }
    }

    void output(int chars) {
        outputChars += chars;
        if (outputChars > maxOutputChars) {
            exhaust(String.format("output budget exhausted: more than %,d characters written to the consoles",
                    maxOutputChars));
        }
    }

    private void exhaust(String why) {
        if (exhausted != null) {
            return;
        }
        exhausted = why;
        stop.accept(why);
    }

    /** Which budget ran out, if one did. */
    Optional<String> exhausted() {
        return Optional.ofNullable(exhausted);
    }
}
