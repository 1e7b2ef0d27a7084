package org.efiemu.core.machine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.efiemu.core.machine.TestMachines.load;

import org.efiemu.core.clock.InstructionCounting;
import org.efiemu.core.engine.X86Reg;
import org.junit.jupiter.api.Test;

/**
 * RDTSC reads the virtual clock in code nobody declared (as in an image another loader loaded, or code written at
 * run time): {@link org.efiemu.core.clock.RdtscDiscovery} finds it when Unicorn translates the block, and no hook is
 * placed on the same bytes where they are data.
 */
class RdtscDiscoveryTest {
  private static Machine blocks() {
    return TestMachines.builder().instructionCounting(InstructionCounting.BLOCKS).build();
  }

  /** jmp over 2 data bytes 0F 31; then rdtsc; shl rdx,32; or rax,rdx; mov rbx,rax; nop; nop; rdtsc; ...; hlt. */
  private static final String JUMP_OVER_DATA = "eb020f31" + "0f3148c1e2204809d04889c390900f3148c1e2204809d0f4";

  private static long[] undeclared() {
    try (Machine m = blocks()) {
      assertThat(m.rdtscDiscovered()).isTrue();
      long entry = load(m, JUMP_OVER_DATA);
      StopReport r = m.run(entry, RunLimits.none());
      assertThat(r.reason()).isEqualTo(StopReason.HLT);
      assertThat(m.rdtscSites()).as("the two instructions, not the data bytes between jmp and its target").isEqualTo(2);
      return new long[] {r.reg(X86Reg.RBX), r.reg(X86Reg.RAX), r.instructions(), m.clock().cycles()};
    }
  }

  @Test
  void rdtscInUndeclaredCodeReadsTheVirtualClockAndDataBytesGetNoHook() {
    long[] first = undeclared();
    assertThat(undeclared()).containsExactly(first);
    assertThat(first[0]).as("first RDTSC after one instruction (jmp): virtual cycles, not the host's TSC").isLessThan(100);
    assertThat(first[1] - first[0]).isEqualTo(6 + 20); // 6 instructions at 1 cycle, plus the first read's cost
    assertThat(first[2]).as("jmp + 9 instructions + hlt: the discovery stop counts nothing").isEqualTo(11);
  }

  @Test
  void rdtscInCodeWrittenAtRunTimeReadsTheVirtualClockTheSameAsPerInstructionWithDeclaredCode() {
    // mov dword [0x300000], 0x00c3310f (rdtsc; ret); mov eax, 0x300000; call rax; hlt
    String code = "c70425000030000f31c300" + "b800003000" + "ffd0" + "f4";
    long[] byBlock;
    try (Machine m = blocks()) {
      StopReport r = m.run(load(m, code), RunLimits.none());
      assertThat(r.reason()).isEqualTo(StopReason.HLT);
      byBlock = new long[] {r.reg(X86Reg.RAX), r.reg(X86Reg.RDX), r.instructions(), m.clock().cycles()};
    }
    try (Machine m = TestMachines.builder().instructionCounting(InstructionCounting.PER_INSTRUCTION).build()) {
      long entry = load(m, code);
      m.memory().write(0x300000, TestMachines.hex("0f31c3"));
      m.declareCode(0x300000, 3); // per instruction, RDTSC is virtualised in declared code only
      m.memory().write(0x300000, new byte[3]);
      StopReport r = m.run(entry, RunLimits.none());
      assertThat(new long[] {r.reg(X86Reg.RAX), r.reg(X86Reg.RDX), r.instructions(), m.clock().cycles()})
          .containsExactly(byBlock);
    }
    assertThat(byBlock[0]).isLessThan(100);
    assertThat(byBlock[1]).isZero();
  }

  /** 8 blocks, each {@code rdtsc; add rbx, rax; jmp next} (the jmp ends the block), then hlt. */
  private static final String EIGHT_RDTSC_BLOCKS = "0f314801c3eb00".repeat(8) + "f4";

  @Test
  void newBlocksHoldingRdtscAreCheckedInsideTheRunWithoutStoppingTheRunLoopAndReadAsPerInstruction() {
    long[] byBlock;
    try (Machine m = blocks()) {
      StopReport r = m.run(load(m, EIGHT_RDTSC_BLOCKS), RunLimits.none());
      assertThat(r.reason()).isEqualTo(StopReason.HLT);
      long[] stats = m.rdtscDiscoveryStatistics();
      // the first block is the engine's first, checked by the machine before the run (Unicorn does not report it)
      assertThat(stats[1]).as("new blocks checked").isEqualTo(7);
      assertThat(stats[2]).as("of them inside the run, without a return from uc_emu_start").isEqualTo(7);
      assertThat(m.rdtscSites()).isEqualTo(8);
      byBlock = new long[] {r.reg(X86Reg.RBX), r.instructions(), m.clock().cycles()};
    }
    try (Machine m = TestMachines.builder().instructionCounting(InstructionCounting.PER_INSTRUCTION).build()) {
      long entry = load(m, EIGHT_RDTSC_BLOCKS);
      m.declareCode(entry, EIGHT_RDTSC_BLOCKS.length() / 2);
      StopReport r = m.run(entry, RunLimits.none());
      assertThat(r.reason()).isEqualTo(StopReason.HLT);
      assertThat(new long[] {r.reg(X86Reg.RBX), r.instructions(), m.clock().cycles()}).containsExactly(byBlock);
    }
    assertThat(byBlock[1]).isEqualTo(8 * 3 + 1);
  }
}
