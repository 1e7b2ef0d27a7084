package org.efiemu.uefi.debug.console;

/** Small checks of a command's argument text. */
final class Arguments {
    private Arguments() {}

    static void none(String verb, String arguments) {
        if (!arguments.isBlank()) {
            throw new IllegalArgumentException(verb + " takes no arguments, got '" + arguments.trim() + "'");
        }
    }

    static long number(String text, String what) {
        String t = text.trim();
        try {
            return t.startsWith("0x") || t.startsWith("0X") ? Long.parseUnsignedLong(t.substring(2), 16) : Long.parseLong(t);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " '" + t + "': expected a number such as 0x9C000 or 16");
        }
    }
}
