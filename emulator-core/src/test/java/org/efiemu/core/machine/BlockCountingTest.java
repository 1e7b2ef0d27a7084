package org.efiemu.core.machine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.efiemu.core.clock.BlockCounter;
import org.efiemu.core.clock.InstructionCounting;
import org.efiemu.core.engine.X86Reg;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Rules of {@link InstructionCounting#BLOCKS} that a comparison with the per-instruction counter cannot show: one
 * native call per block, and stops that land between blocks (another thread, the wall-clock limit) leave RIP at a
 * block start with a count that matches the guest's own progress.
 */
class BlockCountingTest {
  /** mov ecx,0xFFFFFFFF; loop: dec ecx; jnz loop; hlt (the loop is one two-instruction block). */
  private static final String LONG_LOOP = "b9ffffffff" + "ffc9" + "75fc" + "f4";

  @BeforeAll
  static void blockCounterIsAvailable() {
    assertThat(BlockCounter.unavailableReason()).isNull();
  }

  private static Machine blocks() {
    return TestMachines.builder().instructionCounting(InstructionCounting.BLOCKS).build();
  }

  @Test
  void machinesCountByBlockUnlessToldToCountPerInstruction() {
    try (Machine m = TestMachines.standard()) {
      assertThat(m.clock().counting()).isEqualTo(InstructionCounting.BLOCKS);
      assertThat(m.clock().hooksEveryInstruction()).isFalse();
    }
    try (Machine m = TestMachines.builder().instructionCounting(InstructionCounting.PER_INSTRUCTION).build()) {
      assertThat(m.clock().counting()).isEqualTo(InstructionCounting.PER_INSTRUCTION);
      assertThat(m.clock().hooksEveryInstruction()).isTrue();
    }
  }

  @Test
  void aLoopIsCountedWithOneCallPerIterationNotPerInstruction() {
    try (Machine m = blocks()) {
      // mov ecx,1000; loop: dec ecx; jnz loop; hlt
      StopReport r = m.run(TestMachines.load(m, "b9e8030000ffc975fcf4"), RunLimits.none());
      assertThat(r.reason()).isEqualTo(StopReason.HLT);
      assertThat(r.instructions()).isEqualTo(1 + 2 * 1000 + 1);
      assertThat(m.clock().countedBlocks()).as("blocks: the first, 1000 iterations, hlt").isBetween(1000L, 1003L);
      assertThat(m.positionsExact()).isTrue();
    }
  }

  @Test
  void aStoreIntoTheRunningBlockStopsTheRunRatherThanCountWrongly() {
    // lea rax,[rip]; mov byte [rax+10],0x90 (a byte of this very block); nop x6
    try (Machine m = blocks()) {
      long entry = TestMachines.load(m, "488d0500000000" + "c6400a90" + "909090909090");
      assertThatThrownBy(() -> m.run(entry, RunLimits.none())).isInstanceOf(org.efiemu.core.clock.BlockCountingException.class)
          .hasMessageContaining("the instruction count would be wrong");
    }
  }

  @Test
  void theCountStaysReadableAfterTheMachineClosedItsNativeState() {
    Machine m = blocks();
    m.run(TestMachines.load(m, "9090f4"), RunLimits.none());
    var clock = m.clock();
    m.close();
    assertThat(clock.instructions()).isEqualTo(3);
    assertThat(clock.cycles()).isEqualTo(3);
  }

  @Test
  void aStopFromAnotherThreadLandsAtTheLoopStartWithTheCountOfTheIterationsDone() throws Exception {
    try (Machine m = blocks()) {
      long entry = TestMachines.load(m, LONG_LOOP);
      java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
      Thread stopper = new Thread(() -> {
        // a request made before the run started is dropped (as uc_emu_stop outside a run is): repeat until it ended
        while (!done.get()) {
          try {
            Thread.sleep(10);
          } catch (InterruptedException e) {
            return;
          }
          m.requestStop("from another thread");
        }
      });
      stopper.start();
      StopReport r;
      try {
        r = m.run(entry, RunLimits.none());
      } finally {
        done.set(true);
        stopper.join();
      }
      assertConsistentStopInLoop(m, r, entry, StopReason.HOST_STOP);
    }
  }

  @Test
  void theWallClockLimitLandsAtTheLoopStartWithTheCountOfTheIterationsDone() {
    try (Machine m = blocks()) {
      long entry = TestMachines.load(m, LONG_LOOP);
      StopReport r = m.run(entry, RunLimits.wallClock(Duration.ofMillis(20)));
      assertConsistentStopInLoop(m, r, entry, StopReason.TIMEOUT);
    }
  }

  /** RIP at the loop's block start; every instruction begun ran: 1 (mov) + 2 per iteration done. */
  private static void assertConsistentStopInLoop(Machine m, StopReport r, long entry, StopReason reason) {
    assertThat(r.reason()).isEqualTo(reason);
    assertThat(r.rip()).isEqualTo(entry + 5);
    long iterations = 0xFFFF_FFFFL - (r.reg(X86Reg.RCX) & 0xFFFF_FFFFL);
    assertThat(iterations).isPositive();
    assertThat(r.instructions()).isEqualTo(1 + 2 * iterations);
    // and the guest goes on from there as if never stopped: a budget of two more instructions is one more iteration
    StopReport next = m.run(r.rip(), RunLimits.instructions(2));
    assertThat(next.reason()).isEqualTo(StopReason.BUDGET);
    assertThat(next.reg(X86Reg.RCX)).isEqualTo(r.reg(X86Reg.RCX) - 1);
    assertThat(next.rip()).isEqualTo(entry + 5);
  }
}
