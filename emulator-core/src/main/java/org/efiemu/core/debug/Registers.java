package org.efiemu.core.debug;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.efiemu.core.engine.Engine;
import org.efiemu.core.engine.X86Reg;

/**
 * The CPU registers at one moment: RAX..R15, RIP, RFLAGS, the segment selectors, FS/GS base, CR0, CR2, CR3, CR4
 * (in that order; {@link #values()} keeps it).
 */
public record Registers(Map<String, Long> values) {
  /** The registers captured, in report order. */
  public static final List<X86Reg> CAPTURED = List.of(X86Reg.RAX, X86Reg.RBX, X86Reg.RCX, X86Reg.RDX, X86Reg.RSI,
      X86Reg.RDI, X86Reg.RBP, X86Reg.RSP, X86Reg.R8, X86Reg.R9, X86Reg.R10, X86Reg.R11, X86Reg.R12, X86Reg.R13,
      X86Reg.R14, X86Reg.R15, X86Reg.RIP, X86Reg.RFLAGS, X86Reg.CS, X86Reg.SS, X86Reg.DS, X86Reg.ES, X86Reg.FS,
      X86Reg.GS, X86Reg.FS_BASE, X86Reg.GS_BASE, X86Reg.CR0, X86Reg.CR2, X86Reg.CR3, X86Reg.CR4);

  static Registers capture(Engine engine) {
    Map<String, Long> m = new LinkedHashMap<>();
    for (X86Reg r : CAPTURED) m.put(r.name(), engine.reg(r));
    return new Registers(Collections.unmodifiableMap(m));
  }

  /** One register's value. */
  public long get(X86Reg r) {
    Long v = values.get(r.name());
    if (v == null) throw new IllegalArgumentException(r + " is not captured; captured: " + CAPTURED);
    return v;
  }

  public long rip() {
    return get(X86Reg.RIP);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    int i = 0;
    for (Map.Entry<String, Long> e : values.entrySet()) {
      sb.append(String.format("%-7s 0x%016X", e.getKey(), e.getValue()));
      sb.append(++i % 4 == 0 ? "\n" : "  ");
    }
    return sb.toString().stripTrailing();
  }
}
