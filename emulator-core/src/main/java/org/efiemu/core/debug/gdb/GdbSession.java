package org.efiemu.core.debug.gdb;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.efiemu.core.debug.Breakpoint;
import org.efiemu.core.debug.Debugger;
import org.efiemu.core.debug.StopEvent;
import org.efiemu.core.debug.Watchpoint;

/** One connection's state: the debugger, its registers, the breakpoints GDB inserted, the last stop. */
final class GdbSession {
  final GdbTarget target;
  Debugger debugger;
  RegisterFile registers;
  final PacketChannel channel;
  final Map<Long, Breakpoint> breakpoints = new HashMap<>();
  final Map<String, Watchpoint> watchpoints = new HashMap<>();
  StopEvent last;
  /** gdb sent {@code !} ({@code target extended-remote}): the server waits for the next gdb after this one. */
  boolean extended;

  GdbSession(GdbTarget target, PacketChannel channel) {
    this.target = target;
    this.debugger = target.debugger();
    this.registers = new RegisterFile(debugger.machine().engine());
    this.channel = channel;
  }

  /**
   * Follows the target to its current debugger after a run, a monitor command or a reverse step that rebuilt the
   * machine: new register file, gdb's breakpoints and watchpoints inserted again.
   */
  void sync() {
    Debugger now = target.debugger();
    if (now == debugger) return;
    debugger = now;
    registers = new RegisterFile(now.machine().engine());
    breakpoints.replaceAll((address, old) -> now.breakAt(address));
    watchpoints.replaceAll((key, old) -> {
      String[] a = key.split(",");
      return now.watchWrites(Hex.number(a[0]), Hex.number(a[1]));
    });
  }

  /** Console output shown by GDB ({@code O} packet, hex-encoded text); only while the target runs. */
  void console(String text) throws IOException {
    channel.send("O" + Hex.bytes(text.getBytes(StandardCharsets.UTF_8)));
  }
}
