package org.efiemu.core.machine;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.time.Duration;
import org.efiemu.core.clock.BlockCounter;
import org.efiemu.core.clock.InlineBlockCounting;
import org.efiemu.core.clock.InlineBlockCountingAccess;
import org.efiemu.core.clock.InstructionCounting;
import org.efiemu.core.engine.Hook;
import org.efiemu.core.engine.UnicornLoader;
import org.efiemu.core.engine.X86Reg;
import org.junit.jupiter.api.Test;

/**
 * Blocks counted inline ({@link InlineBlockCounting}) against blocks counted by the hook call: the same counts, stops,
 * RIPs and budgets; and the call is what is used when the library is not the known build, when the switch is off, or
 * when another block hook is on the engine.
 */
class InlineBlockCountingTest {
  /** mov ecx,1000; loop: dec ecx; jnz loop; hlt. */
  private static final String LOOP_1000 = "b9e8030000ffc975fcf4";
  /** mov ecx,0xFFFFFFFF; loop: dec ecx; jnz loop; hlt. */
  private static final String LONG_LOOP = "b9ffffffff" + "ffc9" + "75fc" + "f4";

  private static Machine blocks(boolean inline) {
    Machine m = TestMachines.builder().instructionCounting(InstructionCounting.BLOCKS).build();
    BlockCounter c = m.clock().blockCounter();
    if (!inline) c.inline(false);
    assertThat(c.inline()).as("%s", InlineBlockCounting.status()).isEqualTo(inline);
    return m;
  }

  @Test
  void inlineCountingIsActiveWithDebiansLibunicorn2() {
    assertThat(InlineBlockCounting.status().active()).as("%s", InlineBlockCounting.status()).isTrue();
    assertThat(InlineBlockCounting.status().detail()).contains("2.0.1.post1-1+b1");
  }

  @Test
  void aLoopCountedInlineGivesTheSameCountBlocksAndStopAsTheHookCall() {
    StopReport[] r = new StopReport[2];
    long[] blocks = new long[2];
    for (int i = 0; i < 2; i++) {
      try (Machine m = blocks(i == 0)) {
        r[i] = m.run(TestMachines.load(m, LOOP_1000), RunLimits.none());
        blocks[i] = m.clock().countedBlocks();
        if (i == 0) {
          assertThat(m.clock().blockCounter().inlineTranslations()).as("translations counting inline").isPositive();
        } else {
          assertThat(m.clock().blockCounter().inlineTranslations()).isZero();
        }
      }
    }
    assertThat(r[0].reason()).isEqualTo(StopReason.HLT);
    assertThat(r[0].instructions()).isEqualTo(1 + 2 * 1000 + 1);
    assertThat(InstructionCountingDifferentialTest.describe(r[0]))
        .isEqualTo(InstructionCountingDifferentialTest.describe(r[1]));
    assertThat(blocks[0]).isEqualTo(blocks[1]);
  }

  @Test
  void everyBudgetOverALoopStopsAtTheSameInstructionInlineAndByTheHookCall() {
    for (long budget = 1; budget <= 40; budget++) {
      String[] d = new String[2];
      for (int i = 0; i < 2; i++) {
        try (Machine m = blocks(i == 0)) {
          long entry = TestMachines.load(m, LOOP_1000);
          // a run to the budget, then one more budget from where it stopped: budgets inside translated loops too
          StopReport first = m.run(entry, RunLimits.instructions(budget));
          StopReport second = m.run(first.rip(), RunLimits.instructions(budget * 7 + 3));
          d[i] = InstructionCountingDifferentialTest.describe(first) + InstructionCountingDifferentialTest.describe(
              second) + m.clock().instructions() + "/" + m.clock().countedBlocks();
        }
      }
      assertThat(d[0]).as("budget %d", budget).isEqualTo(d[1]).contains("BUDGET");
    }
  }

  @Test
  void anotherBlockHookOnTheEngineMakesEveryBlockCallTheCounterWithTheSameCount() {
    try (Machine m = blocks(true)) {
      long[] seen = new long[1];
      Hook other = m.engine().addBlockHook(1, 0, (address, size) -> seen[0]++);
      try {
        StopReport r = m.run(TestMachines.load(m, LOOP_1000), RunLimits.none());
        assertThat(r.instructions()).isEqualTo(1 + 2 * 1000 + 1);
        assertThat(seen[0]).as("the other hook saw every block").isEqualTo(m.clock().countedBlocks());
        assertThat(m.clock().blockCounter().inlineTranslations())
            .as("Unicorn calls helper_uc_tracecode for two block hooks: nothing inline").isZero();
      } finally {
        other.close();
      }
    }
  }

  @Test
  void aLibraryOtherThanDebiansLibunicorn2IsRefusedWithTheReason() {
    long strlen = Pointer.nativeValue(NativeLibrary.getInstance("c").getFunction("strlen"));
    assertThat(InlineBlockCountingAccess.check(strlen)).contains("is not Debian's libunicorn2 2.0.1.post1-1+b1")
        .contains("each block calls the counter's hook");
    long ucOpen = Pointer.nativeValue(UnicornLoader.load().getFunction("uc_open"));
    assertThat(InlineBlockCountingAccess.check(ucOpen)).isNull();
  }

  @Test
  void theSystemPropertyTurnsInlineCountingOff() {
    InlineBlockCounting.Status off = InlineBlockCountingAccess.load("false");
    assertThat(off.active()).isFalse();
    assertThat(off.toString()).contains("disabled by -D" + InlineBlockCounting.PROPERTY + "=false");
  }

  @Test
  void aStopFromAnotherThreadEndsAnInlineCountedLoopAtItsStartWithTheExactCount() throws Exception {
    try (Machine m = blocks(true)) {
      long entry = TestMachines.load(m, LONG_LOOP);
      java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
      Thread stopper = new Thread(() -> {
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
      assertStoppedAtLoopStart(r, entry, StopReason.HOST_STOP);
    }
  }

  @Test
  void theWallClockLimitEndsAnInlineCountedLoopAtItsStartWithTheExactCount() {
    try (Machine m = blocks(true)) {
      long entry = TestMachines.load(m, LONG_LOOP);
      StopReport r = m.run(entry, RunLimits.wallClock(Duration.ofMillis(20)));
      assertStoppedAtLoopStart(r, entry, StopReason.TIMEOUT);
      assertThat(m.clock().blockCounter().inlineTranslations()).isPositive();
    }
  }

  private static void assertStoppedAtLoopStart(StopReport r, long entry, StopReason reason) {
    assertThat(r.reason()).isEqualTo(reason);
    assertThat(r.rip()).isEqualTo(entry + 5);
    long iterations = 0xFFFF_FFFFL - (r.reg(X86Reg.RCX) & 0xFFFF_FFFFL);
    assertThat(iterations).isGreaterThan(1000);
    assertThat(r.instructions()).isEqualTo(1 + 2 * iterations);
  }
}
