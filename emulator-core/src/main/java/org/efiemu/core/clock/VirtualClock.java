package org.efiemu.core.clock;

import org.efiemu.core.engine.Engine;

/**
 * Deterministic virtual time of one machine: {@code cycles = instructions * cyclesPerInstruction + hostCalls *
 * cyclesPerHostCall + rdtscReads * cyclesPerRdtsc}. Nothing here reads the host clock, so the same run gives the
 * same values every time. RDTSC (see {@link RdtscVirtualizer}) and the firmware's time services read
 * {@link #cycles()}; {@link #nanos()} converts with {@link #frequencyHz()}.
 */
public final class VirtualClock implements AutoCloseable {
  private final ClockMode mode;
  private final NativeCounter counter;
  private final long cyclesPerInstruction;
  private final long cyclesPerHostCall;
  private final long cyclesPerRdtsc;
  private final long frequencyHz;
  private long hostCalls;
  private long rdtscReads;
  private long extraCycles;

  /**
   * @param frequencyHz the TSC frequency the guest is told about (cycles per second)
   */
  public VirtualClock(Engine engine, ClockMode mode, long cyclesPerInstruction, long cyclesPerHostCall,
      long cyclesPerRdtsc, long frequencyHz) {
    if (cyclesPerInstruction < 0 || cyclesPerHostCall < 0 || cyclesPerRdtsc < 0 || frequencyHz <= 0) {
      throw new IllegalArgumentException("VirtualClock: costs must be >= 0 and frequencyHz > 0");
    }
    this.mode = mode;
    this.counter = mode == ClockMode.COUNTED ? new NativeCounter(engine) : null;
    this.cyclesPerInstruction = cyclesPerInstruction;
    this.cyclesPerHostCall = cyclesPerHostCall;
    this.cyclesPerRdtsc = cyclesPerRdtsc;
    this.frequencyHz = frequencyHz;
  }

  public ClockMode mode() {
    return mode;
  }

  /** Instructions begun (always 0 in {@link ClockMode#HOST_EVENTS}). */
  public long instructions() {
    return counter == null ? 0 : counter.count();
  }

  public long hostCalls() {
    return hostCalls;
  }

  /** Current virtual cycle count. */
  public long cycles() {
    return instructions() * cyclesPerInstruction + hostCalls * cyclesPerHostCall + rdtscReads * cyclesPerRdtsc
        + extraCycles;
  }

  /** Virtual nanoseconds since the machine started. */
  public long nanos() {
    return (long) (cycles() * (1e9 / frequencyHz));
  }

  public long frequencyHz() {
    return frequencyHz;
  }

  /** Counts one host call (done by the call gate). */
  public void hostCall() {
    hostCalls++;
  }

  /** Counts one RDTSC read and returns the value the guest sees. */
  public long readTsc() {
    rdtscReads++;
    return cycles();
  }

  /** Advances time by {@code cycles} (e.g. a firmware Stall()). */
  public void advance(long cycles) {
    if (cycles < 0) throw new IllegalArgumentException("advance by a negative cycle count " + cycles);
    extraCycles += cycles;
  }

  /**
   * Arms the instruction budget: in {@link ClockMode#COUNTED} the native counter stops emulation after
   * {@code budget} more instructions; returns the {@code count} argument for {@code uc_emu_start} (0 when the
   * counter enforces it, the budget itself in {@link ClockMode#HOST_EVENTS}).
   */
  public long armBudget(long budget) {
    if (counter == null) return budget;
    counter.limit(budget == 0 ? -1L : counter.count() + budget);
    return 0;
  }

  /** True when the last run ended because the counted budget ran out. */
  public boolean budgetExhausted(long startCount, long budget) {
    return counter != null && budget != 0 && counter.count() - startCount > budget;
  }

  /** State for snapshots. */
  public long[] save() {
    return new long[] {instructions(), hostCalls, rdtscReads, extraCycles};
  }

  /** Restores {@link #save()} output. */
  public void restore(long[] s) {
    if (counter != null) counter.set(s[0]);
    hostCalls = s[1];
    rdtscReads = s[2];
    extraCycles = s[3];
  }

  @Override
  public void close() {
    if (counter != null) counter.close();
  }
}
