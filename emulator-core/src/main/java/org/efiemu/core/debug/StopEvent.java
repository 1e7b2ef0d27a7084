package org.efiemu.core.debug;

import org.efiemu.core.gate.GateCall;
import org.efiemu.core.machine.StopReport;

/**
 * Why and where the {@link Debugger} stopped. Fields that do not apply to {@link #kind()} are null.
 *
 * @param rip where execution will resume
 * @param breakpoint the address breakpoint hit ({@link StopKind#BREAKPOINT})
 * @param watch the write that hit a watchpoint ({@link StopKind#WATCHPOINT})
 * @param hostCall the host call matched ({@link StopKind#HOST_CALL}) or restored ({@link StopKind#BACK})
 * @param report the machine's report of the run that ended here (null for {@link StopKind#BACK})
 */
public record StopEvent(StopKind kind, long rip, String description, Breakpoint breakpoint, WatchHit watch,
    GateCall hostCall, StopReport report) {

  /** True when the guest program is over ({@link StopKind#EXITED}). */
  public boolean exited() {
    return kind == StopKind.EXITED;
  }

  /** RAX at the stop (the program's result after {@link StopKind#EXITED}); needs a report. */
  public long returnValue() {
    if (report == null) throw new IllegalStateException(kind + " stop has no machine report");
    return report.returnValue();
  }

  @Override
  public String toString() {
    return String.format("%s at 0x%X: %s", kind, rip, description);
  }
}
