package org.efiemu.core.machine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.efiemu.core.machine.TestMachines.CODE;
import static org.efiemu.core.machine.TestMachines.builder;
import static org.efiemu.core.machine.TestMachines.hex;
import static org.efiemu.core.machine.TestMachines.load;

import java.util.concurrent.atomic.AtomicLong;
import org.efiemu.core.clock.ClockMode;
import org.efiemu.core.engine.Hook;
import org.efiemu.core.engine.ReusableEngine;
import org.efiemu.core.engine.UnicornLib;
import org.efiemu.core.engine.X86Reg;
import org.efiemu.core.memory.PhysicalLayout;
import org.junit.jupiter.api.Test;

/**
 * Translated code a reused engine keeps from one machine to the next (counting by block with the call, as the
 * scenario runner does) runs exactly as the code a new engine would translate: one test per condition of {@code
 * KeptTranslations} that fails when that condition is not handled.
 */
class KeptTranslationsTest {
  /** mov rax, N; inc rax; hlt. */
  private static String movIncHlt(int n) {
    return String.format("48c7c0%02x000000" + "48ffc0" + "f4", n);
  }

  /** Six blocks run once each (jmp to the next instruction ends a block), then mov rax, 7; hlt. */
  private static final String JUMPS = "eb00" + "eb00" + "eb00" + "eb00" + "eb00" + "48c7c007000000" + "f4";

  private static Machine machine(ReusableEngine engine) {
    Machine m = builder().engine(engine).build();
    m.clock().blockCounter().inline(false);
    return m;
  }

  private static long[] run(Machine m, long entry) {
    StopReport r = m.run(entry, RunLimits.none());
    assertThat(r.reason()).isEqualTo(StopReason.HLT);
    return new long[] {r.reg(X86Reg.RAX), r.instructions(), m.clock().cycles()};
  }

  private static long[] fresh(String code) {
    try (Machine m = builder().build()) {
      m.clock().blockCounter().inline(false);
      return run(m, load(m, code));
    }
  }

  @Test
  void unchangedCodeIsKeptRunsAsOnANewEngineAndItsCountsComeFromTheKeptCache() {
    long[] expected = fresh(JUMPS);
    try (ReusableEngine engine = new ReusableEngine(true, true)) {
      for (int i = 0; i < 3; i++) {
        try (Machine m = machine(engine)) {
          assertThat(run(m, load(m, JUMPS))).as("machine %d", i).containsExactly(expected);
          if (i > 0) {
            // every block ran once here and was not translated here: its count can only come from the cache kept
            // (but the first block's: the very first block of a native engine is translated without the edge hook
            // that fills the cache)
            assertThat(m.clock().blockCounter().blocks()).isEqualTo(6);
            assertThat(m.clock().blockCounter().cachedBlocks()).as("machine %d", i).isEqualTo(5);
          }
        }
      }
      ReusableEngine.KeptCode k = engine.keptTranslations();
      assertThat(k.machinesKept()).as("%s", k).isEqualTo(3);
      assertThat(k.machinesWithKeptCode()).as("%s", k).isEqualTo(2);
      assertThat(k.pagesKept()).as("%s", k).isPositive();
      assertThat(k.pagesRewritten()).as("%s", k).isZero();
    }
  }

  @Test
  void aPageRewrittenBetweenMachinesRunsTheNewBytes() {
    try (ReusableEngine engine = new ReusableEngine(true, true)) {
      for (int n = 1; n <= 4; n++) {
        try (Machine m = machine(engine)) {
          assertThat(run(m, load(m, movIncHlt(n)))[0]).as("machine %d runs its own code", n).isEqualTo(n + 1);
        }
      }
      assertThat(engine.keptTranslations().pagesRewritten()).as("%s", engine.keptTranslations()).isGreaterThanOrEqualTo(3);
    }
  }

  @Test
  void aMachineThatAddsACodeHookOverAllCodeDoesNotRunKeptCode() {
    try (ReusableEngine engine = new ReusableEngine(true, true)) {
      try (Machine m = machine(engine)) {
        run(m, load(m, JUMPS));
      }
      try (Machine m = machine(engine)) {
        AtomicLong seen = new AtomicLong();
        m.engine().addCodeHook(1, 0, (address, size) -> seen.incrementAndGet());
        long[] r = run(m, load(m, JUMPS));
        assertThat(r[0]).isEqualTo(7);
        assertThat(seen.get()).as("the hook sees every instruction, as on a new engine").isEqualTo(r[1]);
      }
      try (Machine m = machine(engine)) { // a machine with such a hook kept nothing
        assertThat(run(m, load(m, JUMPS))).containsExactly(fresh(JUMPS));
      }
      // the code of the machine with the hook was all translated with it: none of it was kept for the third
      assertThat(engine.keptTranslations().foreignKeeps()).isEqualTo(1);
      assertThat(engine.keptTranslations().machinesWithKeptCode()).isZero();
    }
  }

