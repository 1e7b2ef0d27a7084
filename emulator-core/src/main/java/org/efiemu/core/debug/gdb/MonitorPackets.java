package org.efiemu.core.debug.gdb;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * {@code qRcmd,HEX} (gdb's {@code monitor CMD}): the hex-decoded command goes to {@link GdbTarget#monitor}; its output
 * is sent as {@code O} console packets, then {@code OK}. A bad command prints one error line and the session goes
 * on.
 */
final class MonitorPackets implements PacketFamily {
  /** Bytes of output per {@code O} packet (hex doubles it; stays far below the advertised PacketSize). */
  static final int CHUNK = 1024;

  @Override
  public String reply(GdbSession s, String p) throws IOException {
    if (!p.startsWith("qRcmd,")) return null;
    String command;
    try {
      command = new String(Hex.parseBytes(p.substring(6)), StandardCharsets.UTF_8).trim();
    } catch (IllegalArgumentException e) {
      return "E01";
    }
    String out;
    try {
      out = s.target.monitor(command);
    } catch (IllegalArgumentException | IllegalStateException e) {
      out = "error: " + e.getMessage() + "\n";
    }
    s.sync();
    byte[] b = out.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < b.length; i += CHUNK) {
      byte[] part = java.util.Arrays.copyOfRange(b, i, Math.min(b.length, i + CHUNK));
      s.channel.send("O" + Hex.bytes(part));
    }
    return "OK";
  }
}
