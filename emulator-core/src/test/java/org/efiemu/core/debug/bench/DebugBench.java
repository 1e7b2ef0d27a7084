package org.efiemu.core.debug.bench;

import java.util.Arrays;
import java.util.HexFormat;
import org.efiemu.core.clock.ClockMode;
import org.efiemu.core.debug.Debugger;
import org.efiemu.core.debug.StopEvent;
import org.efiemu.core.engine.X86Reg;
import org.efiemu.core.machine.Machine;
import org.efiemu.core.machine.RunLimits;
import org.efiemu.core.memory.PhysicalLayout;

/**
 * Command-line benchmark of the debugger's cost (prints numbers; not a test): guest instructions per second on a
 * tight loop for the plain machine and with a debugger attached (nothing set, a breakpoint elsewhere, a watchpoint
 * elsewhere), per clock mode; and the host-call round trip with and without {@code recordHostCalls}. Run:
 * {@code java -cp <test-classpath> org.efiemu.core.debug.bench.DebugBench}.
 */
public final class DebugBench {
  private static final byte[] LOOP = HexFormat.of().parseHex("48ffc975fbf4"); // 1: dec rcx; jnz 1b; hlt
  // sub rsp,0x28; 1: call rbx; dec r12; jnz 1b; add rsp,0x28; hlt
  private static final byte[] CALLS = HexFormat.of().parseHex("4883ec28ffd349ffcc75f94883c428f4");
  private static final long CODE = 0x200000;
  private static final int ROUNDS = 5;

  private enum Setup { PLAIN, ATTACHED, BREAKPOINT_ELSEWHERE, WATCHPOINT_ELSEWHERE }

  private DebugBench() {}

  public static void main(String[] args) {
    for (ClockMode mode : ClockMode.values()) {
      long n = mode == ClockMode.COUNTED ? 20_000_000L : 200_000_000L;
      for (Setup s : Setup.values()) {
        System.out.printf("%-11s %-21s %8.1f M insn/s%n", mode, s, median(() -> loop(mode, s, n)) / 1e6);
      }
    }
    for (int depth : new int[] {0, 16}) {
      System.out.printf("host call, recordHostCalls(%d), 1 MiB touched: %8.0f ns/call%n", depth,
          1e9 / median(() -> calls(depth, depth == 0 ? 1_000_000 : 20_000)));
    }
  }

  interface Rate {
    double run();
  }

  private static double median(Rate r) {
    r.run();
    double[] v = new double[ROUNDS];
    for (int i = 0; i < ROUNDS; i++) v[i] = r.run();
    Arrays.sort(v);
    return v[ROUNDS / 2];
  }

  private static Machine machine(ClockMode mode) {
    PhysicalLayout layout = PhysicalLayout.builder().ram(0, 0x4000_0000L).build();
    return Machine.builder(layout).cpuStructuresAt(0x10000).stackTop(0x80000).trapRegion(0x90000, 0x1000)
        .clock(mode, 1, 100).build();
  }

  private static double loop(ClockMode mode, Setup setup, long n) {
    try (Machine m = machine(mode); Debugger d = new Debugger(m)) {
      m.memory().write(CODE, LOOP);
      if (setup == Setup.BREAKPOINT_ELSEWHERE) d.breakAt(CODE + 0x100);
      if (setup == Setup.WATCHPOINT_ELSEWHERE) d.watchWrites(0x300000, 8);
      long t0 = System.nanoTime();
      if (setup == Setup.PLAIN) {
        m.engine().reg(X86Reg.RCX, n);
        m.run(CODE, RunLimits.none());
      } else {
        StopEvent e = d.run(CODE, n);
        if (e.report() == null || e.report().instructions() < 0) throw new IllegalStateException(e.toString());
      }
      return 2.0 * n / ((System.nanoTime() - t0) / 1e9);
    }
  }

  private static double calls(int depth, long n) {
    try (Machine m = machine(ClockMode.HOST_EVENTS); Debugger d = new Debugger(m)) {
      m.memory().write(0x400000, new byte[1 << 20]); // 1 MiB of touched RAM each snapshot copies
      d.recordHostCalls(depth);
      long fn = m.gate().register("Nop", 1, ctx -> ctx.arg(0));
      m.memory().write(CODE, CALLS);
      d.reg(X86Reg.RBX, fn);
      d.reg(X86Reg.R12, n);
      long t0 = System.nanoTime();
      d.run(CODE);
      return n / ((System.nanoTime() - t0) / 1e9);
    }
  }
}
