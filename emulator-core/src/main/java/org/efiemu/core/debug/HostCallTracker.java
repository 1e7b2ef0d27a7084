package org.efiemu.core.debug;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import org.efiemu.core.gate.GateCall;
import org.efiemu.core.gate.GateListener;
import org.efiemu.core.machine.Machine;

/**
 * The debugger's view of host calls: {@link HostCallBreakpoint}s and the {@link HostCallHistory} for
 * {@link Debugger#back()}. It listens to the machine's call gate only while one of them is set.
 */
final class HostCallTracker {
  private final Machine machine;
  private final BiConsumer<HostCallBreakpoint, GateCall> onMatch;
  private final Map<Integer, HostCallBreakpoint> breakpoints = new TreeMap<>();
  private final GateListener listener = new GateListener() {
    @Override
    public void before(GateCall call) {
      if (history != null) history.add(call, machine.snapshot());
    }

    @Override
    public void after(GateCall call) {
      for (HostCallBreakpoint b : breakpoints.values()) {
        if (b.matches(call)) {
          b.hit();
          onMatch.accept(b, call);
          return;
        }
      }
    }
  };
  private HostCallHistory history;
  private boolean listening;

  /** {@code onMatch} runs on the emulation thread after a matching call returned (still inside the gate's hook). */
  HostCallTracker(Machine machine, BiConsumer<HostCallBreakpoint, GateCall> onMatch) {
    this.machine = machine;
    this.onMatch = onMatch;
  }

  void add(HostCallBreakpoint b) {
    breakpoints.put(b.id(), b);
    update();
  }

  boolean remove(HostCallBreakpoint b) {
    boolean removed = breakpoints.remove(b.id()) != null;
    update();
    return removed;
  }

  List<HostCallBreakpoint> breakpoints() {
    return List.copyOf(breakpoints.values());
  }

  void record(int depth) {
    if (depth < 0) throw new IllegalArgumentException("host-call history depth " + depth + " is negative");
    history = depth == 0 ? null : new HostCallHistory(depth);
    update();
  }

  List<GateCall> recorded() {
    return history == null ? List.of() : history.calls();
  }

  long recordedBytes() {
    return history == null ? 0 : history.ramBytes();
  }

  /** Removes and returns the newest recorded call; throws explaining why there is none. */
  HostCallHistory.Entry takeNewest() {
    HostCallHistory.Entry e = history == null ? null : history.pollNewest();
    if (e == null) {
      throw new IllegalStateException(history == null
          ? "back: host calls are not recorded; call recordHostCalls(depth) before running"
          : "back: no recorded host call left (the last " + history.depth() + " were kept)");
    }
    return e;
  }

  boolean listening() {
    return listening;
  }

  void clear() {
    breakpoints.clear();
    history = null;
    update();
  }

  private void update() {
    boolean want = history != null || !breakpoints.isEmpty();
    if (want && !listening) machine.gate().addListener(listener);
    if (!want && listening) machine.gate().removeListener(listener);
    listening = want;
  }
}
