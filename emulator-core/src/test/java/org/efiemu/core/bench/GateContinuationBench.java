package org.efiemu.core.bench;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.efiemu.core.engine.X86Reg;
import org.efiemu.core.machine.Machine;
import org.efiemu.core.machine.RunLimits;
import org.efiemu.core.memory.PhysicalLayout;

/**
 * Command-line benchmark of host functions registered with {@code registerCallingGuest} (prints numbers; not a
 * test): the cost of one guest-to-Java call whose function (a) calls no guest code, (b) calls one guest function,
 * (c) calls a guest function that calls another calling-guest function (nested), (d) is skipped by its
 * {@code mayCallGuest} predicate and runs inline, (e) a plain function for reference. Run:
 * {@code java -cp <test-classpath> org.efiemu.core.bench.GateContinuationBench [calls [KIND,KIND...]]}.
 */
public final class GateContinuationBench {
  // sub rsp,0x28; 1: call rbx; dec r12; jnz 1b; add rsp,0x28; hlt
  private static final byte[] CALLS = HexFormat.of().parseHex("4883ec28ffd349ffcc75f94883c428f4");
  private static final long CODE = 0x200000;
  private static final long LEAF = 0x201000; // lea rax,[rcx+1]; ret
  private static final long INNER_CALLER = 0x202000; // sub rsp,0x28; call r13; add rsp,0x28; ret
  private static final int ROUNDS = 7;

  private GateContinuationBench() {}

  public static void main(String[] args) {
    long calls = args.length > 0 ? Long.parseLong(args[0]) : 20_000L;
    List<Kind> kinds = args.length > 1 ? Arrays.stream(args[1].split(",")).map(Kind::valueOf).toList()
        : List.of(Kind.values());
    for (Kind k : kinds) System.out.printf("%-16s %10.0f ns/call%n", k, nsPerCall(k, calls));
  }

  enum Kind { NO_GUEST_CALL, ONE_GUEST_CALL, NESTED, PREDICATE_NO, PLAIN }

  private static double nsPerCall(Kind kind, long n) {
    run(kind, Math.max(1, n / 10));
    double[] v = new double[ROUNDS];
    for (int i = 0; i < ROUNDS; i++) v[i] = run(kind, n);
    Arrays.sort(v);
    return v[ROUNDS / 2];
  }

  private static double run(Kind kind, long n) {
    PhysicalLayout layout = PhysicalLayout.builder().ram(0, 0x4000_0000L).build();
    try (Machine m = Machine.builder(layout).cpuStructuresAt(0x10000).stackTop(0x80000).trapRegion(0x90000, 0x1000)
        .build()) {
      m.memory().write(CODE, CALLS);
      m.memory().write(LEAF, HexFormat.of().parseHex("488d4101c3"));
      m.memory().write(INNER_CALLER, HexFormat.of().parseHex("4883ec2841ffd54883c428c3"));
      long inner = m.gate().registerCallingGuest("Inner", 1, ctx -> ctx.callGuest(LEAF, ctx.arg(0)));
      m.engine().reg(X86Reg.R13, inner);
      long fn = switch (kind) {
        case NO_GUEST_CALL -> m.gate().registerCallingGuest("NoCall", 1, ctx -> ctx.arg(0));
        case ONE_GUEST_CALL -> m.gate().registerCallingGuest("OneCall", 1, ctx -> ctx.callGuest(LEAF, 1));
        case NESTED -> m.gate().registerCallingGuest("Nested", 1, ctx -> ctx.callGuest(INNER_CALLER, 1));
        case PREDICATE_NO -> m.gate().registerCallingGuest("Skipped", 1, ctx -> ctx.arg(0), ctx -> false);
        case PLAIN -> m.gate().register("Plain", 1, ctx -> ctx.arg(0));
      };
      m.engine().reg(X86Reg.RBX, fn);
      m.engine().reg(X86Reg.R12, n);
      long t0 = System.nanoTime();
      m.run(CODE, RunLimits.none());
      return (System.nanoTime() - t0) / (double) n;
    }
  }
}
