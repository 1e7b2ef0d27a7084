package org.efiemu.core.gate;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntFunction;

/**
 * The last calls through a {@link CallGate} as primitives in a ring (no object per call on the hot path);
 * {@link GateCall} records are built only when someone asks ({@link #list}).
 */
final class RecentCalls {
  private final long[] sequence;
  private final int[] entry;
  private final long[] returnAddress;
  private final long[][] args;
  private final int[] arity;
  private final long[] result;
  private final boolean[] done;

  RecentCalls(int capacity) {
    sequence = new long[capacity];
    entry = new int[capacity];
    returnAddress = new long[capacity];
    args = new long[capacity][];
    arity = new int[capacity];
    result = new long[capacity];
    done = new boolean[capacity];
  }

  /** Records call {@code seq} (sequences start at 1 and grow by one); returns the array to fill with arguments. */
  long[] begin(long seq, int entryIndex, long ret, int n) {
    int i = (int) (seq % sequence.length);
    sequence[i] = seq;
    entry[i] = entryIndex;
    returnAddress[i] = ret;
    arity[i] = n;
    done[i] = false;
    if (args[i] == null || args[i].length < n) args[i] = new long[Math.max(n, 4)];
    return args[i];
  }

  /** Fills in the result of call {@code seq} if it is still in the ring. */
  void end(long seq, long value) {
    int i = (int) (seq % sequence.length);
    if (sequence[i] != seq) return;
    result[i] = value;
    done[i] = true;
  }

  /** The calls in the ring, oldest first; {@code label} maps an entry index to the
   * function's label, whose slot is at {@code gateBase + index * slot}. */
  List<GateCall> list(IntFunction<String> label, long gateBase, int slot) {
    List<GateCall> out = new ArrayList<>(sequence.length);
    long newest = 0;
    for (long s : sequence) newest = Math.max(newest, s);
    for (long s = Math.max(1, newest - sequence.length + 1); s <= newest; s++) {
      int i = (int) (s % sequence.length);
      if (sequence[i] != s) continue;
      out.add(new GateCall(s, label.apply(entry[i]), gateBase + (long) entry[i] * slot, returnAddress[i],
          Arrays.copyOf(args[i], arity[i]), done[i] ? result[i] : null));
    }
    return List.copyOf(out);
  }
}
