package org.efiemu.core.debug;

import java.util.HexFormat;
import org.efiemu.core.clock.ClockMode;
import org.efiemu.core.machine.Machine;
import org.efiemu.core.memory.PhysicalLayout;

/** Small machines and hand-assembled programs for the debugger tests. */
final class DebugMachines {
  static final long CODE = 0x200000;
  static final long DATA = 0x300000;

  /**
   * A caller and a callee (addresses from CODE):
   * <pre>
   *  +0x00 mov rax, 1        +0x07 add rax, 2        +0x0B call +0x1A
   *  +0x10 add rax, 4        +0x14 mov [rdx], rax    +0x17 ret          +0x18 nop; nop
   *  +0x1A add rax, 0x10     +0x1E mov [rcx], rax    +0x21 ret
   * </pre>
   * Called with RCX and RDX pointing at 8-byte cells; returns 0x17, leaves 0x13 in [RCX] and 0x17 in [RDX].
   */
  static final String CALLER_CALLEE = "48c7c001000000" + "4883c002" + "e80a000000" + "4883c004" + "488902" + "c3"
      + "9090" + "4883c010" + "488901" + "c3";

  /**
   * Two host calls through RBX, results stored at [RDI] and [RDI+8]:
   * <pre>
   *  +0x00 sub rsp,0x28   +0x04 mov rcx,5   +0x0B call rbx   +0x0D mov [rdi],rax
   *  +0x10 mov rcx,7      +0x17 call rbx    +0x19 mov [rdi+8],rax   +0x1D add rsp,0x28   +0x21 ret
   * </pre>
   */
  static final String TWO_HOST_CALLS = "4883ec28" + "48c7c105000000" + "ffd3" + "488907" + "48c7c107000000" + "ffd3"
      + "48894708" + "4883c428" + "c3";

  private DebugMachines() {}

  static Machine machine(ClockMode mode) {
    PhysicalLayout layout = PhysicalLayout.builder().ram(0, 0x0100_0000L).build();
    return Machine.builder(layout).cpuStructuresAt(0x10000).stackTop(0x80000).trapRegion(0x90000, 0x1000)
        .clock(mode, 1, 100).build();
  }

  static long load(Machine m, String hex) {
    m.memory().write(CODE, HexFormat.of().parseHex(hex));
    return CODE;
  }
}
