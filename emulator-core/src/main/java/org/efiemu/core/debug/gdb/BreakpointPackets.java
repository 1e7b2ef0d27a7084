package org.efiemu.core.debug.gdb;

import org.efiemu.core.debug.Breakpoint;
import org.efiemu.core.debug.Watchpoint;

/**
 * {@code Z0}/{@code Z1} (software and hardware breakpoints; both are the debugger's hook breakpoints, guest memory is
 * never patched) and {@code Z2} write watchpoints, with their {@code z} removals. Read and access watchpoints
 * ({@code Z3}, {@code Z4}) are not supported (empty reply).
 */
final class BreakpointPackets implements PacketFamily {
  @Override
  public String reply(GdbSession s, String p) {
    if (!(p.startsWith("Z") || p.startsWith("z")) || p.length() < 2) return null;
    boolean insert = p.charAt(0) == 'Z';
    char type = p.charAt(1);
    if (p.length() < 4 || p.charAt(2) != ',') return "E01";
    String[] a = p.substring(3).split("[,;]");
    if (a.length < 2 || a[0].isEmpty() || a[0].length() > 16 || a[1].isEmpty() || a[1].length() > 16) return "E01";
    long addr = Hex.number(a[0]);
    long kind = Hex.number(a[1]);
    // x86-64 canonical addresses only (48-bit): anything else can never be executed or written
    if (addr != (addr << 16 >> 16)) return "E01";
    if (type == '2' && (kind <= 0 || kind > 8 || Long.compareUnsigned(addr + kind - 1, addr) < 0)) return "E01";
    switch (type) {
      case '0', '1' -> {
        if (insert) {
          s.breakpoints.computeIfAbsent(addr, s.debugger::breakAt);
        } else {
          Breakpoint bp = s.breakpoints.remove(addr);
          if (bp != null) s.debugger.remove(bp);
        }
        return "OK";
      }
      case '2' -> {
        String key = a[0] + "," + a[1];
        if (insert) {
          s.watchpoints.computeIfAbsent(key, k -> s.debugger.watchWrites(addr, kind));
        } else {
          Watchpoint wp = s.watchpoints.remove(key);
          if (wp != null) s.debugger.remove(wp);
        }
        return "OK";
      }
      default -> {
        return "";
      }
    }
  }
}
