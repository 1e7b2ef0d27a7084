package org.efiemu.core.debug;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.efiemu.core.debug.DebugMachines.CODE;
import static org.efiemu.core.debug.DebugMachines.DATA;

import org.efiemu.core.clock.ClockMode;
import org.efiemu.core.engine.X86Reg;
import org.efiemu.core.machine.Machine;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Host-call breakpoints, finish at a gate slot and back() over the TWO_HOST_CALLS program (Twice(x) = 2x). */
class HostCallDebugTest {
  private static long program(Machine m, Debugger d) {
    long twice = m.gate().register("Twice", 1, ctx -> 2 * ctx.arg(0));
    long fn = DebugMachines.load(m, DebugMachines.TWO_HOST_CALLS);
    d.reg(X86Reg.RBX, twice);
    d.reg(X86Reg.RDI, DATA);
    return fn;
  }

  @ParameterizedTest
  @EnumSource(ClockMode.class)
  void hostCallBreakpointStopsAfterTheMatchingCallReturnedToItsCaller(ClockMode mode) {
    try (Machine m = DebugMachines.machine(mode); Debugger d = new Debugger(m)) {
      long fn = program(m, d);
      HostCallBreakpoint b = d.breakOnHostCall("Twice if x == 7", c -> c.label().equals("Twice") && c.args()[0] == 7);
      StopEvent e = d.run(fn);
      assertThat(e.kind()).isEqualTo(StopKind.HOST_CALL);
      assertThat(e.hostCall().args()).containsExactly(7);
      assertThat(e.hostCall().result()).isEqualTo(14);
      assertThat(e.rip()).isEqualTo(CODE + 0x19); // the instruction after the second `call rbx`
      assertThat(d.reg(X86Reg.RAX)).isEqualTo(14);
      assertThat(b.hits()).isEqualTo(1);
      StopEvent end = d.cont();
      assertThat(end.kind()).isEqualTo(StopKind.EXITED);
      assertThat(m.memory().u64(DATA)).isEqualTo(10);
      assertThat(m.memory().u64(DATA + 8)).isEqualTo(14);
    }
  }

  @ParameterizedTest
  @EnumSource(ClockMode.class)
  void finishAtAGateSlotRunsTheHostFunctionAndStopsAtTheReturnAddress(ClockMode mode) {
    try (Machine m = DebugMachines.machine(mode); Debugger d = new Debugger(m)) {
      long fn = program(m, d);
      long twice = d.reg(X86Reg.RBX);
      d.breakAt(twice);
      StopEvent at = d.run(fn);
      assertThat(at.rip()).isEqualTo(twice);
      assertThat(d.reg(X86Reg.RCX)).isEqualTo(5);
      StopEvent back = d.finish();
      assertThat(back.kind()).isEqualTo(StopKind.FINISH);
      assertThat(back.rip()).isEqualTo(CODE + 0x0D);
      assertThat(d.reg(X86Reg.RAX)).isEqualTo(10);
    }
  }

  @ParameterizedTest
  @EnumSource(ClockMode.class)
  void backRestoresRegistersAndMemoryOfThePreviousHostCalls(ClockMode mode) {
    try (Machine m = DebugMachines.machine(mode); Debugger d = new Debugger(m)) {
      long fn = program(m, d);
      long twice = d.reg(X86Reg.RBX);
      d.recordHostCalls(8);
      d.breakOnHostCall("second Twice", c -> c.label().equals("Twice") && c.args()[0] == 7);
      d.run(fn);
      byte[] memoryAtStop = m.memory().read(DATA, 16);
      assertThat(memoryAtStop).startsWith(10, 0, 0, 0, 0, 0, 0, 0);
      assertThat(d.recordedHostCalls()).extracting(c -> c.args()[0]).containsExactly(5L, 7L);

      StopEvent second = d.back();
      assertThat(second.kind()).isEqualTo(StopKind.BACK);
      assertThat(second.rip()).isEqualTo(twice);
      assertThat(second.hostCall().args()).containsExactly(7);
      assertThat(d.reg(X86Reg.RCX)).isEqualTo(7);
      assertThat(d.reg(X86Reg.RAX)).isEqualTo(10); // the first call's result, not yet 14
      assertThat(m.memory().read(DATA, 16)).isEqualTo(memoryAtStop);
      assertThat(m.memory().u64(d.reg(X86Reg.RSP))).isEqualTo(CODE + 0x19); // return address on the stack

      StopEvent first = d.back();
      assertThat(first.hostCall().args()).containsExactly(5);
      assertThat(d.reg(X86Reg.RCX)).isEqualTo(5);
      assertThat(m.memory().read(DATA, 16)).containsOnly(0); // before [RDI] was written
      assertThatThrownBy(d::back).isInstanceOf(IllegalStateException.class).hasMessageContaining("no recorded host call");

      d.remove(d.hostCallBreakpoints().get(0));
      StopEvent end = d.cont(); // the program runs on from the restored moment
      assertThat(end.kind()).isEqualTo(StopKind.EXITED);
      assertThat(m.memory().u64(DATA)).isEqualTo(10);
      assertThat(m.memory().u64(DATA + 8)).isEqualTo(14);
      if (mode == ClockMode.COUNTED) assertThat(m.clock().instructions()).isEqualTo(uninterruptedInstructions());
    }
  }

  private static long uninterruptedInstructions() {
    try (Machine m = DebugMachines.machine(ClockMode.COUNTED); Debugger d = new Debugger(m)) {
      long fn = program(m, d);
      assertThat(d.run(fn).kind()).isEqualTo(StopKind.EXITED);
      return m.clock().instructions();
    }
  }
}
