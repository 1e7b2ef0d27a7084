package org.efiemu.core.bench;

import java.util.Arrays;
import java.util.HexFormat;
import org.efiemu.core.clock.ClockMode;
import org.efiemu.core.engine.Engine;
import org.efiemu.core.engine.Perm;
import org.efiemu.core.engine.X86Reg;
import org.efiemu.core.machine.Machine;
import org.efiemu.core.machine.RunLimits;
import org.efiemu.core.memory.PhysicalLayout;

/**
 * Command-line benchmark of the core (prints numbers; not a test): guest instructions per second on a tight loop
 * for raw Unicorn (through this binding, no hooks) and for a machine in each clock mode, and the guest-to-Java
 * call-gate round trip. Run: {@code java -cp <test-classpath> org.efiemu.core.bench.CoreBench}.
 */
public final class CoreBench {
  private static final byte[] LOOP = HexFormat.of().parseHex("48ffc975fbf4"); // 1: dec rcx; jnz 1b; hlt
  // sub rsp,0x28; 1: call rbx; dec r12; jnz 1b; add rsp,0x28; hlt
  private static final byte[] CALLS = HexFormat.of().parseHex("4883ec28ffd349ffcc75f94883c428f4");
  private static final long CODE = 0x200000;
  private static final int ROUNDS = 7;

  private CoreBench() {}

  public static void main(String[] args) {
    long loops = 200_000_000L;
    long calls = 1_000_000L;
    System.out.printf("Unicorn %s%n", Engine.version());
    System.out.printf("raw engine loop:          %8.1f M insn/s%n", median(() -> rawLoop(loops)) / 1e6);
    System.out.printf("machine HOST_EVENTS loop: %8.1f M insn/s%n",
        median(() -> machineLoop(ClockMode.HOST_EVENTS, loops)) / 1e6);
    System.out.printf("machine COUNTED loop:     %8.1f M insn/s%n",
        median(() -> machineLoop(ClockMode.COUNTED, loops / 10)) / 1e6);
    System.out.printf("gate round trip (HOST_EVENTS): %6.0f ns/call%n",
        1e9 / median(() -> gateCalls(ClockMode.HOST_EVENTS, calls)));
    System.out.printf("gate round trip (COUNTED):     %6.0f ns/call%n",
        1e9 / median(() -> gateCalls(ClockMode.COUNTED, calls)));
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

  private static double rawLoop(long n) {
    try (Engine e = Engine.open()) {
      e.map(CODE, 0x1000, Perm.ALL);
      e.write(CODE, LOOP);
      e.reg(X86Reg.RCX, n);
      long t0 = System.nanoTime();
      e.emuStart(CODE, CODE + LOOP.length, 0, 0);
      return 2.0 * n / ((System.nanoTime() - t0) / 1e9);
    }
  }

  private static Machine machine(ClockMode mode) {
    PhysicalLayout layout = PhysicalLayout.builder().ram(0, 0x4000_0000L).build();
    return Machine.builder(layout).cpuStructuresAt(0x10000).stackTop(0x80000).trapRegion(0x90000, 0x1000)
        .clock(mode, 1, 100).build();
  }

  private static double machineLoop(ClockMode mode, long n) {
    try (Machine m = machine(mode)) {
      m.memory().write(CODE, LOOP);
      m.engine().reg(X86Reg.RCX, n);
      long t0 = System.nanoTime();
      m.run(CODE, RunLimits.none());
      return 2.0 * n / ((System.nanoTime() - t0) / 1e9);
    }
  }

  private static double gateCalls(ClockMode mode, long n) {
    try (Machine m = machine(mode)) {
      long fn = m.gate().register("Nop", 1, ctx -> ctx.arg(0));
      m.memory().write(CODE, CALLS);
      m.engine().reg(X86Reg.RBX, fn);
      m.engine().reg(X86Reg.R12, n);
      long t0 = System.nanoTime();
      m.run(CODE, RunLimits.none());
      return n / ((System.nanoTime() - t0) / 1e9);
    }
  }
}
