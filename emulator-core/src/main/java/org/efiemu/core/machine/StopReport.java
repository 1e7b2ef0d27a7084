package org.efiemu.core.machine;

import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.efiemu.core.engine.X86Reg;
import org.efiemu.core.gate.GateCall;

/**
 * How and where a run ended: the reason and its details, RIP and the bytes there, the registers (general purpose,
 * RFLAGS, CR0/CR2/CR3/CR4, EFER), the last host calls, and the virtual clock. {@link #toString()} is a readable
 * multi-line report.
 *
 * @param returnValue RAX at the stop (the result when {@code reason} is {@link StopReason#RETURNED})
 * @param registers register values at the stop, in report order
 */
public record StopReport(StopReason reason, String detail, long rip, String ripLabel, byte[] bytesAtRip,
    Map<String, Long> registers, List<GateCall> recentCalls, long instructions, long cycles, long returnValue) {

  /** A register's value at the stop. */
  public long reg(X86Reg r) {
    Long v = registers.get(r.name());
    if (v == null) throw new IllegalArgumentException(r + " is not in the stop report");
    return v;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format("Stop: %s (%s)%n", reason, reason.text()));
    if (detail != null && !detail.isEmpty()) sb.append("  ").append(detail).append(System.lineSeparator());
    sb.append(String.format("  RIP 0x%016X%s  bytes: %s%n", rip, ripLabel == null ? "" : " <" + ripLabel + ">",
        bytesAtRip.length == 0 ? "(not readable)" : HexFormat.ofDelimiter(" ").withUpperCase().formatHex(bytesAtRip)));
    int i = 0;
    for (Map.Entry<String, Long> e : registers.entrySet()) {
      sb.append(String.format("  %-6s 0x%016X", e.getKey(), e.getValue()));
      if (++i % 4 == 0) sb.append(System.lineSeparator());
    }
    if (i % 4 != 0) sb.append(System.lineSeparator());
    sb.append(String.format("  instructions %d, virtual cycles %d%n", instructions, cycles));
    if (recentCalls.isEmpty()) {
      sb.append("  no host calls").append(System.lineSeparator());
    } else {
      sb.append("  last host calls (oldest first):").append(System.lineSeparator());
      for (GateCall c : recentCalls) sb.append("    ").append(c).append(System.lineSeparator());
    }
    return sb.toString();
  }
}
