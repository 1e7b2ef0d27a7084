package org.efiemu.core.debug.gdb;

import java.io.IOException;
import org.efiemu.core.debug.StopEvent;
import org.efiemu.core.debug.StopKind;
import org.efiemu.core.machine.StopReason;
import org.efiemu.core.engine.X86Reg;

/**
 * {@code ?}, {@code c}/{@code C}, {@code s}/{@code S} (with an optional resume address) and {@code vCont?}/
 * {@code vCont;action} (one thread: the first action applies). Running happens on the serving thread; the stop
 * reply is built from the debugger's {@link StopEvent} (GDB manual, "Stop Reply Packets"): {@code T05} (SIGTRAP) for
 * breakpoints and steps, with {@code watch:addr} for watchpoints, {@code T02} (SIGINT) for an interrupt. When the
 * guest's run is over GDB is told so, and prints "exited": {@code Wxx} with the low byte of RAX when the called
 * function returned, or when the host ended the run ({@link StopReason#HOST_STOP}: the UEFI image returned, or
 * ResetSystem / Exit / a violation ended it; RAX then holds the status). A fault stops first with {@code T0b}/
 * {@code T04} (SIGSEGV, SIGILL) so the faulting state can be inspected; resuming from it cannot run the guest on, so
 * the reply is {@code X0b}/{@code X04} (terminated by that signal) without running. The run's description is printed
 * first as console output.
 */
final class ExecutionPackets implements PacketFamily {
  @Override
  public String reply(GdbSession s, String p) throws IOException {
    if (p.equals("?")) return s.last == null ? "T05thread:01;" : stopReply(s, s.last, false);
    if (p.equals("vCont?")) return "vCont;c;C;s;S";
    if (p.startsWith("vCont;")) {
      String action = p.substring(6).split(";")[0].split(":")[0];
      return run(s, action.startsWith("s") || action.startsWith("S"), null);
    }
    if (p.startsWith("c") || p.startsWith("s")) {
      return run(s, p.startsWith("s"), p.length() > 1 ? p.substring(1) : null);
    }
    if (p.startsWith("C") || p.startsWith("S")) { // signal number ignored: the guest has no signal handlers
      int semi = p.indexOf(';');
      return run(s, p.startsWith("S"), semi < 0 ? null : p.substring(semi + 1));
    }
    return null;
  }

  private static String run(GdbSession s, boolean step, String address) throws IOException {
    int fatal = s.last == null ? 0 : faultSignal(s.last);
    if (fatal != 0) { // the machine cannot go past a fault: the program is terminated by its signal
      s.console(String.format("efiemu: the run ended with %s%n", s.last.description()));
      return String.format("X%02x", fatal);
    }
    if (address != null && !address.isEmpty()) s.debugger.reg(X86Reg.RIP, Hex.number(address));
    StopEvent e = s.target.resume(step);
    s.sync();
    s.last = e;
    return stopReply(s, e, true);
  }

  static String stopReply(GdbSession s, StopEvent e, boolean fresh) throws IOException {
    String thread = "thread:01;";
    return switch (e.kind()) {
      case EXITED -> {
        if (fresh) s.console(String.format("efiemu: %s%n", e.description()));
        yield String.format("W%02x", e.returnValue() & 0xFF);
      }
      case INTERRUPTED -> "T02" + thread;
      case WATCHPOINT -> String.format("T05watch:%x;%s", e.watch().watchpoint().address(), thread);
      case MACHINE -> {
        if (e.report().reason() == StopReason.HOST_STOP) { // the host ended the run: the program is over
          if (fresh) s.console(String.format("efiemu: %s, RAX 0x%X%n", e.description(), e.returnValue()));
          yield String.format("W%02x", e.returnValue() & 0xFF);
        }
        int signal = faultSignal(e);
        yield signal != 0 ? String.format("T%02x%s", signal, thread) : "T05" + thread;
      }
      default -> "T05" + thread;
    };
  }

  /** SIGSEGV (11) for memory and protection faults, SIGILL (4) for #UD; 0 when {@code e} is not a fault. */
  static int faultSignal(StopEvent e) {
    if (e.kind() != StopKind.MACHINE || e.report() == null) return 0;
    return switch (e.report().reason()) {
      case MEMORY_FAULT, PAGE_FAULT, PROTECTION_FAULT, GENERAL_PROTECTION, ABOVE_PHYSICAL_LIMIT -> 11;
      case INVALID_OPCODE -> 4;
      default -> 0;
    };
  }
}
