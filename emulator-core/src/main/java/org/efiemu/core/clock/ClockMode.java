package org.efiemu.core.clock;

/** How the {@link VirtualClock} advances. */
public enum ClockMode {
  /**
   * Exact: every instruction the guest begins is counted by a native hook ({@link NativeCounter}), so virtual time
   * follows guest work; the instruction budget is exact. Emulation runs slower than with no hook at all.
   */
  COUNTED,
  /**
   * Fast: no per-instruction counting. Virtual time advances only by the configured costs of host calls and
   * RDTSC reads; the instruction budget is enforced by Unicorn's {@code count} argument.
   */
  HOST_EVENTS
}