  @Test
  void aMachineCountingInlineDoesNotRunKeptCodeCountedWithTheCall() {
    try (ReusableEngine engine = new ReusableEngine(true, true)) {
      try (Machine m = machine(engine)) {
        run(m, load(m, JUMPS));
      }
      try (Machine m = builder().engine(engine).build()) { // inline counting left on
        long[] r = run(m, load(m, JUMPS));
        assertThat(r).containsExactly(fresh(JUMPS));
        if (m.clock().blockCounter().inline()) {
          // every block was translated in this machine, with the inline ops
          assertThat(m.clock().blockCounter().inlineTranslations()).isGreaterThanOrEqualTo(6);
        }
      }
    }
  }

  @Test
  void aKeptRegionTheNextMachineDoesNotClaimLosesItsCodeBeforeItIsUnmapped() {
    PhysicalLayout noCode = PhysicalLayout.builder().ram(0, 0xA0000).ram(0x400000, 0x1000_0000L).build();
    try (ReusableEngine engine = new ReusableEngine(true, true)) {
      try (Machine m = machine(engine)) {
        assertThat(run(m, load(m, movIncHlt(1)))[0]).isEqualTo(2);
      }
      try (Machine m = Machine.builder(noCode).cpuStructuresAt(TestMachines.STRUCTURES)
          .stackTop(TestMachines.STACK_TOP).trapRegion(TestMachines.TRAP, 0x1000).engine(engine).build()) {
        m.clock().blockCounter().inline(false);
        assertThat(m.run(CODE, RunLimits.none()).reason()).isEqualTo(StopReason.MEMORY_FAULT);
      }
      assertThat(engine.keptTranslations().pagesDropped()).as("%s", engine.keptTranslations()).isPositive();
      // RAM mapped at that address again (a new RAM block, which may reuse the old one's offset): the new code runs
      try (Machine m = machine(engine)) {
        assertThat(run(m, load(m, movIncHlt(3)))[0]).isEqualTo(4);
      }
    }
  }

  @Test
  void aMachineThatDoesNotRunDropsTheKeptCodeOfRegionsItDidNotClaim() {
    // the second machine's page tables end below the kept code: its removal must not depend on them
    PhysicalLayout small = PhysicalLayout.builder().ram(0, 0xA0000).ram(0x100000, 0x80000).build();
    try (ReusableEngine engine = new ReusableEngine(true, true)) {
      try (Machine m = machine(engine)) {
        assertThat(run(m, load(m, movIncHlt(1)))[0]).isEqualTo(2);
      }
      try (Machine m = Machine.builder(small).cpuStructuresAt(TestMachines.STRUCTURES)
          .stackTop(TestMachines.STACK_TOP).trapRegion(TestMachines.TRAP, 0x1000).engine(engine).build()) {
        m.clock().blockCounter().inline(false); // built and closed without a run
      }
      try (Machine m = machine(engine)) {
        assertThat(run(m, load(m, movIncHlt(3)))[0]).isEqualTo(4);
      }
      try (Machine m = machine(engine)) {
        assertThat(run(m, load(m, movIncHlt(3)))).containsExactly(fresh(movIncHlt(3)));
      }
    }
  }

  @Test
  void aHostWriteOverKeptCodeAfterTheFirstRunRunsTheNewBytes() {
    long other = CODE + 0x1000;
    try (ReusableEngine engine = new ReusableEngine(true, true)) {
      try (Machine m = machine(engine)) {
        m.memory().write(other, hex("f4"));
        run(m, other);
        assertThat(run(m, load(m, movIncHlt(5)))[0]).isEqualTo(6);
      }
      try (Machine m = machine(engine)) {
        load(m, movIncHlt(5)); // the same bytes as before the first run: the page's code is kept
        m.memory().write(other, hex("f4"));
        run(m, other);
        assertThat(engine.keptTranslations().machinesWithKeptCode()).isEqualTo(1);
        load(m, movIncHlt(9)); // the code not run yet in this machine is rewritten by the host
        assertThat(run(m, CODE)[0]).as("a new engine translates the new bytes").isEqualTo(10);
      }
      assertThat(engine.keptTranslations().lateDrops()).as("%s", engine.keptTranslations()).isPositive();
    }
  }

