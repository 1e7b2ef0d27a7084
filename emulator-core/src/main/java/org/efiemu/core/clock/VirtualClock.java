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
  /**
   * Per instruction: the guest's own STI (POPF, IRETQ) watched while a masked interrupt is pending; null when counting
   * by block (the block counter watches), with instructions uncounted, or without the JNI shim.
   */
  private final InterruptFlagWatch ifWatch;
  private final BlockCounter blocks;
  private final long cyclesPerInstruction;
  private final long cyclesPerHostCall;
  private final long cyclesPerRdtsc;
  private final long frequencyHz;
  private long hostCalls;
  private long rdtscReads;
  private long extraCycles;
  /** Virtual cycle count at which an asynchronous interrupt falls due ({@link #interruptAt}); -1: none. */
  private long interruptCycles = -1;
  /** Per-instruction counting: the budget's and the interrupt point's counter limits (unsigned, -1: none). */
  private long budgetLimit = -1;
  private long tickLimit = -1;
  /** The last run stopped because virtual time reached the interrupt point (per instruction, host events). */
  private boolean stoppedForTick;
  /** Host events: a run is in progress, and a stop was asked for the interrupt point during it. */
  private final Engine engine;
  private boolean running;
  private boolean hostStopRequested;
  /** An interrupt masked by RFLAGS.IF is pending: stop once the guest sets IF ({@link #interruptWhenEnabled}). */
  private boolean interruptWindow;
  /** Counter ports answered in C ({@link NativeClockPorts}): told of the cycles that are not instructions'; or null. */
  private NativeClockPorts ports;
  /** RDTSC sites answered in C ({@link NativeRdtsc}): counts reads this clock folds in, told of the rest; or null. */
  private NativeRdtsc tsc;

  /**
   * @param frequencyHz the TSC frequency the guest is told about (cycles per second)
   */
  public VirtualClock(Engine engine, ClockMode mode, long cyclesPerInstruction, long cyclesPerHostCall,
      long cyclesPerRdtsc, long frequencyHz) {
    this(engine, mode, InstructionCounting.PER_INSTRUCTION, cyclesPerInstruction, cyclesPerHostCall, cyclesPerRdtsc,
        frequencyHz);
  }

  /**
   * @param counting how a {@link ClockMode#COUNTED} clock counts ({@link InstructionCounting#BLOCKS} falls back to
   *     per instruction where the block counter is unavailable); ignored for {@link ClockMode#HOST_EVENTS}
   * @param frequencyHz the TSC frequency the guest is told about (cycles per second)
   */
  public VirtualClock(Engine engine, ClockMode mode, InstructionCounting counting, long cyclesPerInstruction,
      long cyclesPerHostCall, long cyclesPerRdtsc, long frequencyHz) {
    if (cyclesPerInstruction < 0 || cyclesPerHostCall < 0 || cyclesPerRdtsc < 0 || frequencyHz <= 0) {
      throw new IllegalArgumentException("VirtualClock: costs must be >= 0 and frequencyHz > 0");
    }
    this.mode = mode;
    this.engine = engine;
    boolean byBlock = mode == ClockMode.COUNTED && counting == InstructionCounting.BLOCKS
        && BlockCounter.available();
    this.blocks = byBlock ? new BlockCounter(engine) : null;
    this.counter = mode == ClockMode.COUNTED && !byBlock ? new NativeCounter(engine) : null;
    this.ifWatch = counter != null ? InterruptFlagWatch.create(engine) : null;
    this.cyclesPerInstruction = cyclesPerInstruction;
    this.cyclesPerHostCall = cyclesPerHostCall;
    this.cyclesPerRdtsc = cyclesPerRdtsc;
    this.frequencyHz = frequencyHz;
  }

  public ClockMode mode() {
    return mode;
  }

  /** The block counter when instructions are counted by block ({@link InstructionCounting#BLOCKS}), else null. */
  public BlockCounter blockCounter() {
    return blocks;
  }

  /** How instructions are counted now; null in {@link ClockMode#HOST_EVENTS}. */
  public InstructionCounting counting() {
    return blocks != null ? InstructionCounting.BLOCKS : counter != null ? InstructionCounting.PER_INSTRUCTION : null;
  }

  /**
   * True when a hook over all code runs before every instruction (the per-instruction counter), so an all-code hook
   * added later (e.g. the debugger's stop flag) takes effect in code translated before it; otherwise adding one
   * needs the translated code flushed.
   */
  public boolean hooksEveryInstruction() {
    return counter != null;
  }

  /** The block counter's native state, or 0 when not counting by block (see {@link RdtscDiscovery}). */
  long blockCounterHandle() {
    return blocks == null ? 0 : blocks.nativeHandle;
  }

  /** Translated blocks the block counter has counted (0 unless counting by block): a cost statistic. */
  public long countedBlocks() {
    return blocks == null ? 0 : blocks.blocks();
  }

  /** Instructions begun (always 0 in {@link ClockMode#HOST_EVENTS}). */
  public long instructions() {
    return blocks != null ? blocks.count() : counter == null ? 0 : counter.count();
  }

  // The run protocol of Machine: beginRun, uc_emu_start, then while budgetStoppedInsideBlock finishBudget, endRun.

  /**
   * A run of the guest starts (readings during it place the position inside the current block from RIP); returns
   * the wall-clock limit to give {@code uc_emu_start}: 0 when the block counter enforces {@code timeoutMicros}
   * itself (see {@link BlockCounter#beginRun}).
   */
  public long beginRun(long timeoutMicros) {
    stoppedForTick = false;
    hostStopRequested = false;
    running = true;
    if (ports != null) ports.running(true);
    if (tsc != null) tsc.running(true);
    if (blocks == null) return timeoutMicros;
    blocks.beginRun(timeoutMicros);
    return 0;
  }

  /**
   * Asks a run in progress, from a thread other than the one emulating, to stop before its next block (where RIP
   * and the count are exact); returns false when this clock cannot (not counting by block): then use
   * {@code uc_emu_stop}.
   */
  public boolean requestStopBeforeNextBlock() {
    if (blocks == null) return false;
    blocks.requestStopBeforeNextBlock();
    return true;
  }

  /**
   * True when the run stopped before a translated block that the instruction budget lets run only in part; the
   * caller then calls {@link #finishBudget}. Always false unless counting by block.
   */
  public boolean budgetStoppedInsideBlock() {
    return blocks != null && blocks.stoppedInsideBlock();
  }

  /** Runs the part of the block the budget allows (see {@link BlockCounter}); returns the engine's result. */
  public org.efiemu.core.engine.UcError finishBudget(long timeoutMicros) {
    return blocks.finishBudget(timeoutMicros);
  }

  /** The run ended: RIP and the count become final. */
  public void endRun() {
    running = false;
    if (ports != null) ports.running(false);
    if (tsc != null) tsc.running(false);
    if (blocks != null) {
      blocks.endRun();
    } else if (counter != null) {
      // the counter stopped before the instruction that took it past the interrupt point: that one was not executed
      if (tickLimit != -1 && counter.count() == tickLimit + 1 && Long.compareUnsigned(tickLimit, budgetLimit) < 0) {
        counter.set(tickLimit);
        stoppedForTick = true;
        if (ifWatch != null) ifWatch.takeStop();
      } else if (ifWatch != null && ifWatch.takeStop()) {
        // the IF watch stopped before the instruction after STI's shadow: begun (counted) but not executed
        counter.set(counter.count() - 1);
        stoppedForTick = true;
      }
    } else {
      stoppedForTick = hostStopRequested;
    }
  }

  public long hostCalls() {
    return hostCalls;
  }

  /** Current virtual cycle count. */
  public long cycles() {
    return instructions() * cyclesPerInstruction + hostCalls * cyclesPerHostCall + rdtscReads() * cyclesPerRdtsc
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
    if (ports != null || tsc != null) mirror();
    if (interruptCycles >= 0) rearmInterrupt();
  }

  /** Counts one RDTSC read and returns the value the guest sees. */
  public long readTsc() {
    rdtscReads = rdtscReads() + 1;
    if (ports != null || tsc != null) mirror();
    if (interruptCycles >= 0) rearmInterrupt();
    return cycles();
  }

  /** Advances time by {@code cycles} (e.g. a firmware Stall()). */
  public void advance(long cycles) {
    if (cycles < 0) throw new IllegalArgumentException("advance by a negative cycle count " + cycles);
    extraCycles += cycles;
    if (ports != null || tsc != null) mirror();
    if (interruptCycles >= 0) rearmInterrupt();
  }

  /**
   * Asks for a stop at the first block boundary at which virtual time has reached {@code cycles} (-1: none): an
   * asynchronous interrupt (a timer tick) falls due there. Counting by block only ({@link #interruptsAsynchronous()});
   * otherwise nothing happens. Cycles that do not come from instructions (host calls, RDTSC reads, {@link #advance})
   * move the stop earlier as they are added, so it lands where the instructions' share of the time reaches the
   * point; no cost per instruction (one comparison per translated block, in C).
   */
  public void interruptAt(long cycles) {
    interruptCycles = cycles < 0 ? -1 : cycles;
    if (tsc != null) tsc.interrupt(interruptCycles);
    rearmInterrupt();
  }

  /** The point set by {@link #interruptAt}, or -1. */
  public long interruptCycles() {
    return interruptCycles;
  }

  /**
   * True when an interrupt point is set and virtual time has reached it, or when the run stopped because the guest
   * set RFLAGS.IF while {@link #interruptWhenEnabled} was on.
   */
  public boolean interruptDue() {
    return (interruptCycles >= 0 && cycles() >= interruptCycles) || (interruptWindow && stoppedForInterrupt());
  }

  /**
   * An interrupt arrived while RFLAGS.IF was clear and stays pending (the CPU takes it once IF is set, after the
   * instruction following STI; Intel SDM vol. 3A §6.8.3): counting by block, the run stops before the block that
   * follows the first block to begin with IF set, and {@link #interruptDue()} is then true; per instruction (with the
   * JNI shim, {@link InterruptFlagWatch}) before the instruction after the first one to begin with IF set (STI's
   * shadow; before the instruction after POPF or IRETQ, which have no shadow). In {@link ClockMode#HOST_EVENTS} the
   * guest's own IF changes are not watched: the caller sees the pending interrupt at its next point instead.
   */
  public void interruptWhenEnabled(boolean on) {
    interruptWindow = on;
    if (blocks != null) blocks.interruptWhenEnabled(on);
    if (ifWatch != null) ifWatch.watch(on);
  }

  /**
   * An interrupt became deliverable inside a host call (the firmware executed STI with one pending) and falls due at
   * the current time: it is taken before the guest's next instruction. Counting by block the run stops before the
   * next block (the block hook's comparison with {@link #interruptAt} would only stop after it); per instruction the
   * counter's limit at the current count already stops before the next instruction, with host events the host call
   * stops the run at the next block.
   */
  public void interruptNow() {
    interruptAt(cycles());
    if (blocks != null && running) blocks.interruptBeforeNextBlock();
  }

  /**
   * True when {@link #interruptWhenEnabled} is on and the guest's own IF changes are watched (counting by block at
   * block starts; per instruction before each instruction, with the JNI shim).
   */
  public boolean watchesInterruptFlag() {
    return interruptWindow && (blocks != null || ifWatch != null);
  }

  /**
   * True when the last run ended because virtual time reached the interrupt point: at a block boundary (counting by
   * block), before the first instruction at or after it (per instruction), or after the host event that reached it
   * ({@link ClockMode#HOST_EVENTS}).
   */
  public boolean stoppedForInterrupt() {
    return blocks != null ? blocks.stoppedForTick() : stoppedForTick;
  }

  /**
   * True when {@link #interruptAt} can stop a run: in every mode. By block: at the first block boundary at or after
   * the point; per instruction: before the first instruction at or after it (the counter's limit); in
   * {@link ClockMode#HOST_EVENTS}, where only host calls, RDTSC reads and {@link #advance} move time, at the block
   * boundary after the event that reached it ({@code uc_emu_stop}).
   */
  public boolean interruptsAsynchronous() {
    return true;
  }

  /** {@code ports} computes {@link #nanos()} in C from now on: give it the constants and keep it told of the rest. */
  void mirrorTo(NativeClockPorts ports) {
    ports.constants(cyclesPerInstruction, 1e9 / frequencyHz);
    this.ports = ports;
    if (tsc != null) tsc.portsBase(ports.handle());
    mirror();
    ports.running(running);
  }

  /**
   * {@code sites} answers RDTSC in C from now on (as {@link #readTsc} would): give it the constants and keep it told
   * of the cycles that are not instructions', the interrupt point and the run; its reads are folded into this clock's
   * count whenever the count is read.
   */
  void answerRdtscIn(NativeRdtsc sites) {
    sites.constants(cyclesPerInstruction, cyclesPerRdtsc);
    this.tsc = sites;
    if (ports != null) sites.portsBase(ports.handle());
    mirror();
    sites.interrupt(interruptCycles);
    sites.running(running);
  }

  /** The RDTSC sites in C are going away: their reads are folded in and nothing is told to them any more. */
  void stopAnsweringRdtscInC() {
    if (tsc == null) return;
    rdtscReads();
    tsc.portsBase(0);
    tsc = null;
  }

  /** RDTSC reads so far, those answered in C ({@link NativeRdtsc}) folded in. */
  private long rdtscReads() {
    if (tsc != null) rdtscReads += tsc.takeReads();
    return rdtscReads;
  }

  private void mirror() {
    long other = hostCalls * cyclesPerHostCall + rdtscReads() * cyclesPerRdtsc + extraCycles;
    if (ports != null) ports.mirror(other);
    if (tsc != null) tsc.other(other);
  }

  /** Converts the interrupt point to the instruction count at which the block counter stops. */
  private void rearmInterrupt() {
    if (blocks == null) {
      if (counter != null) {
        rearmCounter();
      } else if (running && interruptCycles >= 0 && !hostStopRequested && cycles() >= interruptCycles) {
        hostStopRequested = true; // host events: time moved past the point in a host call or RDTSC read
        engine.emuStop();
      }
      return;
    }
    if (interruptCycles < 0) {
      blocks.tickAt(-1L);
      return;
    }
    long need = interruptCycles - (hostCalls * cyclesPerHostCall + rdtscReads() * cyclesPerRdtsc + extraCycles);
    long at;
    if (need <= 0) {
      at = 0;
    } else if (cyclesPerInstruction == 0) {
      at = -1L; // instructions do not move time: only host calls and advances can reach the point
    } else {
      at = need / cyclesPerInstruction + (need % cyclesPerInstruction == 0 ? 0 : 1);
    }
    blocks.tickAt(at);
  }

  /** Per instruction: the counter stops once it passes the lower of the budget's and the interrupt point's limits. */
  private void rearmCounter() {
    long at;
    if (interruptCycles < 0) {
      at = -1L;
    } else {
      long need = interruptCycles - (hostCalls * cyclesPerHostCall + rdtscReads() * cyclesPerRdtsc + extraCycles);
      if (need <= 0) {
        at = 0;
      } else if (cyclesPerInstruction == 0) {
        at = -1L;
      } else {
        at = need / cyclesPerInstruction + (need % cyclesPerInstruction == 0 ? 0 : 1);
      }
      // the counter stops after executing `limit` instructions: at the point, or before the next one when past it
      if (at != -1L) at = Math.max(at, counter.count());
    }
    tickLimit = at;
    counter.limit(Long.compareUnsigned(tickLimit, budgetLimit) < 0 ? tickLimit : budgetLimit);
  }

  /**
   * Arms the instruction budget: in {@link ClockMode#COUNTED} the native counter stops emulation after
   * {@code budget} more instructions; returns the {@code count} argument for {@code uc_emu_start} (0 when the
   * counter enforces it, the budget itself in {@link ClockMode#HOST_EVENTS}).
   */
  public long armBudget(long budget) {
    if (blocks != null) {
      blocks.limit(budget == 0 ? -1L : blocks.count() + budget);
      return 0;
    }
    if (counter == null) return budget;
    budgetLimit = budget == 0 ? -1L : counter.count() + budget;
    rearmCounter();
    return 0;
  }

  /** True when the last run ended because the counted budget ran out. */
  public boolean budgetExhausted(long startCount, long budget) {
    return (counter != null || blocks != null) && budget != 0 && instructions() - startCount > budget;
  }

  /** State for snapshots. */
  public long[] save() {
    return new long[] {instructions(), hostCalls, rdtscReads(), extraCycles};
  }

  /** Restores {@link #save()} output. */
  public void restore(long[] s) {
    if (counter != null) counter.set(s[0]);
    if (blocks != null) blocks.set(s[0]);
    hostCalls = s[1];
    if (tsc != null) tsc.takeReads(); // replaced by the saved count
    rdtscReads = s[2];
    extraCycles = s[3];
    if (ports != null || tsc != null) mirror();
    rearmInterrupt();
  }

  @Override
  public void close() {
    if (ifWatch != null) ifWatch.close();
    if (counter != null) counter.close();
    if (blocks != null) blocks.close();
  }
}
