package org.efiemu.earlyalloc;

import org.efiemu.uefi.BootResult;
import org.efiemu.uefi.UefiMachine;
import org.efiemu.uefi.sanitizer.MemorySanitizer;

/**
 * Everything a run shows, as text, for the differential tests that compare two ways of running the same machine
 * (engine reuse, kept translations): result, virtual time, stop report, console, JSON trace, sanitizer report, clock.
 */
final class RunObservation {

    private RunObservation() {
    }

    static String of(UefiMachine m, BootResult r, MemorySanitizer sanitizer) {
        StringBuilder sb = new StringBuilder();
        sb.append(r).append('\n');
        sb.append("virtualNanos=").append(r.virtualNanos()).append('\n');
        sb.append(InstructionCountingDifferentialTest.stopReport(r.stopReport())).append('\n');
        sb.append("console:\n").append(r.consoleText()).append('\n');
        sb.append("trace:\n").append(m.trace().toJsonLines()).append('\n');
        sb.append("sanitizer: ").append(sanitizer.report()).append('\n').append(sanitizer.report().toJsonLines())
                .append('\n');
        sb.append("clock: instructions=").append(m.machine().clock().instructions()).append(" cycles=")
                .append(m.machine().clock().cycles()).append(" exact=").append(m.machine().positionsExact())
                .append('\n');
        return sb.toString();
    }
}
