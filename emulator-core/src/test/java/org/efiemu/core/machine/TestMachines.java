package org.efiemu.core.machine;

import java.util.HexFormat;
import org.efiemu.core.clock.ClockMode;
import org.efiemu.core.memory.PhysicalLayout;

/** A 1.5 TiB machine shaped like a PC: low RAM, a hole with a device below 4 GiB, RAM above. */
final class TestMachines {
  static final long STRUCTURES = 0x10000;
  static final long STACK_TOP = 0x80000;
  static final long TRAP = 0x90000;
  static final long CODE = 0x200000;
  static final long TIB = 1L << 40;

  private TestMachines() {}

  static PhysicalLayout pcLayout() {
    return PhysicalLayout.builder()
        .ram(0, 0xA0000)
        .ram(0x100000, 0xC000_0000L - 0x100000)
        .device("hpet", 0xFED0_0000L, 0x1000)
        .ram(0x1_0000_0000L, TIB + TIB / 2 - 0x1_0000_0000L)
        .build();
  }

  static MachineBuilder builder() {
    return Machine.builder(pcLayout()).cpuStructuresAt(STRUCTURES).stackTop(STACK_TOP).trapRegion(TRAP, 0x1000);
  }

  static Machine standard() {
    return builder().build();
  }

  static Machine fast() {
    return builder().clock(ClockMode.HOST_EVENTS, 1, 100).build();
  }

  static byte[] hex(String s) {
    return HexFormat.of().parseHex(s);
  }

  /** Writes code at {@link #CODE} and returns its address. */
  static long load(Machine m, String hexCode) {
    m.memory().write(CODE, hex(hexCode));
    return CODE;
  }
}
