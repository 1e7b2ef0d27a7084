package org.efiemu.uefi.debug.console;

import java.io.PrintWriter;
import java.util.List;
import org.efiemu.core.debug.disasm.Instruction;
import org.efiemu.uefi.debug.DebugStop;
import org.efiemu.uefi.debug.UefiDebugSession;

/** Prints a stop: what happened, where, and the instruction at RIP. */
final class StopPrinter {
    private StopPrinter() {}

    static void print(UefiDebugSession s, DebugStop stop, PrintWriter out) {
        out.printf("%s at %s: %s%n", stop.kind().name().toLowerCase(java.util.Locale.ROOT), stop.where(), stop.description());
        if (stop.isFinal()) return;
        List<Instruction> ins = s.debugger().disassemble(stop.rip(), 1);
        if (!ins.isEmpty()) out.printf("=> 0x%X  %s%n", stop.rip(), ins.get(0).text());
    }
}
