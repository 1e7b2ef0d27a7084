package org.efiemu.core.machine;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.efiemu.core.engine.Engine;
import org.efiemu.core.engine.Perm;
import org.junit.jupiter.api.Test;

/**
 * Machines in one JVM must not disturb each other. Unicorn 2.0.1 keeps one process-wide flag that chooses the clock
 * its {@code uc_emu_start} timeout thread reads ({@code use_rt_clock}) and resets it to 0 for an instant in every
 * {@code uc_open}'s machine initialisation: a timeout thread that reads the wall-clock time then sees decades pass
 * and stops a run that has nothing to do with the machine being created (the "emulation ended without a recognised
 * cause (UC_ERR_OK)" of parallel runs). A machine therefore never hands a timeout to Unicorn; its wall-clock limit
 * is its own.
 */
class ParallelMachinesTest {
  @Test
  void creatingEnginesOnAnotherThreadNeverEndsARunThatHasAWallClockLimit() throws Exception {
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicInteger opened = new AtomicInteger();
    Thread churn = new Thread(() -> {
      while (running.get()) {
        try (Engine e = Engine.open()) {
          e.map(0, 0x1000, Perm.ALL); // the first call that initialises the engine's machine
        }
        opened.incrementAndGet();
      }
    }, "engine-churn");
    churn.start();
    try (Machine m = TestMachines.standard()) {
      long code = TestMachines.load(m, "90" + "EBFD"); // nop; jmp back to nop
      for (int i = 0; i < 5; i++) {
        StopReport r = m.run(code, new RunLimits(20_000_000, Duration.ofMinutes(2)));
        assertThat(r.reason()).as("run %d (%d engines opened meanwhile): %s", i, opened.get(), r)
            .isEqualTo(StopReason.BUDGET);
      }
    } finally {
      running.set(false);
      churn.join();
    }
    assertThat(opened.get()).isPositive();
  }

  @Test
  void wallClockLimitStillEndsASpinningGuestWithTimeout() {
    try (Machine m = TestMachines.standard()) {
      long code = TestMachines.load(m, "EBFE"); // jmp $
      StopReport r = m.run(code, RunLimits.wallClock(Duration.ofMillis(300)));
      assertThat(r.reason()).isEqualTo(StopReason.TIMEOUT);
      assertThat(r.rip()).isEqualTo(code);
    }
  }
}
