package org.efiemu.core.machine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.efiemu.core.clock.InstructionCounting;
import org.efiemu.core.engine.X86Reg;
import org.junit.jupiter.api.Test;

/**
 * Asynchronous interrupts on virtual time ({@link InterruptSource}): with instructions counted by block the run stops
 * at the first block boundary at which virtual time reached the source's point, the handler runs on the guest's stack
 * with the context saved, and the interrupted code goes on with every register as it was; a masked interrupt changes
 * nothing; a HLT can be woken. The same run interrupts at the same instructions every time.
 */
class AsynchronousInterruptTest {
  /** mov ecx,100000; mov ebx,0x1234; loop: dec ecx; jnz loop; hlt. */
  private static final String LOOP = "b9a0860100" + "bb34120000" + "ffc9" + "75fc" + "f4";
  private static final long ITERATIONS = 100_000;
  private static final long PERIOD = 10_000;

  /** A source every {@link #PERIOD} cycles whose handler (a gate function) clobbers RCX and RBX. */
  private static final class Periodic implements InterruptSource {
    final Machine m;
    final long handler;
    final long trap;
    final boolean masked;
    final List<long[]> taken = new ArrayList<>(); // {cycles, interrupted RIP}
    long next = PERIOD;
    int declined;

    Periodic(Machine m, boolean masked) {
      this.m = m;
      this.masked = masked;
      handler = m.gate().register("test interrupt handler", 0, ctx -> {
        m.engine().reg(X86Reg.RBX, 0xDEAD);
        return 0xBEEF;
      });
      trap = m.gate().register("test interrupt return", 0, ctx -> {
        assertThat(m.returnFromInterrupt()).isTrue();
        return 0;
      });
    }

    @Override
    public long nextInterruptCycles() {
      return next;
    }

    @Override
    public boolean interrupt() {
      long now = m.clock().cycles();
      assertThat(now).as("virtual time reached the point").isGreaterThanOrEqualTo(next);
      next = (now / PERIOD + 1) * PERIOD;
      if (masked) {
        declined++;
        return false;
      }
      taken.add(new long[] {now, m.engine().reg(X86Reg.RIP)});
      return m.enterInterrupt(handler, trap);
    }
  }

  private static Machine blocks() {
    return TestMachines.builder().instructionCounting(InstructionCounting.BLOCKS).build();
  }

  @Test
  void interruptsLandAtBlockBoundariesAfterEachPointAndTheLoopEndsWithItsRegistersIntact() {
    try (Machine m = blocks()) {
      Periodic p = new Periodic(m, false);
      m.interruptSource(p);
      long entry = TestMachines.load(m, LOOP);
      StopReport r = m.run(entry, RunLimits.none());
      assertThat(r.reason()).isEqualTo(StopReason.HLT);
      assertThat(r.reg(X86Reg.RCX)).isZero();
      assertThat(r.reg(X86Reg.RBX)).as("RBX restored after every handler").isEqualTo(0x1234);
      assertThat(r.reg(X86Reg.RAX)).as("the handler's RAX is gone too").isNotEqualTo(0xBEEF);
      long loopStart = entry + 10;
      // 2 + 2 * 100000 + 1 instructions of the guest, each interrupt adds the handler's and the trap's ret
      long guest = 2 + 2 * ITERATIONS + 1;
      assertThat(p.taken).hasSizeBetween((int) (guest / PERIOD) - 1, (int) (guest / PERIOD) + 3);
      assertThat(r.instructions()).isEqualTo(guest + 2L * p.taken.size());
      assertThat(p.taken).allSatisfy(t -> assertThat(t[1]).as("interrupted at the loop's block").isEqualTo(loopStart));
      assertThat(m.interruptDepth()).isZero();
      assertThat(m.interruptStatistics()[0]).isEqualTo(p.taken.size());
    }
  }

