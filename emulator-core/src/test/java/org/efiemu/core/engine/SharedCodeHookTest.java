package org.efiemu.core.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Shared code hooks ({@link Engine#sharedCodeHook}): one process-wide JNA callback dispatches by the hook's user data,
 * so each engine's hooks run only their own Java hook; a closed shared hook is not called and takes no new ranges;
 * closing an engine forgets the targets registered through it.
 */
class SharedCodeHookTest {
  /** inc rax x3; hlt. */
  private static final byte[] INC_RAX_X3_HLT = {0x48, (byte) 0xFF, (byte) 0xC0, 0x48, (byte) 0xFF, (byte) 0xC0, 0x48,
      (byte) 0xFF, (byte) 0xC0, (byte) 0xF4};

  private static void load(Engine e) {
    e.map(0x1000, 0x1000, Perm.ALL);
    e.write(0x1000, INC_RAX_X3_HLT);
  }

  @Test
  void sharedHooksOfTwoEnginesEachRunOnlyTheirOwnJavaHook() {
    try (Engine a = Engine.open(); Engine b = Engine.open()) {
      load(a);
      load(b);
      List<Long> seenA = new ArrayList<>();
      List<Long> seenB = new ArrayList<>();
      Engine.SharedCodeHook ha = a.sharedCodeHook((address, size) -> seenA.add(address));
      Engine.SharedCodeHook hb = b.sharedCodeHook((address, size) -> seenB.add(address + 0x10000 * size));
      a.addCodeHook(0x1003, 0x1003, ha);
      a.addCodeHook(0x1006, 0x1006, ha);
      b.addCodeHook(0x1000, 0x1000, hb);
      a.emuStart(0x1000, 0x1009, 0, 0);
      b.emuStart(0x1000, 0x1009, 0, 0);
      assertThat(seenA).containsExactly(0x1003L, 0x1006L);
      assertThat(seenB).as("address + 0x10000 * size (3 bytes)").containsExactly(0x1000L + 0x30000);
      ha.close();
      hb.close();
    }
  }

  @Test
  void aClosedSharedHookIsNotCalledAndTakesNoNewRange() {
    try (Engine e = Engine.open()) {
      load(e);
      List<Long> seen = new ArrayList<>();
      Engine.SharedCodeHook h = e.sharedCodeHook((address, size) -> seen.add(address));
      e.addCodeHook(0x1003, 0x1003, h);
      e.emuStart(0x1000, 0x1009, 0, 0);
      assertThat(seen).containsExactly(0x1003L);
      h.close();
      e.emuStart(0x1000, 0x1009, 0, 0);
      assertThat(seen).as("its hook is still in Unicorn's lists, its target is gone").containsExactly(0x1003L);
      assertThatThrownBy(() -> e.addCodeHook(0x1006, 0x1006, h)).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("closed");
    }
  }

  @Test
  void closingASharedHookForgetsItInItsEngineToo() {
    // a reused engine (one per hunt worker) serves machine after machine: each machine's closed hook must not stay
    try (Engine e = Engine.open()) {
      for (int i = 0; i < 3; i++) {
        e.sharedCodeHook((address, size) -> {}).close();
      }
      Engine.SharedCodeHook open = e.sharedCodeHook((address, size) -> {});
      assertThat(e.sharedCodeHooksHeld()).isEqualTo(1);
      open.close();
      assertThat(e.sharedCodeHooksHeld()).isZero();
    }
  }

  @Test
  void closingTheEngineForgetsTheSharedTargetsRegisteredThroughIt() {
    int before = EngineHooks.sharedCodeTargets();
    try (Engine e = Engine.open()) {
      e.sharedCodeHook((address, size) -> {});
      e.sharedCodeHook((address, size) -> {});
      assertThat(EngineHooks.sharedCodeTargets()).isEqualTo(before + 2);
    }
    assertThat(EngineHooks.sharedCodeTargets()).as("no machine kept reachable through the static table")
        .isEqualTo(before);
  }

  @Test
  void aThrowableFromASharedHookFailsItsOwnEngine() {
    try (Engine e = Engine.open()) {
      load(e);
      Engine.SharedCodeHook h = e.sharedCodeHook((address, size) -> {
        throw new IllegalStateException("boom at " + address);
      });
      e.addCodeHook(0x1003, 0x1003, h);
      assertThatThrownBy(() -> e.emuStart(0x1000, 0x1009, 0, 0)).hasStackTraceContaining("boom at 4099");
    }
  }
}
