package org.efiemu.core.machine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.efiemu.core.machine.TestMachines.load;

import java.time.Duration;
import org.efiemu.core.engine.X86Reg;
import org.junit.jupiter.api.Test;

class MachineStopTest {
  @Test
  void hltEndsTheRunWithAReportNamingHltRipAndBytes() {
    try (Machine m = TestMachines.standard()) {
      long entry = load(m, "48c7c022110000f4"); // mov rax,0x1122; hlt
      StopReport r = m.run(entry, RunLimits.none());
      assertThat(r.reason()).isEqualTo(StopReason.HLT);
      assertThat(r.reg(X86Reg.RAX)).isEqualTo(0x1122);
      assertThat(r.rip()).isEqualTo(entry + 8);
      assertThat(r.toString()).contains("HLT").contains("RIP 0x0000000000200008").contains("RAX")
          .contains("CR3");
    }
  }

  @Test
  void cpuStartsInUefiApplicationEntryState() {
    try (Machine m = TestMachines.standard()) {
      StopReport r = m.run(load(m, "f4"), RunLimits.none());
      assertThat(r.reg(X86Reg.CR0) & 0x8000_0001L).as("PG and PE, also for a 1.5 TiB layout").isEqualTo(0x8000_0001L);
      assertThat(r.reg(X86Reg.CR4) & 0x620).isEqualTo(0x620);
      // LME|LMA; no CPU model of Unicorn 2.0.1 has NX, so it drops EFER.NXE (see Machine javadoc)
      assertThat(r.registers().get("EFER") & 0x500).isEqualTo(0x500);
      assertThat(r.reg(X86Reg.RFLAGS) & 0x200).as("IF").isZero();
      assertThat(r.reg(X86Reg.CR3)).isEqualTo(m.identityCr3());
      assertThat(m.engine().reg(X86Reg.CS)).isEqualTo(LongMode.CODE_SELECTOR);
      assertThat(PageTables.firstNonIdentity(m.memory(), m.identityCr3())).isEmpty();
    }
  }

  @Test
  void layoutBelowOneTibRunsWithPagingOnThroughTheIdentityTables() {
    var layout = org.efiemu.core.memory.PhysicalLayout.builder().ram(0, 0x4000_0000L).build();
    try (Machine m = Machine.builder(layout).cpuStructuresAt(TestMachines.STRUCTURES)
        .stackTop(TestMachines.STACK_TOP).trapRegion(TestMachines.TRAP, 0x1000).build()) {
      StopReport r = m.run(load(m, "48c7c022110000f4"), RunLimits.none());
      assertThat(r.reason()).isEqualTo(StopReason.HLT);
      assertThat(r.reg(X86Reg.CR0) & 0x8000_0001L).isEqualTo(0x8000_0001L);
    }
  }

  @Test
  void ud2StopsWithInvalidOpcode() {
    try (Machine m = TestMachines.standard()) {
      StopReport r = m.run(load(m, "900f0b"), RunLimits.none());
      assertThat(r.reason()).isEqualTo(StopReason.INVALID_OPCODE);
      assertThat(r.rip()).isEqualTo(TestMachines.CODE + 1);
    }
  }

  @Test
  void int3StopsWithBreakpoint() {
    try (Machine m = TestMachines.standard()) {
      StopReport r = m.run(load(m, "90ccf4"), RunLimits.none());
      assertThat(r.reason()).isEqualTo(StopReason.BREAKPOINT);
      assertThat(r.detail()).contains("vector 3");
    }
  }

  @Test
  void instructionBudgetStopsAnEndlessLoopAfterExactlyTheBudget() {
    try (Machine m = TestMachines.standard()) {
      StopReport r = m.run(load(m, "48ffc0ebfb"), RunLimits.instructions(1000)); // 1: inc rax; jmp 1b
      assertThat(r.reason()).isEqualTo(StopReason.BUDGET);
      assertThat(r.reg(X86Reg.RAX)).isEqualTo(500);
    }
  }

  @Test
  void countedModeCountsEveryInstructionOfALoop() {
    try (Machine m = TestMachines.standard()) {
      StopReport r = m.run(load(m, "b9e8030000ffc975fcf4"), RunLimits.none()); // 1000 x (dec; jnz) + mov + hlt
      assertThat(r.reason()).isEqualTo(StopReason.HLT);
      assertThat(r.instructions()).isEqualTo(1 + 2000 + 1);
    }
  }

  @Test
  void budgetInFastModeUsesUnicornsCount() {
    try (Machine m = TestMachines.fast()) {
      StopReport r = m.run(load(m, "48ffc0ebfb"), RunLimits.instructions(1000));
      assertThat(r.reason()).isEqualTo(StopReason.BUDGET);
      assertThat(r.reg(X86Reg.RAX)).isEqualTo(500);
    }
  }

  @Test
  void wallClockLimitStopsAnEndlessLoopWithTimeout() {
    try (Machine m = TestMachines.fast()) {
      StopReport r = m.run(load(m, "48ffc0ebfb"), RunLimits.wallClock(Duration.ofMillis(50)));
      assertThat(r.reason()).isEqualTo(StopReason.TIMEOUT);
      assertThat(r.reg(X86Reg.RAX)).isPositive();
    }
  }

  @Test
  void readOfTheHoleBelowFourGibIsAMemoryFaultNamingTheAddress() {
    try (Machine m = TestMachines.standard()) {
      StopReport r = m.run(load(m, "b8000000c0488b18f4"), RunLimits.none()); // mov eax,0xC0000000; mov rbx,[rax]
      assertThat(r.reason()).isEqualTo(StopReason.MEMORY_FAULT);
      assertThat(r.detail()).contains("READ_UNMAPPED").contains("0xC0000000").contains("not RAM");
    }
  }

  @Test
  void serialOutputOnCom1IsCapturedAndLsrReportsTransmitterEmpty() {
    try (Machine m = TestMachines.standard()) {
      StringBuilder seen = new StringBuilder();
      m.serial().addListener(c -> seen.append((char) c));
      StopReport r = m.run(load(m, "66baf803b048eeb069ee66bafd03ec88c3f4"), RunLimits.none());
      assertThat(r.reason()).isEqualTo(StopReason.HLT);
      assertThat(m.serial().output()).isEqualTo("Hi");
      assertThat(seen).hasToString("Hi");
      assertThat(r.reg(X86Reg.RBX) & 0xFF).isEqualTo(0x60);
    }
  }

  @Test
  void hostRequestedStopFromAnotherThreadEndsTheRun() throws Exception {
    try (Machine m = TestMachines.fast()) {
      Thread stopper = new Thread(() -> {
        try {
          Thread.sleep(30);
        } catch (InterruptedException e) {
          return;
        }
        m.requestStop("test is done");
      });
      stopper.start();
      StopReport r = m.run(load(m, "48ffc0ebfb"), RunLimits.wallClock(Duration.ofSeconds(20)));
      stopper.join();
      assertThat(r.reason()).isEqualTo(StopReason.HOST_STOP);
      assertThat(r.detail()).isEqualTo("test is done");
    }
  }
}