  @Test
  void theSameRunIsInterruptedAtTheSameInstructions() {
    List<Long> first = new ArrayList<>();
    List<Long> second = new ArrayList<>();
    for (List<Long> out : List.of(first, second)) {
      try (Machine m = blocks()) {
        Periodic p = new Periodic(m, false);
        m.interruptSource(p);
        m.run(TestMachines.load(m, LOOP), RunLimits.none());
        p.taken.forEach(t -> out.add(t[0]));
        out.add(m.clock().instructions());
      }
    }
    assertThat(second).isEqualTo(first).hasSizeGreaterThan(5);
  }

  @Test
  void aMaskedInterruptLetsTheGuestGoOnAsIfThereWereNone() {
    long plain;
    try (Machine m = blocks()) {
      plain = m.run(TestMachines.load(m, LOOP), RunLimits.none()).instructions();
    }
    try (Machine m = blocks()) {
      Periodic p = new Periodic(m, true);
      m.interruptSource(p);
      StopReport r = m.run(TestMachines.load(m, LOOP), RunLimits.none());
      assertThat(r.reason()).isEqualTo(StopReason.HLT);
      assertThat(r.instructions()).isEqualTo(plain);
      assertThat(p.declined).isGreaterThan(5);
      assertThat(m.interruptStatistics()[1]).isEqualTo(p.declined);
    }
  }

  @Test
  void aHaltCanBeWokenByTheSourceAndTheGuestGoesOnAfterItsHlt() {
    try (Machine m = blocks()) {
      long handler = m.gate().register("wake handler", 0, ctx -> 0);
      long trap = m.gate().register("wake return", 0, ctx -> m.returnFromInterrupt() ? 0 : 1);
      int[] halts = {0};
      m.interruptSource(new InterruptSource() {
        @Override
        public long nextInterruptCycles() {
          return -1;
        }

        @Override
        public boolean interrupt() {
          return false;
        }

        @Override
        public boolean halted() {
          return ++halts[0] == 1 && m.enterInterrupt(handler, trap);
        }
      });
      // mov ebx,7; hlt; mov ebx,8; hlt
      long entry = TestMachines.load(m, "bb07000000" + "f4" + "bb08000000" + "f4");
      StopReport r = m.run(entry, RunLimits.none());
      assertThat(r.reason()).isEqualTo(StopReason.HLT);
      assertThat(r.reg(X86Reg.RBX)).isEqualTo(8);
      assertThat(r.rip()).isEqualTo(entry + 12);
      assertThat(halts[0]).isEqualTo(2);
    }
  }

  @Test
  void aSnapshotTakenInsideAHandlerCarriesTheInterruptedContextBack() {
    try (Machine m = blocks()) {
      Snapshot[] inside = {null};
      long handler = m.gate().register("snapshot handler", 0, ctx -> {
        if (inside[0] == null) {
          assertThat(m.interruptDepth()).isEqualTo(1);
          inside[0] = m.snapshot();
        }
        return 0;
      });
      long trap = m.gate().register("snapshot return", 0, ctx -> m.returnFromInterrupt() ? 0 : 1);
      long[] next = {PERIOD};
      m.interruptSource(new InterruptSource() {
        @Override
        public long nextInterruptCycles() {
          return next[0];
        }

        @Override
        public boolean interrupt() {
          next[0] = (m.clock().cycles() / PERIOD + 1) * PERIOD;
          return m.enterInterrupt(handler, trap);
        }
      });
      long entry = TestMachines.load(m, LOOP);
      StopReport first = m.run(entry, RunLimits.none());
      assertThat(first.reason()).isEqualTo(StopReason.HLT);
      assertThat(m.interruptDepth()).isZero();
      m.restore(inside[0]);
      assertThat(m.interruptDepth()).as("the interrupted context came back with the snapshot").isEqualTo(1);
      StopReport again = m.run(m.engine().reg(X86Reg.RIP), RunLimits.none());
      assertThat(again.reason()).isEqualTo(StopReason.HLT);
      assertThat(again.reg(X86Reg.RCX)).isZero();
      assertThat(again.reg(X86Reg.RBX)).isEqualTo(0x1234);
      assertThat(m.interruptDepth()).isZero();
    }
  }
}
