package org.efiemu.core.machine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.efiemu.core.machine.TestMachines.CODE;
import static org.efiemu.core.machine.TestMachines.builder;
import static org.efiemu.core.machine.TestMachines.load;

import org.efiemu.core.engine.Engine;
import org.efiemu.core.engine.ReusableEngine;
import org.efiemu.core.engine.X86Reg;
import org.efiemu.core.memory.PhysicalLayout;
import org.junit.jupiter.api.Test;

/**
 * A machine built on a lent engine ({@link ReusableEngine}) runs exactly as on a new engine: code an earlier machine
 * had translated at the same address is not run again once the bytes there changed, RAM the earlier machine had is
 * gone when the new layout has none there, RDTSC sites are found again, and counts and virtual time are the same.
 */
class ReusableEngineTest {
  /** mov rax, N; inc rax; hlt (the same page and address in every machine). */
  private static String movIncHlt(int n) {
    return String.format("48c7c0%02x000000" + "48ffc0" + "f4", n);
  }

  /** rdtsc; shl rdx,32; or rax,rdx; mov rbx,rax; nop; nop; rdtsc; shl rdx,32; or rax,rdx; hlt. */
  private static final String RDTSC_TWICE = "0f3148c1e2204809d04889c390900f3148c1e2204809d0f4";

  private static long[] run(Machine m, String code) {
    long entry = load(m, code);
    StopReport r = m.run(entry, RunLimits.none());
    assertThat(r.reason()).isEqualTo(StopReason.HLT);
    return new long[] {r.reg(X86Reg.RAX), r.reg(X86Reg.RBX), r.instructions(), m.clock().cycles(), m.rdtscSites()};
  }

  @Test
  void codeThatChangedAtAnAddressAnEarlierMachineRanIsRunAsTheNewCodeNotTheTranslatedOldOne() {
    try (ReusableEngine engine = new ReusableEngine()) {
      for (int n = 1; n <= 5; n++) {
        try (Machine m = builder().engine(engine).build()) {
          long[] r = run(m, movIncHlt(n));
          assertThat(r[0]).as("machine %d runs its own code", n).isEqualTo(n + 1);
          assertThat(r[2]).isEqualTo(3);
        }
      }
      assertThat(engine.lends()).isEqualTo(5);
    }
  }

  @Test
  void withoutInstructionCountingTooCodeThatChangedIsRunAsTheNewCode() {
    // no hook over all code here, whose removal would drop every block it instrumented: the give-back must do it
    try (ReusableEngine engine = new ReusableEngine()) {
      for (int n = 1; n <= 5; n++) {
        try (Machine m = builder().clock(org.efiemu.core.clock.ClockMode.HOST_EVENTS, 1, 100).engine(engine).build()) {
          assertThat(run(m, movIncHlt(n))[0]).as("machine %d runs its own code", n).isEqualTo(n + 1);
        }
      }
    }
  }

  @Test
  void codeChangedByTheHostInsideTheSameMachineBehavesAsOnANewEngine() {
    // a new engine keeps a block it translated when the host rewrites its bytes (Unicorn 2.0.1 drops nothing on
    // uc_mem_write); a lent engine must do the same within one machine, and forget it for the next
    long[] fresh;
    try (Machine m = builder().build()) {
      run(m, movIncHlt(1));
      fresh = run(m, movIncHlt(7));
    }
    try (ReusableEngine engine = new ReusableEngine()) {
      try (Machine warm = builder().engine(engine).build()) {
        run(warm, movIncHlt(3));
      }
      try (Machine m = builder().engine(engine).build()) {
        run(m, movIncHlt(1));
        assertThat(run(m, movIncHlt(7))).containsExactly(fresh);
      }
      try (Machine m = builder().engine(engine).build()) {
        assertThat(run(m, movIncHlt(7))[0]).isEqualTo(8);
      }
    }
  }

