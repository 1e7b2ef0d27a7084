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
import org.efiemu.core.engine.Perm;
import org.efiemu.core.engine.UnicornLib;
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

  /**
   * Runs {@code scenario} on a machine of each counter: blocks first, then per instruction. By block it runs twice,
   * with blocks counted inline ({@link org.efiemu.core.clock.InlineBlockCounting}, the default) and with the hook
   * called at every block, which must give the same transcript.
   */
  private static Outcome[] both(Function<Machine, String> scenario) {
    Outcome[] out = new Outcome[2];
    try (Machine m = machine(InstructionCounting.BLOCKS)) {
      assertThat(m.clock().blockCounter().inline()).as("%s", org.efiemu.core.clock.InlineBlockCounting.status())
          .isTrue();
      out[0] = new Outcome(scenario.apply(m), m.positionsExact());
    }
    try (Machine m = machine(InstructionCounting.BLOCKS)) {
      m.clock().blockCounter().inline(false);
      Outcome called = new Outcome(scenario.apply(m), m.positionsExact());
      assertThat(m.clock().blockCounter().inlineTranslations()).isZero();
      assertThat(called).as("blocks counted inline and by the hook call").isEqualTo(out[0]);
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

  /**
   * Runs {@code hex} with a write hook over {@code [0x300000, 0x3FFFFF]} that records the address written, RIP and
   * the clock inside the hook, and returns the stop report followed by those records.
   */
  private static String withWriteHook(Machine m, String hex, RunLimits limits) {
    List<String> seen = new ArrayList<>();
    m.engine().addMemoryHook(UnicornLib.UC_HOOK_MEM_WRITE, 0x300000, 0x3FFFFF, (type, at, size, value) ->
        seen.add(String.format("%X@%X/%d", at, m.engine().reg(X86Reg.RIP), m.clock().instructions())));
    return run(m, hex, limits) + " " + seen;
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
      // nop; mov [0x300000],rcx; nop; hlt
      "one store between nops, 9048890c250000300090f4",
      // ecx=3; loop: mov rax,[0x300008]; mov [0x300000],rcx; add rax,rcx; cmp qword [0x300008],0; dec ecx; jnz loop; hlt
      "a loop block with one store and reads of memory, b903000000488b04250800300048890c25000030004801c8"
          + "48833c250800300000ffc975e0f4",
      // rsp=0x310000; nop; push rax; add rax,rax; pop rax; nop; hlt
      "a push, 48c7c400003100905048" + "01c05890f4",
      // rsp=0x310000; nop; call next+1; hlt; nop; ret
      "a call, 48c7c40000310090e801000000f490c3",
      // rdi=0x300000; ecx=4; xor eax,eax; rep stosq; nop; hlt
      "a rep stosq, 48c7c700003000b90400000031c0f348ab90f4",
      // rsp=0x310000; pushfq; nop; popfq; hlt
      "a pushfq, 48c7c4000031009c909df4",
      // rax=7; xchg [0x300000],rax; nop; hlt
      "an xchg with memory, 48c7c00700000048870425000030009090f4",
      // nop; mov [0x300000],rcx; mov [0x300008],rbx; nop; hlt -- told apart by the address written
      "two stores to different addresses in one block, 9048890c250000300048891c250800300090f4",
      // rax=0x300000; mov [rax+8],rcx; add rax,8; mov [rax],rbx; nop; hlt -- both write 0x300008: told apart by RAX
      "two stores to one address through a register changed between them, 48c7c0000030004889480848"
          + "83c00848891890f4",
      // rbx=0x300000; mov [rbx+rcx*8+0x10],rax; movups [rbx],xmm0; nop; hlt
      "a scaled-index store and a 16-byte store in one block, 48c7c300003000488944cb100f11039" + "0f4"})
  void aWriteHookReadingRipInABlockWithOneWriterIsExactUnderBlockCounting(String name, String hex) {
    assertSame(m -> withWriteHook(m, hex, RunLimits.none()));
  }

  @Test
  void aWriterKnownFromAnEarlierMachineIsFoundAgainOnlyForTheSameBytesAtTheSameAddress() {
    // the blocks' writers are remembered across machines by block start: two programs of the same length and
    // instruction count at the same address whose store sits at another instruction, and between their runs another
    // block at that address with the same bytes as the first: each machine's hook reads its own writer as RIP
    String storeSecond = "90" + "48890c2500003000" + "90" + "90" + "f4"; // nop; mov [0x300000],rcx; nop; nop; hlt
    String storeThird = "90" + "90" + "48890c2500003000" + "90" + "f4"; // nop; nop; mov [0x300000],rcx; nop; hlt
    String second = withWriteHookOnFreshMachines(storeSecond);
    String third = withWriteHookOnFreshMachines(storeThird);
    assertThat(withWriteHookOnFreshMachines(storeSecond)).isEqualTo(second);
    assertThat(second).contains("300000@" + Long.toHexString(TestMachines.CODE + 1).toUpperCase());
    assertThat(third).contains("300000@" + Long.toHexString(TestMachines.CODE + 2).toUpperCase());
  }

  /** {@link #withWriteHook} on a block-counting and a per-instruction machine: the same transcript, returned. */
  private static String withWriteHookOnFreshMachines(String hex) {
    Outcome[] r = both(m -> withWriteHook(m, hex, RunLimits.none()));
    assertThat(r[0].positionsExact()).as("block counting claims exact positions").isTrue();
    assertThat(r[0].text()).isEqualTo(r[1].text());
    return r[0].text();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
      // nop; mov [0x300000],rcx; mov [0x300000],rbx; nop; hlt
      "two stores to the same address in one block, 9048890c250000300048891c250000300090f4",
      // rax=0x300000; mov [rax],rcx; mov [rax],rbx; hlt
      "two stores through the same register in one block, 48c7c00000300048890848891890f4",
      // rsp=0x310000; nop; push rax; mov [0x300000],rcx; pop rax; hlt
      "a push and a store in one block, 48c7c400003100905048890c250000300058f4"})
  void aWriteHookReadingRipInABlockWithTwoWritersMakesBlockCountingAdmitItsPositionsAreInexact(String name,
      String hex) {
    Outcome[] r = both(m -> withWriteHook(m, hex, RunLimits.none()));
    assertThat(r[0].positionsExact()).isFalse();
    assertThat(r[1].text()).contains("300000@");
  }

  @Test
  void aReadHookReadingRipMakesBlockCountingAdmitItsPositionsAreInexact() {
    // nop; mov rax,[0x300000]; nop; hlt with a read hook reading RIP: only writes are placed
    Outcome[] r = both(m -> {
      List<Long> rips = new ArrayList<>();
      m.engine().addMemoryHook(UnicornLib.UC_HOOK_MEM_READ, 0x300000, 0x300007,
          (type, at, size, value) -> rips.add(m.engine().reg(X86Reg.RIP)));
      return run(m, "90" + "488b042500003000" + "90f4", RunLimits.none()) + " " + rips;
    });
    assertThat(r[0].positionsExact()).isFalse();
    assertThat(r[1].text()).endsWith("[" + (TestMachines.CODE + 1) + "]");
  }

  @Test
  void aWriteProtectionFaultRetriedByItsHookReportsTheSameRipAndClockUnderBothCounters() {
    // ecx=3; loop: mov rax,[0x300008]; mov [0x300000],rcx; add rax,rcx; dec ecx; jnz loop; hlt -- the first store
    // faults on the read-only page; the hook records RIP and the clock, lifts the protection and retries
    String hex = "b903000000488b04250800300048890c25000030004801c8ffc975e9f4";
    assertSame(m -> {
      List<String> faults = new ArrayList<>();
      m.memory().putU64(0x300008, 5); // maps the lazily mapped RAM there
      m.engine().protect(0x300000, 0x1000, java.util.EnumSet.of(Perm.READ));
      m.engine().addInvalidMemoryHook(UnicornLib.UC_HOOK_MEM_WRITE_PROT, (type, at, size, value) -> {
        faults.add(String.format("%s %X@%X/%d", type, at, m.engine().reg(X86Reg.RIP), m.clock().instructions()));
        m.engine().protect(0x300000, 0x1000, Perm.ALL);
        return true;
      });
      return withWriteHook(m, hex, RunLimits.none()) + " " + faults + " " + m.engine().readU64(0x300000);
    });
  }

  @Test
  void aWriteHookMovingRipAfterReadingItCountsTheWriterAsBegunUnderBothCounters() {
    // nop; nop; mov [0x300000],rcx; inc rax; nop; hlt; target: inc rbx; hlt -- the hook moves RIP to target
    String hex = "909048890c250000300048ffc090f4" + "48ffc3f4";
    assertSame(m -> {
      List<String> seen = new ArrayList<>();
      m.engine().addMemoryHook(UnicornLib.UC_HOOK_MEM_WRITE, 0x300000, 0x300007, (type, at, size, value) -> {
        seen.add(String.format("%X/%d", m.engine().reg(X86Reg.RIP), m.clock().instructions()));
        m.engine().reg(X86Reg.RIP, TestMachines.CODE + 15);
        seen.add(String.format("%X/%d", m.engine().reg(X86Reg.RIP), m.clock().instructions()));
      });
      return run(m, hex, RunLimits.instructions(1000)) + " " + seen;
    });
  }

  @Test
  void aStopRequestedByAWriteHookThatReadRipEndsTheRunAtTheWriterUnderBothCounters() {
    // nop; nop; mov rax,1; mov [0x300000],rcx; inc rax; nop; hlt -- the hook reads RIP and the clock, then asks to stop
    Outcome[] r = both(m -> {
      List<String> seen = new ArrayList<>();
      m.engine().addMemoryHook(UnicornLib.UC_HOOK_MEM_WRITE, 0x300000, 0x300007, (type, at, size, value) -> {
        seen.add(String.format("%X/%d", m.engine().reg(X86Reg.RIP), m.clock().instructions()));
        m.requestStop("stop from a write hook");
      });
      return run(m, "909048c7c00100000048890c250000300048ffc090f4", RunLimits.none()) + " " + seen;
    });
    assertThat(r[0].positionsExact()).isTrue();
    assertThat(r[0].text()).isEqualTo(r[1].text());
    assertThat(r[1].text()).startsWith(String.format("HOST_STOP stop from a write hook rip=0x%X", TestMachines.CODE + 9))
        .endsWith(String.format("[%X/4]", TestMachines.CODE + 9));
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
