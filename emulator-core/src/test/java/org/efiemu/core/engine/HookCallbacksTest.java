package org.efiemu.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A reused engine's JNA hook callbacks ({@link HookCallbacks}) are reused by the next machine's hooks: each hook runs
 * only its own machine's Java hook, a hook removed inside a machine keeps its callback until the give-back, and a
 * callback a failed {@code uc_hook_add} took is free again at once.
 */
class HookCallbacksTest {
  /** inc rax x3; hlt. */
  private static final byte[] INC_RAX_X3_HLT = {0x48, (byte) 0xFF, (byte) 0xC0, 0x48, (byte) 0xFF, (byte) 0xC0, 0x48,
      (byte) 0xFF, (byte) 0xC0, (byte) 0xF4};

  private static List<Long> runWithCodeHook(Engine e, List<Long> seen) {
    e.map(0x1000, 0x1000, Perm.ALL);
    e.write(0x1000, INC_RAX_X3_HLT);
    e.addCodeHook(0x1003, 0x1006, (address, size) -> seen.add(address));
    e.emuStart(0x1000, 0x1009, 0, 0);
    return seen;
  }

  @Test
  void theNextMachinesHookReusesTheCallbackAndRunsOnlyItsOwnJavaHook() {
    try (ReusableEngine reusable = new ReusableEngine(false, false)) {
      List<List<Long>> seen = new ArrayList<>();
      Object first = null;
      for (int machine = 0; machine < 4; machine++) {
        Engine e = reusable.lend();
        List<Long> mine = new ArrayList<>();
        seen.add(mine);
        runWithCodeHook(e, mine);
        if (machine == 0) {
          first = e.callbacks;
          assertThat(e.callbacks.takenCount()).isEqualTo(1);
        } else {
          assertThat(e.callbacks).as("machine %d: the native engine's callbacks", machine).isSameAs(first);
          assertThat(e.callbacks.freeCount()).as("machine %d took the free one", machine).isZero();
          assertThat(e.callbacks.takenCount()).isEqualTo(1);
        }
        reusable.giveBack(e);
      }
      for (List<Long> s : seen) {
        assertThat(s).as("each machine's hook saw its own run only").containsExactly(0x1003L, 0x1006L);
      }
    }
  }

  @Test
  void aHookRemovedDuringAMachineKeepsItsCallbackUntilARunEndsThenANewHookMayTakeIt() {
    try (ReusableEngine reusable = new ReusableEngine(false, false)) {
      Engine e = reusable.lend();
      List<Long> a = new ArrayList<>();
      e.map(0x1000, 0x1000, Perm.ALL);
      e.write(0x1000, INC_RAX_X3_HLT);
      Hook h = e.addCodeHook(0x1003, 0x1003, (address, size) -> a.add(address));
      h.close();
      List<Long> b = new ArrayList<>();
      e.addCodeHook(0x1006, 0x1006, (address, size) -> b.add(address));
      assertThat(e.callbacks.takenCount()).as("the live hook's").isEqualTo(1);
      assertThat(e.callbacks.retiredCount()).as("the removed hook's callback is not taken again").isEqualTo(1);
      assertThat(e.callbacks.freeCount()).isZero();
      e.emuStart(0x1000, 0x1009, 0, 0);
      assertThat(a).isEmpty();
      assertThat(b).containsExactly(0x1006L);
      assertThat(e.callbacks.freeCount()).as("the run ended: Unicorn dropped the removed hook").isEqualTo(1);
      List<Long> c = new ArrayList<>();
      e.addCodeHook(0x1003, 0x1003, (address, size) -> c.add(address));
      assertThat(e.callbacks.freeCount()).as("taken again by a new hook").isZero();
      e.emuStart(0x1000, 0x1009, 0, 0);
      assertThat(a).as("the removed hook never ran again").isEmpty();
      assertThat(b).containsExactly(0x1006L, 0x1006L);
      assertThat(c).containsExactly(0x1003L);
      reusable.giveBack(e);
      Engine next = reusable.lend();
      assertThat(next.callbacks.takenCount()).isZero();
      assertThat(next.callbacks.freeCount()).isEqualTo(2);
      reusable.giveBack(next);
    }
  }

  @Test
  void aCallbackTakenByAFailedHookAddIsFreeAgainAtOnce() {
    try (Engine e = Engine.open()) {
      // Unicorn 2.0.1 hooks IN, OUT, SYSCALL, SYSENTER and CPUID only: RDTSC's instruction hook is refused there
      for (int attempt = 0; attempt < 3; attempt++) {
        try {
          e.addInstructionHook(UnicornLib.UC_X86_INS_RDTSC, () -> true);
          assertThat(e.callbacks.takenCount()).as("an installed hook holds its callback").isEqualTo(attempt + 1);
        } catch (EngineException refused) {
          assertThat(refused.error()).isEqualTo(UcError.HOOK);
          assertThat(e.callbacks.takenCount()).as("refused: nothing stays taken").isZero();
          assertThat(e.callbacks.freeCount()).as("one callback, free again, taken by every attempt").isEqualTo(1);
        }
      }
    }
  }

  @Test
  void anInstructionHookTheLibraryRefusedIsKnownRefusedForTheNextMachinesOfTheSameNativeEngine() {
    try (ReusableEngine reusable = new ReusableEngine(false, false)) {
      Engine e = reusable.lend();
      assertThat(e.refusesInstructionHook(UnicornLib.UC_X86_INS_RDTSC)).as("not asked yet").isFalse();
      boolean refused;
      try {
        e.addInstructionHook(UnicornLib.UC_X86_INS_RDTSC, () -> true);
        refused = false;
      } catch (EngineException x) {
        refused = x.error() == UcError.HOOK;
      }
      assertThat(e.refusesInstructionHook(UnicornLib.UC_X86_INS_RDTSC)).isEqualTo(refused);
      assertThat(e.refusesInstructionHook(UnicornLib.UC_X86_INS_CPUID)).isFalse();
      e.addInstructionHook(UnicornLib.UC_X86_INS_CPUID, () -> true); // CPUID is hookable on every Unicorn 2
      assertThat(e.refusesInstructionHook(UnicornLib.UC_X86_INS_CPUID)).isFalse();
      reusable.giveBack(e);
      Engine next = reusable.lend();
      assertThat(next.refusesInstructionHook(UnicornLib.UC_X86_INS_RDTSC)).as("the next machine knows").isEqualTo(refused);
      reusable.giveBack(next);
    }
  }
}
