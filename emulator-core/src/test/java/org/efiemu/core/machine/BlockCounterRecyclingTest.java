package org.efiemu.core.machine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.efiemu.core.machine.TestMachines.builder;
import static org.efiemu.core.machine.TestMachines.load;

import org.efiemu.core.engine.ReusableEngine;
import org.junit.jupiter.api.Test;

/**
 * The native block counter of a closed machine is kept for the next machine its thread builds (its 2 MiB cache of
 * block instruction counts cleared slot by slot instead of allocated and zeroed anew): the next machine must count as
 * with a new counter, even for a block at the same address and of the same size as one the earlier machine counted.
 */
class BlockCounterRecyclingTest {
  /** Four NOPs and HLT: 5 instructions in 5 bytes. */
  private static final String FIVE = "90909090f4";
  /** Two 2-byte NOPs (xchg ax, ax) and HLT: 3 instructions in the same 5 bytes. */
  private static final String THREE = "66906690f4";

  /** jmp +0 (so that the block after it is translated while a block ran before: the counter's cache gets it). */
  private static final String JUMP = "eb00";

  /**
   * Runs {@code JUMP + code} from the jump (the code's block is counted from the counter's cache, filled when it was
   * translated) or, {@code direct}, from the code itself (a run's first block: Unicorn tells no translation before it,
   * so a count left in the cache by an earlier machine would be used): the instructions after the jump.
   */
  private static long instructions(Machine m, String code, boolean direct) {
    long entry = load(m, JUMP + code);
    StopReport r = m.run(direct ? entry + 2 : entry, RunLimits.none());
    assertThat(r.reason()).isEqualTo(StopReason.HLT);
    return r.instructions() - (direct ? 0 : 1);
  }

  private static long instructions(Machine m, String code) {
    return instructions(m, code, true);
  }

  @Test
  void aRecycledCounterCountsABlockAtAnAddressAndSizeAnEarlierMachineCountedByItsOwnInstructions() {
    for (int round = 0; round < 4; round++) {
      try (Machine m = builder().build()) {
        assertThat(instructions(m, FIVE, false)).as("round %d, new engine", round).isEqualTo(5);
      }
      try (Machine m = builder().build()) {
        assertThat(instructions(m, THREE, true)).as("round %d, new engine", round).isEqualTo(3);
      }
    }
    try (ReusableEngine engine = new ReusableEngine()) {
      for (int round = 0; round < 4; round++) {
        try (Machine m = builder().engine(engine).build()) {
          boolean five = round % 2 == 0;
          assertThat(instructions(m, five ? FIVE : THREE, !five)).isEqualTo(five ? 5 : 3);
        }
      }
    }
  }

  @Test
  void machinesOnManyThreadsCountTheirOwnCodeWhileCountersAreRecycled() throws Exception {
    Thread[] threads = new Thread[3];
    Throwable[] failure = new Throwable[1];
    for (int t = 0; t < threads.length; t++) {
      final int id = t;
      threads[t] = new Thread(() -> {
        try {
          for (int i = 0; i < 6; i++) {
            try (Machine m = builder().build()) {
              boolean five = (i + id) % 2 == 0;
              assertThat(instructions(m, five ? FIVE : THREE)).isEqualTo(five ? 5 : 3);
            }
          }
        } catch (Throwable e) {
          synchronized (failure) {
            failure[0] = e;
          }
        }
      });
      threads[t].start();
    }
    for (Thread t : threads) {
      t.join();
    }
    assertThat(failure[0]).isNull();
  }
}