  @Test
  void aMachineWithoutTheBlockCounterRunsItsOwnCodeAfterAKeepingOne() {
    try (ReusableEngine engine = new ReusableEngine(true, true)) {
      try (Machine m = machine(engine)) {
        run(m, load(m, movIncHlt(1)));
      }
      try (Machine m = builder().clock(ClockMode.HOST_EVENTS, 1, 100).engine(engine).build()) {
        StopReport r = m.run(load(m, movIncHlt(1)), RunLimits.none());
        assertThat(r.reg(X86Reg.RAX)).isEqualTo(2);
      }
      try (Machine m = machine(engine)) {
        assertThat(run(m, load(m, movIncHlt(1)))).containsExactly(fresh(movIncHlt(1)));
      }
    }
  }

  @Test
  void withTheSwitchOffNothingIsKept() {
    try (ReusableEngine engine = new ReusableEngine(true, false)) {
      for (int i = 0; i < 3; i++) {
        try (Machine m = machine(engine)) {
          assertThat(run(m, load(m, JUMPS))).containsExactly(fresh(JUMPS));
          if (i > 0) assertThat(m.clock().blockCounter().cachedBlocks()).isZero();
        }
      }
      assertThat(engine.keepsTranslations()).isFalse();
      assertThat(engine.keptTranslations().machinesKept()).isZero();
    }
  }

  // ---- memory hooks (read when loads and stores are translated; Engine#memoryTranslationMode)

  private static final long WATCHED = 0x300000;

  /**
   * mov rbx, 1; mov [WATCHED], rbx; jmp next; mov rax, 0xD0000000; mov [rax], rbx (no RAM there: the run stops);
   * hlt. Where the run
   * stops tells how the second block was translated: Unicorn 2.0.1 syncs RIP before each store only in code translated
   * while a write hook exists, so RIP is the faulting store's address then and the block's start otherwise.
   */
  private static final String STORES = "48c7c301000000" + "48891c2500003000" + "eb00" + "48b8000000d000000000"
      + "488918" + "f4";
  private static final long FAULTING_BLOCK = CODE + 7 + 8 + 2;

  private static long[] runStores(Machine m, boolean hook, AtomicLong watchedStores) {
    Hook h = hook ? m.engine().addMemoryHook(UnicornLib.UC_HOOK_MEM_WRITE, WATCHED, WATCHED + 0xFFF,
        (access, address, size, value) -> watchedStores.incrementAndGet()) : null;
    StopReport r = m.run(load(m, STORES), RunLimits.none());
    assertThat(r.reason()).isEqualTo(StopReason.MEMORY_FAULT);
    if (h != null) h.close();
    return new long[] {r.reg(X86Reg.RIP), r.instructions(), m.clock().cycles()};
  }

  private static long[] freshStores(boolean hook) {
    try (Machine m = builder().build()) {
      m.clock().blockCounter().inline(false);
      return runStores(m, hook, new AtomicLong());
    }
  }

  @Test
  void codeTranslatedWhileAWriteHookExistedIsNotRunByANextMachineWithoutOne() {
    long[] without = freshStores(false);
    long[] with = freshStores(true);
    assertThat(with[0]).as("the two translations differ where a run can see it").isNotEqualTo(without[0]);
    assertThat(without[0]).isEqualTo(FAULTING_BLOCK);
    try (ReusableEngine engine = new ReusableEngine(true, true)) {
      try (Machine m = machine(engine)) {
        assertThat(runStores(m, true, new AtomicLong())).containsExactly(with);
      }
      try (Machine m = machine(engine)) {
        assertThat(runStores(m, false, new AtomicLong())).as("as on a new engine without the hook").containsExactly(without);
      }
      assertThat(engine.keptTranslations().blocksModeDropped()).as("%s", engine.keptTranslations()).isPositive();
      assertThat(engine.keptTranslations().machinesWithHookedCode()).isZero();
    }
  }

