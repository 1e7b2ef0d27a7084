package org.efiemu.core.machine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.efiemu.core.machine.TestMachines.load;

import java.util.ArrayList;
import java.util.List;
import org.efiemu.core.engine.EngineException;
import org.efiemu.core.engine.GateDispatch;
import org.efiemu.core.engine.NativeGate;
import org.efiemu.core.engine.X86Reg;
import org.efiemu.core.gate.CallGate;
import org.efiemu.core.gate.GateCall;
import org.efiemu.core.gate.GateListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The call gate's semantics are the same whichever way the engine enters Java: the JNI shim
 * ({@link GateDispatch#NATIVE}) or JNA callbacks ({@link GateDispatch#JNA}). Each test builds a second gate with
 * the dispatch under test next to the machine's own.
 */
class CallGateDispatchTest {
  private static final long SECOND_TRAP = TestMachines.TRAP + 0x1000;

  /** A machine plus a gate with {@code dispatch}; its stop requests and CR3 values are recorded. */
  private static final class Rig implements AutoCloseable {
    final Machine m = TestMachines.standard();
    final List<Long> cr3s = new ArrayList<>();
    final CallGate gate;

    Rig(GateDispatch dispatch) {
      gate = new CallGate(m.engine(), m.memory(), SECOND_TRAP, 0x1000, m::requestStop, cr3s::add, dispatch);
    }

    @Override
    public void close() {
      gate.close();
      m.close();
    }
  }

  @Test
  void nativeShimIsBuiltAndChosenByDefault() {
    assertThat(NativeGate.status().available()).as(NativeGate.status().toString()).isTrue();
    assertThat(GateDispatch.AUTO.resolve()).isEqualTo(GateDispatch.NATIVE);
    try (Machine m = TestMachines.standard()) {
      assertThat(m.gate().dispatch()).isEqualTo(GateDispatch.NATIVE);
    }
  }

  @ParameterizedTest
  @EnumSource(value = GateDispatch.class, names = {"NATIVE", "JNA"})
  void gateReportsTheDispatchItUses(GateDispatch dispatch) {
    try (Rig r = new Rig(dispatch)) {
      assertThat(r.gate.dispatch()).isEqualTo(dispatch);
    }
  }

  @ParameterizedTest
  @EnumSource(value = GateDispatch.class, names = {"NATIVE", "JNA"})
  void registerAndStackArgumentsReachJavaAndTheResultLandsInRax(GateDispatch dispatch) {
    try (Rig r = new Rig(dispatch)) {
      long sum = r.gate.register("Sum6", 6, ctx -> {
        long s = 0;
        for (int i = 0; i < 6; i++) s = s * 10 + ctx.arg(i);
        return s;
      });
      StopReport rep = r.m.call(RunLimits.instructions(10_000), sum, 1, 2, 3, 4, 5, 6);
      assertThat(rep.reason()).isEqualTo(StopReason.RETURNED);
      assertThat(rep.returnValue()).isEqualTo(123456);
      long returnToHost = r.m.gate().base() + 2 * CallGate.SLOT; // the machine's "<return to host>" slot
      assertThat(r.gate.recentCalls()).singleElement().hasToString(
          String.format("#1 Sum6(0x1, 0x2, 0x3, 0x4, 0x5, 0x6) = 0x1e240 from 0x%X", returnToHost));
    }
  }

  @ParameterizedTest
  @EnumSource(value = GateDispatch.class, names = {"NATIVE", "JNA"})
  void everyCallPassesTheCallingCr3ToOnCall(GateDispatch dispatch) {
    try (Rig r = new Rig(dispatch)) {
      long fn = r.gate.register("Nop", 0, ctx -> 7);
      r.m.call(RunLimits.instructions(10_000), fn);
      r.m.call(RunLimits.instructions(10_000), fn);
      assertThat(r.cr3s).containsExactly(r.m.engine().reg(X86Reg.CR3), r.m.engine().reg(X86Reg.CR3));
      assertThat(r.cr3s.get(0)).isNotZero();
    }
  }

  @ParameterizedTest
  @EnumSource(value = GateDispatch.class, names = {"NATIVE", "JNA"})
  void listenersSeeRaxWrittenAndMayChangeIt(GateDispatch dispatch) {
    try (Rig r = new Rig(dispatch)) {
      List<String> events = new ArrayList<>();
      r.gate.addListener(new GateListener() {
        @Override
        public void before(GateCall call) {
          events.add("before " + call.label() + " " + call.args()[0]);
        }

        @Override
        public void after(GateCall call) {
          events.add("after " + call.result() + " rax=" + r.m.engine().reg(X86Reg.RAX));
          r.m.engine().reg(X86Reg.RAX, 99);
        }
      });
      long neg = r.gate.register("Negate", 1, ctx -> -ctx.arg(0));
      StopReport rep = r.m.call(RunLimits.instructions(10_000), neg, 9);
      assertThat(events).containsExactly("before Negate 9", "after -9 rax=-9");
      assertThat(rep.returnValue()).isEqualTo(99);
    }
  }

  @ParameterizedTest
  @EnumSource(value = GateDispatch.class, names = {"NATIVE", "JNA"})
  void hostFunctionCallingTheGuestResumesAndReturnsToTheOriginalCaller(GateDispatch dispatch) {
    try (Rig r = new Rig(dispatch)) {
      long add = load(r.m, "488d0411c3"); // lea rax,[rcx+rdx]; ret
      long outer = r.gate.registerCallingGuest("Outer", 1, ctx -> {
        long a = ctx.callGuest(add, ctx.arg(0), 2);
        return ctx.callGuest(add, a, 100) + 1;
      });
      StopReport rep = r.m.call(RunLimits.instructions(100_000), outer, 40);
      assertThat(rep.reason()).isEqualTo(StopReason.RETURNED);
      assertThat(rep.returnValue()).isEqualTo(143);
      assertThat(rep.reg(X86Reg.RSP)).isEqualTo(TestMachines.STACK_TOP - 0x20);
      assertThat(r.gate.pendingGuestCalls()).isZero();
    }
  }

  @ParameterizedTest
  @EnumSource(value = GateDispatch.class, names = {"NATIVE", "JNA"})
  void exceptionInHostFunctionStopsTheRunAndSurfaces(GateDispatch dispatch) {
    try (Rig r = new Rig(dispatch)) {
      List<String> after = new ArrayList<>();
      long bad = r.gate.register("Bad", 0, ctx -> {
        throw new java.io.IOException("disk on fire");
      });
      long later = r.gate.register("Later", 0, ctx -> {
        after.add("ran");
        return 0;
      });
      // call bad; call later; hlt  (rax = bad, rbx = later)
      r.m.engine().reg(X86Reg.RAX, bad);
      r.m.engine().reg(X86Reg.RBX, later);
      r.m.engine().reg(X86Reg.RSP, TestMachines.STACK_TOP - 0x28);
      assertThatThrownBy(() -> r.m.run(load(r.m, "ffd0ffd3f4"), RunLimits.instructions(10_000)))
          .hasRootCauseMessage("disk on fire");
      assertThat(after).isEmpty();
    }
  }

  @ParameterizedTest
  @EnumSource(value = GateDispatch.class, names = {"NATIVE", "JNA"})
  void stopRequestedByHostFunctionEndsTheRunWithTheReason(GateDispatch dispatch) {
    try (Rig r = new Rig(dispatch)) {
      long fn = r.gate.register("Exit", 0, ctx -> {
        ctx.stop("guest asked to exit");
        return 0;
      });
      StopReport rep = r.m.call(RunLimits.instructions(10_000), fn);
      assertThat(rep.reason()).isEqualTo(StopReason.HOST_STOP);
      assertThat(rep.detail()).isEqualTo("Exit: guest asked to exit");
    }
  }

  @ParameterizedTest
  @EnumSource(value = GateDispatch.class, names = {"NATIVE", "JNA"})
  void jumpIntoASlotWithUnmappedStackFailsNamingTheReturnAddressRead(GateDispatch dispatch) {
    try (Rig r = new Rig(dispatch)) {
      long fn = r.gate.register("Fn", 0, ctx -> 0);
      r.m.engine().reg(X86Reg.RAX, fn);
      r.m.engine().reg(X86Reg.RSP, 0xD000_0000L); // the PCI hole: neither RAM nor a device
      assertThatThrownBy(() -> r.m.run(load(r.m, "ffe0"), RunLimits.instructions(10_000)))
          .isInstanceOf(EngineException.class)
          .hasMessageContaining("mem_read address=0xD0000000, size=0x8 (return address at RSP)")
          .hasMessageContaining("UC_ERR_READ_UNMAPPED");
    }
  }

  @ParameterizedTest
  @EnumSource(value = GateDispatch.class, names = {"NATIVE", "JNA"})
  void jumpIntoAnUnregisteredSlotRunsItsPlainRet(GateDispatch dispatch) {
    try (Rig r = new Rig(dispatch)) {
      r.gate.register("Only", 0, ctx -> 1);
      long unused = SECOND_TRAP + 10 * CallGate.SLOT;
      r.m.engine().reg(X86Reg.RAX, 0x1234);
      StopReport rep = r.m.call(RunLimits.instructions(10_000), unused);
      assertThat(rep.reason()).isEqualTo(StopReason.RETURNED);
      assertThat(rep.returnValue()).isEqualTo(0x1234);
      assertThat(r.gate.recentCalls()).isEmpty();
    }
  }

  @Test
  void closedGateHookRunsNoJavaAndFreesItsNativeState() {
    try (Rig r = new Rig(GateDispatch.NATIVE)) {
      List<String> calls = new ArrayList<>();
      long fn = r.gate.register("Fn", 0, ctx -> {
        calls.add("called");
        return 5;
      });
      r.gate.close();
      r.gate.close();
      r.m.engine().reg(X86Reg.RAX, 0x77);
      StopReport rep = r.m.call(RunLimits.instructions(10_000), fn);
      assertThat(calls).isEmpty();
      assertThat(rep.returnValue()).isEqualTo(0x77);
    }
  }
}
