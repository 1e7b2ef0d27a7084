package org.efiemu.core.debug.gdb;

import org.efiemu.core.memory.GuestMemory;

/**
 * {@code m addr,length} (reads the RAM prefix of the range; {@code E14} when its first byte is not RAM),
 * {@code M addr,length:hex} and {@code X addr,length:binary} writes (GDB manual, "Packets").
 */
final class MemoryPackets implements PacketFamily {
  private static final String FAULT = "E14"; // EFAULT

  @Override
  public String reply(GdbSession s, String p) {
    GuestMemory mem = s.debugger.machine().memory();
    if (p.startsWith("m")) {
      String[] a = p.substring(1).split(",");
      long addr = Hex.number(a[0]);
      int len = (int) Math.min(Hex.number(a[1]), 0x4000);
      int ok = 0;
      while (ok < len && mem.isRam(addr + ok, 1)) ok++;
      return ok == 0 && len > 0 ? FAULT : Hex.bytes(mem.read(addr, ok));
    }
    if (p.startsWith("M") || p.startsWith("X")) {
      int colon = p.indexOf(':');
      if (colon < 0) return "E00";
      String[] a = p.substring(1, colon).split(",");
      long addr = Hex.number(a[0]);
      int len = (int) Hex.number(a[1]);
      byte[] data = p.startsWith("M") ? Hex.parseBytes(p.substring(colon + 1)) : Hex.unescape(p.substring(colon + 1));
      if (data.length != len) return "E00";
      if (len == 0) return "OK"; // GDB probes X support with an empty write
      if (!mem.isRam(addr, len)) return FAULT;
      s.debugger.write(addr, data);
      return "OK";
    }
    return null;
  }
}
