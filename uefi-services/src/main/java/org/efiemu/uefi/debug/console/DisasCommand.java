package org.efiemu.uefi.debug.console;

import java.io.PrintWriter;
import org.efiemu.core.debug.disasm.Instruction;
import org.efiemu.core.engine.X86Reg;
import org.efiemu.uefi.debug.UefiDebugSession;

/** {@code disas [N] [ADDRESS]}: N instructions (default 5) at ADDRESS (default RIP), each with its image+offset (and
 * function+offset where the image keeps symbols). */
final class DisasCommand implements Command {
    @Override
    public String usage() {
        return "disas [N] [ADDRESS]  -- disassemble N instructions (default 5) at ADDRESS (default RIP)";
    }

    @Override
    public void run(UefiDebugSession session, String arguments, PrintWriter out) {
        String[] w = arguments.trim().isEmpty() ? new String[0] : arguments.trim().split("\\s+");
        if (w.length > 2) throw new IllegalArgumentException("disas: " + usage());
        int n = w.length > 0 ? (int) Arguments.number(w[0], "disas count") : 5;
        long at = w.length > 1 ? Arguments.number(w[1], "disas address") : session.debugger().reg(X86Reg.RIP);
        long rip = session.debugger().reg(X86Reg.RIP);
        for (Instruction i : session.debugger().disassemble(at, n)) {
            // session.where gives "image.efi+0x1A2B <function+0x12>" where symbols are known: one pair of brackets here
            String where = session.where(i.address()).replace(" <", " ").replace(">", "");
            out.printf("%s 0x%X <%s>  %s%n", i.address() == rip ? "=>" : "  ", i.address(), where, i.text());
        }
    }
}
