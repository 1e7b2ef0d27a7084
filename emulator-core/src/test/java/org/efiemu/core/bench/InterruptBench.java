package org.efiemu.core.bench;

import java.util.HexFormat;
import org.efiemu.core.clock.InstructionCounting;
import org.efiemu.core.machine.InterruptSource;
import org.efiemu.core.machine.Machine;
import org.efiemu.core.machine.RunLimits;
import org.efiemu.core.memory.PhysicalLayout;

/**
 * Command-line benchmark of asynchronous interrupts on virtual time (prints numbers; not a test): a two-instruction
 * loop of {@code rounds} iterations counted by block, (a) with no interrupt source, (b) with a source that never
 * asks for the CPU, (c) with one interrupting every {@code period} cycles whose handler is a call-gate function (the
 * timer tick's path: stop at a block boundary, context saved, handler, return trap, context restored). Prints the
 * guest's instructions per second for each and the cost of one interrupt. Run:
 * {@code java -cp <test-classpath> org.efiemu.core.bench.InterruptBench [rounds [period]]}.
 */
public final class InterruptBench {
  // mov rcx,imm64; 1: dec rcx; jnz 1b; hlt
  private static final long CODE = 0x200000;
  private static final int ROUNDS = 5;

  private InterruptBench() {}

  public static void main(String[] args) {
    long rounds = args.length > 0 ? Long.parseLong(args[0]) : 100_000_000L;
    long period = args.length > 1 ? Long.parseLong(args[1]) : 20_000_000L;
    double[][] best = new double[Kind.values().length][];
    for (Kind k : Kind.values()) {
      best[k.ordinal()] = best(k, rounds, period);
      double[] b = best[k.ordinal()];
      System.out.printf("%-14s %8.1f ms  %7.1f M instructions/s  %5.0f interrupts%n", k, b[0] / 1e6,
          b[1] / b[0] * 1e3, b[2]);
    }
    double[] none = best[Kind.NO_SOURCE.ordinal()];
    double[] every = best[Kind.EVERY_PERIOD.ordinal()];
    if (every[2] > 0) System.out.printf("one interrupt: %.1f us%n", (every[0] - none[0]) / every[2] / 1e3);
  }

  private static double[] best(Kind k, long rounds, long period) {
    double[] best = {Double.MAX_VALUE, 0, 0};
    for (int i = 0; i < ROUNDS; i++) {
      double[] r = run(k, rounds, period);
      if (r[0] < best[0]) best = r;
    }
    return best;
  }

  enum Kind { NO_SOURCE, NEVER_DUE, EVERY_PERIOD }

  /** {wall nanoseconds, instructions, interrupts taken}. */
  private static double[] run(Kind kind, long rounds, long period) {
    PhysicalLayout layout = PhysicalLayout.builder().ram(0, 0x400000).build();
    try (Machine m = Machine.builder(layout).cpuStructuresAt(0x10000).stackTop(0x80000).trapRegion(0x90000, 0x1000)
        .instructionCounting(InstructionCounting.BLOCKS).build()) {
      long handler = m.gate().register("bench handler", 0, ctx -> 0);
      long trap = m.gate().register("bench return", 0, ctx -> m.returnFromInterrupt() ? 0 : 1);
      if (kind != Kind.NO_SOURCE) {
        m.interruptSource(new InterruptSource() {
          long next = period;

          @Override
          public long nextInterruptCycles() {
            return kind == Kind.NEVER_DUE ? -1 : next;
          }

          @Override
          public boolean interrupt() {
            next = (m.clock().cycles() / period + 1) * period;
            return m.enterInterrupt(handler, trap);
          }
        });
      }
      byte[] code = HexFormat.of().parseHex("48b9" + "0000000000000000" + "48ffc9" + "75fb" + "f4");
      for (int i = 0; i < 8; i++) code[2 + i] = (byte) (rounds >>> (8 * i));
      m.memory().write(CODE, code);
      long t0 = System.nanoTime();
      m.run(CODE, RunLimits.none());
      long t = System.nanoTime() - t0;
      return new double[] {t, m.clock().instructions(), m.interruptStatistics()[0]};
    }
  }
}
