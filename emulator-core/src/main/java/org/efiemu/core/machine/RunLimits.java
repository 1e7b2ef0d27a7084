package org.efiemu.core.machine;

import java.time.Duration;

/**
 * Bounds of one run: an instruction budget (0 = none) and a host wall-clock limit ({@link Duration#ZERO} = none).
 * The budget is deterministic; the wall-clock limit is a safety net and is not.
 */
public record RunLimits(long instructions, Duration wallClock) {
  public RunLimits {
    if (instructions < 0) throw new IllegalArgumentException("instruction budget " + instructions + " < 0");
    if (wallClock.isNegative()) throw new IllegalArgumentException("wall-clock limit " + wallClock + " < 0");
  }

  /** No limits. */
  public static RunLimits none() {
    return new RunLimits(0, Duration.ZERO);
  }

  /** At most {@code n} instructions. */
  public static RunLimits instructions(long n) {
    return new RunLimits(n, Duration.ZERO);
  }

  /** At most {@code d} of host time. */
  public static RunLimits wallClock(Duration d) {
    return new RunLimits(0, d);
  }

  public RunLimits withInstructions(long n) {
    return new RunLimits(n, wallClock);
  }

  public RunLimits withWallClock(Duration d) {
    return new RunLimits(instructions, d);
  }

  long timeoutMicros() {
    return wallClock.isZero() ? 0 : Math.max(1, wallClock.toNanos() / 1000);
  }
}
