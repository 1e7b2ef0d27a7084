package org.efiemu.uefi.debug.console;

import java.io.PrintWriter;
import org.efiemu.uefi.debug.UefiDebugSession;

/**
 * {@code x/NS ADDRESS}: N units of size S ({@code b} 1, {@code h} 2, {@code w} 4, {@code g} 8 bytes; default
 * {@code x/4g}) of guest memory, little-endian, in hex.
 */
final class ExamineCommand implements Command {
    @Override
    public String usage() {
        return "x/NS ADDRESS  -- N units of S = b|h|w|g bytes at ADDRESS, e.g. x/8g 0x9C000";
    }

    @Override
    public void run(UefiDebugSession session, String arguments, PrintWriter out) {
        String a = arguments.trim();
        int count = 4;
        int size = 8;
        if (a.startsWith("/")) {
            int space = a.indexOf(' ');
            String fmt = space < 0 ? a.substring(1) : a.substring(1, space);
            a = space < 0 ? "" : a.substring(space).trim();
            String digits = fmt.replaceAll("[^0-9]", "");
            String unit = fmt.replaceAll("[0-9]", "");
            if (!fmt.matches("[0-9]*[bhwg]?")) throw new IllegalArgumentException("x/" + fmt + ": " + usage());
            if (!digits.isEmpty()) count = Integer.parseInt(digits);
            if (!unit.isEmpty()) size = switch (unit) {
                case "b" -> 1;
                case "h" -> 2;
                case "w" -> 4;
                default -> 8;
            };
        }
        if (a.isEmpty()) throw new IllegalArgumentException("x: expected an address; " + usage());
        if (count <= 0 || count > 4096) throw new IllegalArgumentException("x: count " + count + " must be 1..4096");
        long address = Arguments.number(a, "x address");
        byte[] bytes = session.debugger().read(address, count * size);
        int perLine = Math.max(1, 16 / size);
        for (int i = 0; i < count; i++) {
            if (i % perLine == 0) out.printf("%s0x%X:", i == 0 ? "" : "\n", address + (long) i * size);
            long v = 0;
            for (int b = size - 1; b >= 0; b--) v = (v << 8) | (bytes[i * size + b] & 0xFF);
            out.printf(" 0x%0" + (size * 2) + "X", v);
        }
        out.println();
    }
}
