package org.efiemu.core.debug.gdb;

/** {@code g}, {@code G}, {@code p n}, {@code P n=value} (GDB manual, "Packets"). */
final class RegisterPackets implements PacketFamily {
  @Override
  public String reply(GdbSession s, String p) {
    if (p.equals("g")) return s.registers.readAll();
    if (p.startsWith("G")) return s.registers.writeAll(p.substring(1)) ? "OK" : "E01";
    if (p.startsWith("p")) {
      int n = (int) Hex.number(p.substring(1));
      return n < TargetDescription.REGISTERS.size() ? s.registers.read(n) : "E00";
    }
    if (p.startsWith("P")) {
      int eq = p.indexOf('=');
      if (eq < 0) return "E00";
      int n = (int) Hex.number(p.substring(1, eq));
      if (n >= TargetDescription.REGISTERS.size()) return "E00";
      return s.registers.write(n, p.substring(eq + 1)) ? "OK" : "E01";
    }
    return null;
  }
}
