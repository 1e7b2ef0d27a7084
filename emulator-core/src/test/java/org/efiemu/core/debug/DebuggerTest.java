package org.efiemu.core.debug;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.efiemu.core.debug.DebugMachines.CODE;
import static org.efiemu.core.debug.DebugMachines.DATA;

import org.efiemu.core.clock.ClockMode;
import org.efiemu.core.debug.disasm.Instruction;
import org.efiemu.core.engine.X86Reg;
import org.efiemu.core.machine.Machine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class DebuggerTest {
  private static final long CELL_RCX = DATA;
  private static final long CELL_RDX = DATA + 0x100;

  @Test
  void breakpointStopsBeforeTheInstructionAtItsAddressWithExactInstructionCount() {
    try (Machine m = DebugMachines.machine(ClockMode.COUNTED); Debugger d = new Debugger(m)) {
      long fn = DebugMachines.load(m, DebugMachines.CALLER_CALLEE);
      Breakpoint bp = d.breakAt(CODE + 0x10);
      StopEvent e = d.run(fn, CELL_RCX, CELL_RDX);
      assertThat(e.kind()).isEqualTo(StopKind.BREAKPOINT);
      assertThat(e.breakpoint()).isSameAs(bp);
      assertThat(e.rip()).isEqualTo(CODE + 0x10);
      assertThat(d.reg(X86Reg.RAX)).isEqualTo(0x13); // add rax,4 at the breakpoint has not run
      assertThat(bp.hits()).isEqualTo(1);
      assertThat(m.clock().instructions()).isEqualTo(6); // mov, add, call, add, mov, ret
    }
  }

  @ParameterizedTest
  @EnumSource(ClockMode.class)
  void continueFromABreakpointRunsTheInstructionThereAndReachesTheEnd(ClockMode mode) {
    try (Machine m = DebugMachines.machine(mode); Debugger d = new Debugger(m)) {
      long fn = DebugMachines.load(m, DebugMachines.CALLER_CALLEE);
      d.breakAt(CODE + 0x10);
      assertThat(d.run(fn, CELL_RCX, CELL_RDX).kind()).isEqualTo(StopKind.BREAKPOINT);
      StopEvent end = d.cont();
      assertThat(end.kind()).isEqualTo(StopKind.EXITED);
      assertThat(end.returnValue()).isEqualTo(0x17);
      assertThat(m.memory().u64(CELL_RDX)).isEqualTo(0x17);
    }
  }

  @Test
  void breakpointAddedAfterTheCodeWasTranslatedStillHits() {
    try (Machine m = DebugMachines.machine(ClockMode.HOST_EVENTS); Debugger d = new Debugger(m)) {
      long fn = DebugMachines.load(m, DebugMachines.CALLER_CALLEE);
      assertThat(d.run(fn, CELL_RCX, CELL_RDX).kind()).isEqualTo(StopKind.EXITED);
      d.breakAt(CODE + 0x1E);
      StopEvent e = d.run(fn, CELL_RCX, CELL_RDX);
      assertThat(e.kind()).isEqualTo(StopKind.BREAKPOINT);
      assertThat(e.rip()).isEqualTo(CODE + 0x1E);
    }
  }

  @ParameterizedTest
  @EnumSource(ClockMode.class)
  void stepRunsOneInstructionAndEntersCalls(ClockMode mode) {
    try (Machine m = DebugMachines.machine(mode); Debugger d = new Debugger(m)) {
      long fn = DebugMachines.load(m, DebugMachines.CALLER_CALLEE);
      assertThat(d.start(fn, CELL_RCX, CELL_RDX).rip()).isEqualTo(CODE);
      assertThat(d.step().rip()).isEqualTo(CODE + 0x07);
      assertThat(d.reg(X86Reg.RAX)).isEqualTo(1);
      assertThat(d.step().rip()).isEqualTo(CODE + 0x0B);
      StopEvent into = d.step();
      assertThat(into.kind()).isEqualTo(StopKind.STEP);
      assertThat(into.rip()).isEqualTo(CODE + 0x1A);
      if (mode == ClockMode.COUNTED) assertThat(m.clock().instructions()).isEqualTo(3);
    }
  }

  @Test
  void stepDoesNotStopAtABreakpointTwiceAndStepsOffIt() {
    try (Machine m = DebugMachines.machine(ClockMode.COUNTED); Debugger d = new Debugger(m)) {
      long fn = DebugMachines.load(m, DebugMachines.CALLER_CALLEE);
      d.breakAt(CODE + 0x07);
      assertThat(d.run(fn, CELL_RCX, CELL_RDX).rip()).isEqualTo(CODE + 0x07);
      StopEvent s = d.step();
      assertThat(s.kind()).isEqualTo(StopKind.STEP);
      assertThat(s.rip()).isEqualTo(CODE + 0x0B);
    }
  }

  @Test
  void nextStepsOverACallToTheInstructionAfterIt() {
    try (Machine m = DebugMachines.machine(ClockMode.COUNTED); Debugger d = new Debugger(m)) {
      long fn = DebugMachines.load(m, DebugMachines.CALLER_CALLEE);
      d.breakAt(CODE + 0x0B);
      d.run(fn, CELL_RCX, CELL_RDX);
      StopEvent e = d.next();
      assertThat(e.kind()).isEqualTo(StopKind.NEXT);
      assertThat(e.rip()).isEqualTo(CODE + 0x10);
      assertThat(d.reg(X86Reg.RAX)).isEqualTo(0x13);
      assertThat(m.clock().instructions()).isEqualTo(6);
      StopEvent plain = d.next(); // not a call: one instruction
      assertThat(plain.kind()).isEqualTo(StopKind.STEP);
      assertThat(plain.rip()).isEqualTo(CODE + 0x14);
    }
  }

  @ParameterizedTest
  @EnumSource(ClockMode.class)
  void finishRunsUntilTheCurrentFunctionReturnsToItsCaller(ClockMode mode) {
    try (Machine m = DebugMachines.machine(mode); Debugger d = new Debugger(m)) {
      long fn = DebugMachines.load(m, DebugMachines.CALLER_CALLEE);
      d.breakAt(CODE + 0x1E); // inside the callee, after its first instruction
      d.run(fn, CELL_RCX, CELL_RDX);
      StopEvent e = d.finish();
      assertThat(e.kind()).isEqualTo(StopKind.FINISH);
      assertThat(e.rip()).isEqualTo(CODE + 0x10);
      assertThat(m.memory().u64(CELL_RCX)).isEqualTo(0x13);
      StopEvent outer = d.finish(); // the caller returns to the host
      assertThat(outer.kind()).isEqualTo(StopKind.EXITED);
      assertThat(outer.returnValue()).isEqualTo(0x17);
    }
  }

  @ParameterizedTest
  @EnumSource(ClockMode.class)
  void watchpointReportsAddressSizeOldAndNewBytesAndTheWritingInstruction(ClockMode mode) {
    try (Machine m = DebugMachines.machine(mode); Debugger d = new Debugger(m)) {
      long fn = DebugMachines.load(m, DebugMachines.CALLER_CALLEE);
      m.memory().write(CELL_RCX, new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
      Watchpoint wp = d.watchWrites(CELL_RCX + 4, 2); // the 8-byte store at CELL_RCX overlaps it
      StopEvent e = d.run(fn, CELL_RCX, CELL_RDX);
      assertThat(e.kind()).isEqualTo(StopKind.WATCHPOINT);
      WatchHit hit = e.watch();
      assertThat(hit.watchpoint()).isSameAs(wp);
      assertThat(hit.address()).isEqualTo(CELL_RCX);
      assertThat(hit.size()).isEqualTo(8);
      assertThat(hit.oldBytes()).containsExactly(1, 2, 3, 4, 5, 6, 7, 8);
      assertThat(hit.newBytes()).containsExactly(0x13, 0, 0, 0, 0, 0, 0, 0);
      assertThat(hit.rip()).isEqualTo(CODE + 0x1E);
      assertThat(e.rip()).isEqualTo(CODE + 0x21); // stopped right after the store
      if (mode == ClockMode.COUNTED) assertThat(m.clock().instructions()).isEqualTo(5);
      assertThat(d.cont().kind()).isEqualTo(StopKind.EXITED); // [RDX] is not watched
    }
  }

  @ParameterizedTest
  @EnumSource(ClockMode.class)
  void aReadModifyWriteInstructionStoppedByAWatchpointRunsExactlyOnce(ClockMode mode) {
    try (Machine m = DebugMachines.machine(mode); Debugger d = new Debugger(m)) {
      long fn = DebugMachines.load(m, "48830101" + "9090" + "c3"); // add qword [rcx],1; nop; nop; ret
      d.watchWrites(CELL_RCX, 8);
      StopEvent e = d.run(fn, CELL_RCX);
      assertThat(e.kind()).isEqualTo(StopKind.WATCHPOINT);
      assertThat(e.rip()).isEqualTo(CODE + 4);
      assertThat(e.watch().newBytes()[0]).isEqualTo((byte) 1);
      assertThat(d.cont().kind()).isEqualTo(StopKind.EXITED);
      assertThat(m.memory().u64(CELL_RCX)).isEqualTo(1);
    }
  }

  @Test
  void stepFinishAndWatchpointsWorkInCodeTranslatedBeforeTheyWereSet() {
    try (Machine m = DebugMachines.machine(ClockMode.HOST_EVENTS); Debugger d = new Debugger(m)) {
      long fn = DebugMachines.load(m, DebugMachines.CALLER_CALLEE);
      assertThat(d.run(fn, CELL_RCX, CELL_RDX).kind()).isEqualTo(StopKind.EXITED); // everything translated
      d.breakAt(CODE + 0x1A);
      assertThat(d.run(fn, CELL_RCX, CELL_RDX).rip()).isEqualTo(CODE + 0x1A);
      assertThat(d.step().rip()).isEqualTo(CODE + 0x1E);
      assertThat(d.finish().rip()).isEqualTo(CODE + 0x10);
      d.watchWrites(CELL_RDX, 8);
      StopEvent w = d.cont();
      assertThat(w.kind()).isEqualTo(StopKind.WATCHPOINT);
      assertThat(w.rip()).isEqualTo(CODE + 0x17);
      assertThat(d.run(fn, CELL_RCX, CELL_RDX).rip()).isEqualTo(CODE + 0x1A); // a second call still stops
      assertThat(d.next().rip()).isEqualTo(CODE + 0x1E);
    }
  }

  @Test
  void writesOutsideTheWatchedRangeDoNotStop() {
    try (Machine m = DebugMachines.machine(ClockMode.COUNTED); Debugger d = new Debugger(m)) {
      long fn = DebugMachines.load(m, DebugMachines.CALLER_CALLEE);
      d.watchWrites(CELL_RCX + 8, 8);
      assertThat(d.run(fn, CELL_RCX, CELL_RDX).kind()).isEqualTo(StopKind.EXITED);
    }
  }

  @ParameterizedTest
  @EnumSource(ClockMode.class)
  void noHooksAreInstalledWhenNothingIsSetAndTemporaryOnesGoAway(ClockMode mode) {
    try (Machine m = DebugMachines.machine(mode); Debugger d = new Debugger(m)) {
      long fn = DebugMachines.load(m, DebugMachines.CALLER_CALLEE);
      assertThat(d.installedHooks()).isZero();
      assertThat(d.listensToHostCalls()).isFalse();
      d.start(fn, CELL_RCX, CELL_RDX);
      assertThat(d.installedHooks()).isZero(); // the entry hook of start() is gone
      d.step();
      d.finish();
      // stepping a HOST_EVENTS machine keeps the native stop-flag hook (see Debugger.step)
      assertThat(d.installedHooks()).isEqualTo(mode == ClockMode.HOST_EVENTS ? 1 : 0);
      d.close();
      assertThat(d.installedHooks()).isZero();
      Breakpoint bp = d.breakAt(CODE + 0x10);
      Breakpoint same = d.breakAt(CODE + 0x10);
      Watchpoint wp = d.watchWrites(CELL_RCX, 8);
      assertThat(d.installedHooks()).isEqualTo(3); // one address, one range, the native stop flag
      d.remove(bp);
      d.remove(same);
      d.remove(wp);
      HostCallBreakpoint hb = d.breakOnHostCall("any", c -> true);
      assertThat(d.listensToHostCalls()).isTrue();
      d.remove(hb);
      assertThat(d.installedHooks()).isZero();
      assertThat(d.listensToHostCalls()).isFalse();
    }
  }

  @Test
  void disassemblyDecodesTheInstructionsAtAnAddress() {
    try (Machine m = DebugMachines.machine(ClockMode.HOST_EVENTS); Debugger d = new Debugger(m)) {
      DebugMachines.load(m, DebugMachines.CALLER_CALLEE);
      assertThat(d.disassemble(CODE, 3)).extracting(Instruction::text)
          .containsExactly("mov rax, 1", "add rax, 2", "call 0x20001a");
      assertThat(d.disassemble(CODE + 0x0B, 1).get(0).isCall()).isTrue();
      assertThat(d.disassemble(CODE + 0x21, 1).get(0).isReturn()).isTrue();
    }
  }

  @Test
  void readOutsideRamNamesTheRange() {
    try (Machine m = DebugMachines.machine(ClockMode.HOST_EVENTS); Debugger d = new Debugger(m)) {
      assertThatThrownBy(() -> d.read(0x0100_0000L - 4, 8)).hasMessageContaining("debugger read")
          .hasMessageContaining("FFFFFC");
    }
  }
}