  @Test
  void codeTranslatedWhileAWriteHookExistedRunsInANextMachineWithAWriteHookBeforeItsFirstRun() {
    long[] with = freshStores(true);
    try (ReusableEngine engine = new ReusableEngine(true, true)) {
      for (int i = 0; i < 3; i++) {
        try (Machine m = machine(engine)) {
          AtomicLong watched = new AtomicLong();
          assertThat(runStores(m, true, watched)).as("machine %d", i).containsExactly(with);
          assertThat(watched.get()).as("the hook sees the store of kept code too").isEqualTo(1);
          if (i > 0) {
            // both blocks ran here without being translated here (the first one is a native engine's very first
            // block, whose count is not in the cache kept)
            assertThat(m.rdtscDiscoveryStatistics()[0]).as("translations in machine %d", i).isZero();
            assertThat(m.clock().blockCounter().cachedBlocks()).as("machine %d", i).isEqualTo(1);
          }
        }
      }
      ReusableEngine.KeptCode k = engine.keptTranslations();
      assertThat(k.machinesWithHookedCode()).as("%s", k).isEqualTo(2);
      assertThat(k.hookedBlocksKept()).as("%s", k).isPositive();
      assertThat(k.blocksModeDropped()).as("%s", k).isZero();
    }
  }

  /**
   * mov rbx, 1; mov [WATCHED], rbx; jmp to a second page (nop; jmp back); mov rax, 0xD0000000; mov [rax], rbx; hlt.
   * A code hook on the second page can add a write hook between the translations of the first and the last block.
   */
  private static final String AROUND = "48c7c301000000" + "48891c2500003000" + "e9ec0f0000" + "48b8000000d000000000"
      + "488918" + "f4";
  private static final String BACK = "90" + "e90ef0ffff";

  private static StopReport runAround(Machine m, boolean addWriteHookOnTheSecondPage) {
    m.memory().write(CODE + 0x1000, hex(BACK));
    if (addWriteHookOnTheSecondPage) {
      Hook[] h = new Hook[1];
      m.engine().addCodeHook(CODE + 0x1000, CODE + 0x1000, (address, size) -> {
        if (h[0] == null) h[0] = m.engine().addMemoryHook(UnicornLib.UC_HOOK_MEM_WRITE, WATCHED, WATCHED + 0xFFF,
            (access, a, sz, v) -> { });
      });
    }
    StopReport r = m.run(load(m, AROUND), RunLimits.none());
    assertThat(r.reason()).isEqualTo(StopReason.MEMORY_FAULT);
    return r;
  }

  @Test
  void aMachineWhoseWriteHookCameDuringItsRunKeepsTheBlocksTranslatedBeforeItForAMachineWithout() {
    long lastBlock = CODE + 20;
    try (ReusableEngine engine = new ReusableEngine(true, true)) {
      try (Machine m = machine(engine)) { // the same code without the hook first: the first block is kept from here
        runAround(m, false);
      }
      try (Machine m = machine(engine)) {
        assertThat(runAround(m, true).reg(X86Reg.RIP)).as("the last block translated with the hook").isNotEqualTo(lastBlock);
        // the first block ran from the code kept from the machine before; the second page's block (its code hook's
        // page) and the last one (translated before this machine's hook) were translated here
        assertThat(m.rdtscDiscoveryStatistics()[0]).isEqualTo(2);
      }
      try (Machine m = machine(engine)) {
        StopReport r = runAround(m, false);
        assertThat(r.reg(X86Reg.RIP)).as("as on a new engine without the hook").isEqualTo(lastBlock);
        assertThat(r.instructions()).isEqualTo(6);
      }
      assertThat(engine.keptTranslations().blocksModeDropped()).as("%s", engine.keptTranslations()).isPositive();
    }
  }

  @Test
  void aWriteHookDeletedBeforeTheGiveBackDoesNotChangeHowTheNextMachineTranslates() {
    // Unicorn 2.0.1 leaves a deleted hook in its lists, and so in force for translation, until a run ends
    long other = CODE + 0x10000;
    try (ReusableEngine engine = new ReusableEngine(true, false)) { // not even keeping code: a reused engine's rule
      try (Machine m = machine(engine)) {
        runStores(m, true, new AtomicLong());
      }
      try (Machine m = machine(engine)) {
        m.memory().write(other, hex(STORES));
        StopReport r = m.run(other, RunLimits.none());
        assertThat(r.reason()).isEqualTo(StopReason.MEMORY_FAULT);
        assertThat(r.reg(X86Reg.RIP)).as("translated as on a new engine").isEqualTo(other + 7 + 8 + 2);
      }
    }
  }
}
