package org.efiemu.core.machine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Function;
import org.efiemu.core.clock.BlockCounter;
import org.efiemu.core.clock.InstructionCounting;
import org.efiemu.core.debug.Debugger;
import org.efiemu.core.debug.StopEvent;
import org.efiemu.core.engine.X86Reg;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The block instruction counter ({@link InstructionCounting#BLOCKS}) gives exactly what the per-instruction counter
 * gives: each program runs on two machines, one per counter, and the stop reports (reason, RIP, registers, bytes,
 * instruction count, cycles), the clock and every value read inside hooks are compared.
 */
class InstructionCountingDifferentialTest {
  @BeforeAll
  static void blockCounterIsAvailable() {
    assertThat(BlockCounter.unavailableReason()).as("the block counter must be in use for this comparison").isNull();
  }

  private static Machine machine(InstructionCounting counting) {
    Machine m = TestMachines.builder().instructionCounting(counting).build();
    assertThat(m.clock().counting()).isEqualTo(counting);
    return m;
  }

  /** A transcript of one scenario and whether the machine says its positions are exact. */
  private record Outcome(String text, boolean positionsExact) {}

  /** Runs {@code scenario} on a machine of each counter: blocks first, then per instruction. */
  private static Outcome[] both(Function<Machine, String> scenario) {
    Outcome[] out = new Outcome[2];
    try (Machine m = machine(InstructionCounting.BLOCKS)) {
      out[0] = new Outcome(scenario.apply(m), m.positionsExact());
    }
    try (Machine m = machine(InstructionCounting.PER_INSTRUCTION)) {
      out[1] = new Outcome(scenario.apply(m), m.positionsExact());
    }
    assertThat(out[1].positionsExact()).as("counting per instruction is always exact").isTrue();
    return out;
  }

  private static void assertSame(Function<Machine, String> scenario) {
    Outcome[] r = both(scenario);
    assertThat(r[0].positionsExact()).as("block counting claims exact positions").isTrue();
    assertThat(r[0].text()).isEqualTo(r[1].text());
  }

  static String describe(StopReport s) {
    return String.format("%s %s rip=0x%X bytes=%s regs=%s instructions=%d cycles=%d%n", s.reason(), s.detail(), s.rip(),
        HexFormat.of().formatHex(s.bytesAtRip()), s.registers(), s.instructions(), s.cycles());
  }

  private static String run(Machine m, String hex, RunLimits limits) {
    long entry = TestMachines.load(m, hex);
    m.declareCode(entry, hex.length() / 2);
    return describe(m.run(entry, limits)) + "clock " + m.clock().instructions() + "/" + m.clock().cycles();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
      "hlt after a mov, 48c7c022110000f4",
      "ud2 inside a block, 9090900f0b",
      "an opcode Capstone cannot decode ending a block, 90909006f4",
      "int3 inside a block, 9090cc90f4",
      "a loop of 1000, b9e8030000ffc975fcf4",
      "divide by zero inside a block, 31c99090f7f190f4",
      "read above the 1 TiB physical limit (a page fault), 9048b8001000000001000090488b1890f4",
      "jump into the hole below 4 GiB, 9048b8001000c00000000090ffe0f4",
      "two RDTSC reads, 0f3148c1e2204809d04889c390900f3148c1e2204809d0f4",
      "RDTSC in a loop, b90a0000000f3148c1e2204809d04801c3ffc975f0f4",
      "code rewritten with the same length and more instructions, e83b000000b890909090890530000000e82b000000f4"
          + "000000000000000000000000000000000000000000000000000000000000000000000000000000000000" + "66909090c3"})
  void everyStopKindReportsTheSameRunUnderBothCounters(String name, String hex) {
    assertSame(m -> run(m, hex, RunLimits.none()));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
      "read of the hole below 4 GiB inside a block, 9048b8001000c000000000904889c3488b1890f4",
      "write into the hole inside a block, 9048b8001000c0000000009048891890f4",
      "SSE store into the hole inside a block, 9048b8001000c00000000090900f110090f4",
      "non-canonical read inside a block, 9048b80000000000000080488b1890f4"})
  void aDataAccessFaultMakesBlockCountingAdmitItsPositionsAreInexact(String name, String hex) {
    Outcome[] r = both(m -> run(m, hex, RunLimits.none()));
    assertThat(r[0].positionsExact()).isFalse();
    assertThat(r[0].text()).startsWith("MEMORY_FAULT");
    assertThat(r[1].text()).startsWith("MEMORY_FAULT");
  }

  @Test
  void aMemoryHookReadingRipMakesBlockCountingAdmitItsPositionsAreInexact() {
    // nop; mov [0x300000],rcx; nop; hlt with a write hook reading RIP
    Outcome[] r = both(m -> {
      List<Long> rips = new ArrayList<>();
      m.engine().addMemoryHook(org.efiemu.core.engine.UnicornLib.UC_HOOK_MEM_WRITE, 0x300000, 0x300007,
          (type, at, size, value) -> rips.add(m.engine().reg(X86Reg.RIP)));
      return run(m, "90" + "48890c2500003000" + "90f4", RunLimits.none()) + " " + rips;
    });
    assertThat(r[0].positionsExact()).isFalse();
    assertThat(r[1].text()).endsWith("[" + (TestMachines.CODE + 1) + "]");
  }

  @Test
  void everyBudgetOfALoopWithRdtscStopsAtTheSameInstructionAndResumesTheSame() {
    // rcx=10; loop: rdtsc; shl rdx,32; or rax,rdx; add rbx,rax; nop; push rax; pop rax; dec ecx; jnz loop; hlt
    String hex = "b90a000000 0f31 48c1e220 4809d0 4801c3 90 50 58 ffc9 75ed f4".replace(" ", "");
    for (long budget = 1; budget <= 100; budget++) {
      long b = budget;
      assertSame(m -> {
        long entry = TestMachines.load(m, hex);
        m.declareCode(entry, hex.length() / 2);
        StringBuilder sb = new StringBuilder("budget " + b + "\n");
        StopReport first = m.run(entry, RunLimits.instructions(b));
        sb.append(describe(first));
        // resume from where the budget stopped, in steps of b, up to the end
        for (int i = 0; i < 200 && first.reason() == StopReason.BUDGET; i++) {
          first = m.run(first.rip(), RunLimits.instructions(b));
          sb.append(describe(first));
        }
        return sb.toString();
      });
    }
  }

  @Test
  void hostCallsReadTheSameClockUnderBothCounters() {
    assertSame(m -> {
      List<String> seen = new ArrayList<>();
      long fn = m.gate().register("probe", 1, ctx -> {
        seen.add(m.clock().instructions() + "/" + m.clock().cycles() + "/" + m.clock().nanos());
        return ctx.arg(1) + 1;
      });
      // rcx=0; 5 times: mov rax,fn; call rax; mov rcx,rax; nop; nop; then hlt
      StringBuilder code = new StringBuilder("31c9");
      for (int i = 0; i < 5; i++) {
        code.append("48b8").append(le64(fn)).append("ffd0").append("4889c1").append("9090");
      }
      code.append("f4");
      String out = run(m, code.toString(), RunLimits.none());
      return out + " " + seen;
    });
  }

  @Test
  void aHostStopFromInsideAHostCallEndsTheRunTheSame() {
    assertSame(m -> {
      long fn = m.gate().register("stopper", 0, ctx -> {
        ctx.stop("host asked to stop");
        return 0;
      });
      return run(m, "909048b8" + le64(fn) + "ffd09090f4", RunLimits.none());
    });
  }

  @Test
  void singleStepsBreakpointsAndAWatchpointGiveTheSameStopsAndCountsUnderBothCounters() {
    // rcx=3; loop: mov [0x300000],rcx; nop; nop; dec ecx; jnz loop; hlt
    String hex = "b903000000" + "48890c2500003000" + "9090" + "ffc9" + "75f2" + "f4";
    assertSame(m -> {
      long entry = TestMachines.load(m, hex);
      StringBuilder sb = new StringBuilder();
      try (Debugger d = new Debugger(m)) {
        m.engine().reg(X86Reg.RIP, entry);
        for (int i = 0; i < 6; i++) {
          StopEvent e = d.step();
          sb.append(e.kind()).append(' ').append(Long.toHexString(e.rip())).append(' ')
              .append(m.clock().instructions()).append('\n');
        }
        d.breakAt(entry + 14); // the second nop, inside the loop's block
        StopEvent e = d.cont();
        sb.append(e.kind()).append(' ').append(Long.toHexString(e.rip())).append(' ').append(m.clock().instructions())
            .append('\n');
        d.remove(d.breakpoints().get(0));
        d.watchWrites(0x300000, 8);
        e = d.cont();
        sb.append(e.kind()).append(' ').append(Long.toHexString(e.rip())).append(' ').append(e.description())
            .append(' ').append(m.clock().instructions()).append('\n');
        e = d.cont();
        sb.append(e.kind()).append(' ').append(Long.toHexString(e.rip())).append(' ').append(m.clock().instructions())
            .append('\n');
      }
      return sb.toString();
    });
  }

  private static String le64(long v) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 8; i++) sb.append(String.format("%02x", (v >>> (8 * i)) & 0xFF));
    return sb.toString();
  }
}
