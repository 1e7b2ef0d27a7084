package org.efiemu.core.debug.gdb;

import java.io.IOException;
import org.efiemu.core.debug.StopEvent;

/**
 * {@code bs} (reverse step, gdb's {@code reverse-stepi}) and {@code bc} (reverse continue), answered by
 * {@link GdbTarget#reverse}; empty (unsupported) for a target without reverse execution. Going back past the start
 * of the recorded run answers {@code T05replaylog:begin;} (GDB manual, "Stop Reply Packets").
 */
final class ReversePackets implements PacketFamily {
  @Override
  public String reply(GdbSession s, String p) throws IOException {
    if (!p.equals("bs") && !p.equals("bc")) return null;
    if (!s.target.reversible()) return "";
    StopEvent e;
    try {
      e = s.target.reverse(p.equals("bs"));
    } catch (IllegalStateException atStart) {
      s.sync();
      return "T05replaylog:begin;thread:01;";
    }
    s.sync();
    s.last = e;
    return ExecutionPackets.stopReply(s, e, true);
  }
}
