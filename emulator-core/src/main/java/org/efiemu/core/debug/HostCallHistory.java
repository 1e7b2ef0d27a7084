package org.efiemu.core.debug;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import org.efiemu.core.gate.GateCall;
import org.efiemu.core.machine.Snapshot;

/**
 * A bounded ring of machine snapshots taken at host calls, newest last: each holds the state just before the host
 * function ran (RIP at the call's gate slot, arguments in registers, memory and upper-layer state untouched).
 */
final class HostCallHistory {
  record Entry(GateCall call, Snapshot snapshot) {}

  private final int depth;
  private final Deque<Entry> entries = new ArrayDeque<>();

  HostCallHistory(int depth) {
    if (depth <= 0) throw new IllegalArgumentException("host-call history depth " + depth + " must be > 0");
    this.depth = depth;
  }

  int depth() {
    return depth;
  }

  void add(GateCall call, Snapshot snapshot) {
    if (entries.size() == depth) entries.removeFirst();
    entries.addLast(new Entry(call, snapshot));
  }

  /** Removes and returns the newest entry, or null. */
  Entry pollNewest() {
    return entries.pollLast();
  }

  List<GateCall> calls() {
    return entries.stream().map(Entry::call).toList();
  }

  long ramBytes() {
    return entries.stream().mapToLong(e -> e.snapshot().ramBytes()).sum();
  }
}