  @Test
  void ramAnEarlierMachineHadIsNotThereWhenTheNextMachineHasNoneThere() {
    PhysicalLayout noCode = PhysicalLayout.builder().ram(0, 0xA0000).ram(0x400000, 0x1000_0000L).build();
    StopReport fresh;
    try (Machine m = Machine.builder(noCode).cpuStructuresAt(TestMachines.STRUCTURES).stackTop(TestMachines.STACK_TOP)
        .trapRegion(TestMachines.TRAP, 0x1000).build()) {
      fresh = m.run(CODE, RunLimits.none());
    }
    assertThat(fresh.reason()).isEqualTo(StopReason.MEMORY_FAULT);
    try (ReusableEngine engine = new ReusableEngine()) {
      try (Machine m = builder().engine(engine).build()) {
        run(m, movIncHlt(1));
      }
      try (Machine m = Machine.builder(noCode).cpuStructuresAt(TestMachines.STRUCTURES).stackTop(TestMachines.STACK_TOP)
          .trapRegion(TestMachines.TRAP, 0x1000).engine(engine).build()) {
        StopReport r = m.run(CODE, RunLimits.none());
        assertThat(r.reason()).isEqualTo(StopReason.MEMORY_FAULT);
        assertThat(r.detail()).isEqualTo(fresh.detail());
        assertThat(r.instructions()).isEqualTo(fresh.instructions());
        assertThat(m.engine().isHostBacked(CODE, 1)).isFalse();
      }
    }
  }

  @Test
  void rdtscSitesAnEarlierMachineFoundAreFoundAgainAndReadTheNewMachinesClock() {
    long[] fresh;
    try (Machine m = builder().build()) {
      fresh = run(m, RDTSC_TWICE);
    }
    assertThat(fresh[4]).isEqualTo(2);
    try (ReusableEngine engine = new ReusableEngine()) {
      for (int i = 0; i < 3; i++) {
        try (Machine m = builder().engine(engine).build()) {
          assertThat(run(m, RDTSC_TWICE)).as("machine %d", i).containsExactly(fresh);
        }
      }
    }
  }

  @Test
  void registersAndMemoryOfAnEarlierMachineAreNotSeenByTheNext() {
    try (ReusableEngine engine = new ReusableEngine()) {
      try (Machine m = builder().engine(engine).build()) {
        // mov rbx, 0x1234; mov [0x300000], rbx; hlt
        run(m, "48c7c334120000" + "48891c2500003000" + "f4");
        m.engine().reg(X86Reg.R12, 0x5555);
        m.engine().xmm(3, 7, 9);
      }
      try (Machine fresh = builder().build(); Machine m = builder().engine(engine).build()) {
        for (X86Reg r : X86Reg.GENERAL) {
          assertThat(m.engine().reg(r)).as("%s", r).isEqualTo(fresh.engine().reg(r));
        }
        assertThat(m.engine().xmm(3)).containsExactly(fresh.engine().xmm(3));
        assertThat(m.memory().u64(0x300000)).isZero();
        assertThat(m.engine().saveContext()).isEqualTo(fresh.engine().saveContext());
      }
    }
  }

  @Test
  void anEngineIsLentToOneMachineAtATimeAndTheOldMachinesEngineIsClosed() {
    try (ReusableEngine engine = new ReusableEngine()) {
      Machine first = builder().engine(engine).build();
      Engine firstEngine = first.engine();
      assertThatThrownBy(() -> builder().engine(engine).build()).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("one machine at a time");
      first.close();
      assertThat(firstEngine.isOpen()).isFalse();
      try (Machine second = builder().engine(engine).build()) {
        assertThat(second.engine()).isNotSameAs(firstEngine);
        assertThat(second.engine().handle()).isNotZero();
      }
    }
  }

  @Test
  void aNewNativeEngineReplacesTheOldAfterMaxLendsMachinesAndRunsTheSame() {
    try (ReusableEngine engine = new ReusableEngine()) {
      for (int n = 0; n < ReusableEngine.MAX_LENDS + 2; n++) {
        try (Machine m = builder().engine(engine).build()) {
          assertThat(run(m, movIncHlt(n & 0x7F))[0]).isEqualTo((n & 0x7F) + 1);
        }
      }
    }
  }
}
