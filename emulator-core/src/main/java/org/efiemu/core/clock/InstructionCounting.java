package org.efiemu.core.clock;

/**
 * How a {@link ClockMode#COUNTED} clock counts instructions. Both give the same instruction counts, virtual time,
 * budget stops and stop reports, except where a value depends on the instruction inside a memory access (see
 * {@link org.efiemu.core.machine.Machine#positionsExact()}, which tells when that happened).
 */
public enum InstructionCounting {
  /**
   * One native hook call per translated block ({@link BlockCounter}): the default; a strategy scenario runs in
   * about half the time, real loaders several times faster. Falls back to {@link #PER_INSTRUCTION} when the JNI shim or Capstone is unavailable
   * ({@link BlockCounter#unavailableReason()}).
   */
  BLOCKS,
  /**
   * One native hook call per instruction ({@link NativeCounter}); Unicorn then also keeps RIP exact inside memory
   * hooks. Opt-in, and the reference the block counter is tested against.
   */
  PER_INSTRUCTION
}
