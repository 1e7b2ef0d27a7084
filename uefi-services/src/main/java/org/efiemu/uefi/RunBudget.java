package org.efiemu.uefi;

import java.util.Optional;
import java.util.function.Consumer;

/**
 * The parts of a run's budget that are not instructions: service calls (each one costs host time, and a guest
 * spinning inside a service stub makes one per loop), host work (what the service calls cost the host: a
 * {@link #HOST_WORK_PER_CALL base} per call plus every byte it reads or writes in guest memory, so a guest that loops
 * SetMem or CopyMem over a large buffer is stopped whatever its instruction count) and console output (ConOut,
 * StdErr and COM1 characters). Every count is deterministic: bytes, not host nanoseconds. The
 * first limit passed stops the run once, before the guest's next instruction; the run then ends as
 * {@link BootOutcome#BUDGET_EXHAUSTED} with the stop report naming which budget ran out. Together with the
 * instruction budget and the wall-clock limit this bounds every run whatever the guest does.
 */
final class RunBudget {
    /** Host-work units one service call costs besides its bytes (about the host time of copying 4 KiB). */
    static final long HOST_WORK_PER_CALL = 4096;

    private final long maxServiceCalls;
    private final long maxHostWork;
    private long hostWork;
    private final long maxOutputChars;
    private final Consumer<String> stop;
    private long serviceCalls;
    private long outputChars;
    private String exhausted;

    /**
     * @param maxServiceCalls service calls allowed (at least 1)
     * @param maxHostWork host-work units allowed (at least 1)
     * @param maxOutputChars console characters allowed (at least 1)
     * @param stop asks the machine to stop with the given reason
     */
    RunBudget(long maxServiceCalls, long maxHostWork, long maxOutputChars, Consumer<String> stop) {
        this.maxServiceCalls = maxServiceCalls;
        this.maxHostWork = maxHostWork;
        this.maxOutputChars = maxOutputChars;
        this.stop = stop;
    }

    void serviceCall() {
        if (++serviceCalls > maxServiceCalls) {
            exhaust(String.format("service-call budget exhausted: more than %,d service calls", maxServiceCalls));
        }
    }

    /** Charges one returned service call that moved {@code bytes} bytes of guest memory. */
    void hostWork(String service, long bytes) {
        hostWork += HOST_WORK_PER_CALL + bytes;
        if (hostWork > maxHostWork) {
            exhaust(String.format("host-work budget exhausted: more than %,d units (%,d per service call plus each "
                    + "byte a service reads or writes in guest memory); the last call, %s, moved %,d bytes",
                    maxHostWork, HOST_WORK_PER_CALL, service, bytes));
        }
    }

    /** Host-work units charged so far. */
    long hostWorkCharged() {
        return hostWork;
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
