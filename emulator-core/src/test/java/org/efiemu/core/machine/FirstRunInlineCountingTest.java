package org.efiemu.core.machine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.efiemu.core.clock.BlockCounter;
import org.efiemu.core.clock.InlineBlockCounting;
import org.efiemu.core.clock.InstructionCounting;
import org.junit.jupiter.api.Test;

/**
 * A translation's first run counted inline ({@link InlineBlockCounting}: the count read from the translation Unicorn
 * just made, with no call of the C hook): code whose every block runs exactly once, so every count comes from a first
 * run, gives the same count, registers, RIP and budget stops as the per-instruction counter and as the hook called at
 * every block, while the hook is in fact not called for those blocks.
 */
class FirstRunInlineCountingTest {
  /** Blocks of straight code, each run once: 1-7 instructions, then a jump to the next one. */
  private static final int BLOCKS = 3000;

  /** Instructions with no 0F byte (the RDTSC discovery would stop at those): nop, inc, add, lea, add imm32, xor, mov. */
  private static final String[] INSNS = {"90", "ffc0", "4883c305", "488d4901", "4881c244332211", "31f6", "4889c7"};

  private record Code(String hex, long instructions) {}

  /** Block i: (i * 5 % 7) + 1 instructions, then jmp +0 (or je +0 every third block); hlt at the end. */
  private static Code onceRunCode() {
    StringBuilder hex = new StringBuilder();
    long count = 0;
    for (int i = 0; i < BLOCKS; i++) {
      int k = (i * 5 % 7) + 1;
      for (int j = 0; j < k; j++) hex.append(INSNS[(i + j) % INSNS.length]);
      hex.append(i % 3 == 2 ? "7400" : "eb00");
      count += k + 1;
    }
    hex.append("f4");
    return new Code(hex.toString(), count + 1);
  }

  private enum Way { INLINE, CALL, PER_INSTRUCTION }

  private static Machine machine(Way way) {
    Machine m = TestMachines.builder().instructionCounting(
        way == Way.PER_INSTRUCTION ? InstructionCounting.PER_INSTRUCTION : InstructionCounting.BLOCKS).build();
    if (way == Way.CALL) m.clock().blockCounter().inline(false);
    if (way == Way.INLINE) {
      assertThat(m.clock().blockCounter().inline()).as("%s", InlineBlockCounting.status()).isTrue();
    }
    return m;
  }

  private static long load(Machine m, Code code) {
    long entry = TestMachines.load(m, code.hex());
    m.declareCode(entry, code.hex().length() / 2);
    return entry;
  }

  @Test
  void codeThatRunsOnceIsCountedInlineFromEachTranslationsFirstRunWithTheExactCount() {
    Code code = onceRunCode();
    String[] d = new String[Way.values().length];
    long[] blocks = new long[Way.values().length];
    for (Way way : Way.values()) {
      try (Machine m = machine(way)) {
        StopReport r = m.run(load(m, code), RunLimits.none());
        assertThat(r.reason()).as("%s", way).isEqualTo(StopReason.HLT);
        assertThat(r.instructions()).as("%s", way).isEqualTo(code.instructions());
        d[way.ordinal()] = InstructionCountingDifferentialTest.describe(r) + m.clock().instructions();
        if (way != Way.PER_INSTRUCTION) blocks[way.ordinal()] = m.clock().countedBlocks();
        if (way == Way.INLINE) {
          BlockCounter c = m.clock().blockCounter();
          assertThat(c.inlineFromTheirFirstRun()).as("translations counting inline from their first run")
              .isGreaterThanOrEqualTo(BLOCKS);
          assertThat(c.hookCalls()).as("calls of the C hook for %d blocks run once", BLOCKS).isLessThan(BLOCKS / 100);
        }
        if (way == Way.CALL) {
          assertThat(m.clock().blockCounter().hookCalls()).isEqualTo(m.clock().countedBlocks());
        }
      }
    }
    assertThat(d[Way.INLINE.ordinal()]).isEqualTo(d[Way.PER_INSTRUCTION.ordinal()]).isEqualTo(d[Way.CALL.ordinal()]);
    assertThat(blocks[Way.INLINE.ordinal()]).isEqualTo(blocks[Way.CALL.ordinal()]).isGreaterThan(BLOCKS);
  }

  @Test
  void budgetsInCodeThatRunsOnceStopAtTheSameInstructionInlineByTheCallAndPerInstruction() {
    Code code = onceRunCode();
    List<Long> budgets = new ArrayList<>();
    for (long b = 1; b <= 24; b++) budgets.add(b);
    for (long b : new long[] {97, 1000, 4321, 9999, code.instructions() / 2 + 3}) budgets.add(b);
    for (long b = code.instructions() - 2; b <= code.instructions() + 1; b++) budgets.add(b);
    for (long budget : budgets) {
      String[] d = new String[Way.values().length];
      for (Way way : Way.values()) {
        try (Machine m = machine(way)) {
          // a run to the budget, then one to the end from where it stopped (the rest of the code runs once too)
          StopReport first = m.run(load(m, code), RunLimits.instructions(budget));
          StopReport second = first.reason() == StopReason.HLT ? first : m.run(first.rip(), RunLimits.none());
          d[way.ordinal()] = InstructionCountingDifferentialTest.describe(first)
              + InstructionCountingDifferentialTest.describe(second) + m.clock().instructions();
        }
      }
      assertThat(d[Way.INLINE.ordinal()]).as("budget %d", budget).isEqualTo(d[Way.PER_INSTRUCTION.ordinal()])
          .isEqualTo(d[Way.CALL.ordinal()]);
      if (budget < code.instructions()) assertThat(d[Way.INLINE.ordinal()]).as("budget %d", budget).contains("BUDGET");
    }
  }

  @Test
  void theCodeHasNoByteTheRdtscDiscoveryStopsAt() {
    byte[] bytes = HexFormat.of().parseHex(onceRunCode().hex());
    for (byte b : bytes) assertThat(b).isNotEqualTo((byte) 0x0F);
  }
}
