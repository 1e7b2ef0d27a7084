package org.efiemu.core.clock;

/** How the {@link VirtualClock} advances. */
public enum ClockMode {
  /**
   * Exact: every instruction the guest begins is counted, so virtual time follows guest work and the instruction
   * budget is exact. How is {@link InstructionCounting}: by default one native hook per translated block
   * ({@link BlockCounter}; a strategy scenario's guest code runs in ~3.2 ms instead of ~2.3 ms with no hook), or a
   * native hook before every instruction ({@link NativeCounter}; ~5.3 ms); both give the same values except where
   * {@link org.efiemu.core.machine.Machine#positionsExact()} says.
   */
  COUNTED,
  /**
   * Fast: no per-instruction counting. Virtual time advances only by the configured costs of host calls and
   * RDTSC reads; the instruction budget is enforced by Unicorn's {@code count} argument.
   */
  HOST_EVENTS
}
