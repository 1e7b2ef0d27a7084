package org.efiemu.core.machine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.efiemu.core.machine.TestMachines.load;

import java.util.ArrayList;
import java.util.List;
import org.efiemu.core.engine.X86Reg;
import org.efiemu.core.gate.GateCall;
import org.efiemu.core.gate.GateListener;
import org.junit.jupiter.api.Test;

class CallGateTest {
  @Test
  void guestCallReachesJavaWithRegisterArgumentsAndGetsResultInRax() {
    try (Machine m = TestMachines.standard()) {
      long mul = m.gate().register("Multiply", 2, ctx -> ctx.arg(0) * ctx.arg(1));
      m.engine().reg(X86Reg.RAX, mul);
      // mov rcx,5; mov rdx,7; sub rsp,0x28; call rax; add rsp,0x28; hlt
      StopReport r = m.run(load(m, "48c7c10500000048c7c2070000004883ec28ffd04883c428f4"), RunLimits.none());
      assertThat(r.reason()).isEqualTo(StopReason.HLT);
      assertThat(r.reg(X86Reg.RAX)).isEqualTo(35);
      assertThat(r.recentCalls()).hasSize(1);
      assertThat(r.recentCalls().get(0).toString()).contains("Multiply(0x5, 0x7) = 0x23");
    }
  }

  @Test
  void machineCallPassesTenArgumentsIncludingStackArgumentsAndReturns() {
    try (Machine m = TestMachines.standard()) {
      long sum = m.gate().register("Sum10", 10, ctx -> {
        long s = 0;
        for (int i = 0; i < 10; i++) s = s * 10 + ctx.arg(i);
        return s;
      });
      StopReport r = m.call(RunLimits.instructions(10_000), sum, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0);
      assertThat(r.reason()).isEqualTo(StopReason.RETURNED);
      assertThat(r.returnValue()).isEqualTo(1234567890L);
    }
  }

  @Test
  void listenersSeeEachCallBeforeAndAfterWithLabelArgumentsResultAndCaller() {
    try (Machine m = TestMachines.standard()) {
      List<String> events = new ArrayList<>();
      m.gate().addListener(new GateListener() {
        @Override
        public void before(GateCall call) {
          events.add("before " + call.label() + " " + call.args()[0]);
        }

        @Override
        public void after(GateCall call) {
          events.add("after " + call.label() + " = " + call.result());
        }
      });
      long neg = m.gate().register("Negate", 1, ctx -> -ctx.arg(0));
      StopReport r = m.call(RunLimits.none(), neg, 9);
      assertThat(r.returnValue()).isEqualTo(-9);
      assertThat(events).containsSubsequence("before Negate 9", "after Negate = -9");
    }
  }

  @Test
  void hostFunctionCallsBackIntoGuestCodeAndResumes() {
    try (Machine m = TestMachines.standard()) {
      long add = load(m, "488d0411c3"); // lea rax,[rcx+rdx]; ret
      long outer = m.gate().registerCallingGuest("Outer", 1, ctx -> {
        long a = ctx.callGuest(add, ctx.arg(0), 2);
        long b = ctx.callGuest(add, a, 100);
        return b + 1;
      });
      StopReport r = m.call(RunLimits.instructions(100_000), outer, 40);
      assertThat(r.reason()).isEqualTo(StopReason.RETURNED);
      assertThat(r.returnValue()).isEqualTo(143);
      assertThat(r.reg(X86Reg.RSP)).isEqualTo(TestMachines.STACK_TOP - 0x20);
    }
  }

  @Test
  void callGuestFromAPlainHostFunctionIsRefusedWithAClearError() {
    try (Machine m = TestMachines.standard()) {
      long plain = m.gate().register("Plain", 0, ctx -> ctx.callGuest(0x200000));
      assertThatThrownBy(() -> m.call(RunLimits.none(), plain)).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("Plain").hasMessageContaining("registerCallingGuest");
    }
  }

  @Test
  void exceptionInHostFunctionSurfacesFromTheRun() {
    try (Machine m = TestMachines.standard()) {
      long bad = m.gate().register("Bad", 0, ctx -> {
        throw new java.io.IOException("disk on fire");
      });
      assertThatThrownBy(() -> m.call(RunLimits.none(), bad)).hasRootCauseMessage("disk on fire");
    }
  }

  @Test
  void hostFunctionStopEndsTheRunWithTheReason() {
    try (Machine m = TestMachines.standard()) {
      long fn = m.gate().register("Exit", 0, ctx -> {
        ctx.stop("guest asked to exit");
        return 0;
      });
      StopReport r = m.call(RunLimits.none(), fn);
      assertThat(r.reason()).isEqualTo(StopReason.HOST_STOP);
      assertThat(r.detail()).isEqualTo("Exit: guest asked to exit");
      assertThat(r.ripLabel()).isEqualTo("Exit");
    }
  }
}
