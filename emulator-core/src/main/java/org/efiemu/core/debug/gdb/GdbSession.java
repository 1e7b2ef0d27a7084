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
  final Debugger debugger;
  final RegisterFile registers;
  final PacketChannel channel;
  final Map<Long, Breakpoint> breakpoints = new HashMap<>();
  final Map<String, Watchpoint> watchpoints = new HashMap<>();
  StopEvent last;

  GdbSession(Debugger debugger, PacketChannel channel) {
    this.debugger = debugger;
    this.registers = new RegisterFile(debugger.machine().engine());
    this.channel = channel;
  }

  /** Console output shown by GDB ({@code O} packet, hex-encoded text); only while the target runs. */
  void console(String text) throws IOException {
    channel.send("O" + Hex.bytes(text.getBytes(StandardCharsets.UTF_8)));
  }
}
