package org.efiemu.core.gate;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * One guest-to-host call as listeners and stop reports see it: the function's label and entry, the caller's return
 * address, the first {@code arity} arguments and (after the call) the result.
 */
public record GateCall(long sequence, String label, long entry, long returnAddress, long[] args, Long result) {
  /** A copy with the result filled in. */
  public GateCall withResult(long value) {
    return new GateCall(sequence, label, entry, returnAddress, args, value);
  }

  @Override
  public String toString() {
    String a = Arrays.stream(args).mapToObj(v -> "0x" + Long.toHexString(v)).collect(Collectors.joining(", "));
    return String.format("#%d %s(%s)%s from 0x%X", sequence, label, a,
        result == null ? "" : " = 0x" + Long.toHexString(result), returnAddress);
  }
}
