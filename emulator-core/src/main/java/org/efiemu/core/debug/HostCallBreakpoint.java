package org.efiemu.core.debug;

import java.util.function.Predicate;
import org.efiemu.core.gate.GateCall;

/**
 * Stops after a host call (a guest call through the machine's {@link org.efiemu.core.gate.CallGate}) that matches a
 * predicate over the call's label and arguments, e.g. "AllocatePages with Type = AllocateMaxAddress". The call has
 * run and returned to its caller when the debugger stops: RIP is the return address, RAX the result, and
 * {@link Debugger#back()} restores the moment before it ran (when host calls are recorded).
 */
public final class HostCallBreakpoint {
  private final int id;
  private final String description;
  private final Predicate<GateCall> condition;
  private long hits;

  HostCallBreakpoint(int id, String description, Predicate<GateCall> condition) {
    this.id = id;
    this.description = description;
    this.condition = condition;
  }

  public int id() {
    return id;
  }

  public String description() {
    return description;
  }

  boolean matches(GateCall call) {
    return condition.test(call);
  }

  public long hits() {
    return hits;
  }

  void hit() {
    hits++;
  }

  @Override
  public String toString() {
    return String.format("host-call breakpoint %d on %s (%d hit%s)", id, description, hits, hits == 1 ? "" : "s");
  }
}
