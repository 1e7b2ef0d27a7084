package org.efiemu.uefi.debug;

import java.util.Locale;
import org.efiemu.uefi.spec.AllocateType;
import org.efiemu.uefi.spec.MemoryType;

/** Spec names of argument values (EFI_ALLOCATE_TYPE, EFI_MEMORY_TYPE) and the number syntax the debugger reads. */
final class Values {
    private Values() {}

    /** {@code AllocateMaxAddress} for a Type, {@code EfiLoaderData} for a memory type, else hex or decimal. */
    static String describe(String argument, long value) {
        if (argument.equals("Type")) {
            AllocateType t = AllocateType.ofValue(value);
            if (t != null) return t.name();
        }
        if (argument.endsWith("MemoryType") || argument.equals("PoolType")) return MemoryType.nameOf((int) value);
        return value >= 0 && value < 4096 ? Long.toString(value) : "0x" + Long.toHexString(value).toUpperCase(Locale.ROOT);
    }

    /** The value of a spec constant name (AllocateType or MemoryType), or null. */
    static Long constant(String name) {
        for (AllocateType t : AllocateType.values()) {
            if (t.name().equals(name)) return (long) t.ordinal();
        }
        for (MemoryType t : MemoryType.values()) {
            if (t.name().equals(name)) return (long) t.value();
        }
        return null;
    }

    /**
     * Parses {@code 0x1A2B}, {@code 4096}, {@code 1MiB}/{@code 4KiB}/{@code 1GiB} (unsigned 64-bit); throws naming
     * {@code what} and the text on anything else.
     */
    static long parseNumber(String text, String what) {
        String t = text.trim();
        try {
            long unit = 1;
            for (String[] s : new String[][] {{"KiB", "1024"}, {"MiB", "1048576"}, {"GiB", "1073741824"}}) {
                if (t.endsWith(s[0])) {
                    unit = Long.parseLong(s[1]);
                    t = t.substring(0, t.length() - 3);
                }
            }
            long v = t.startsWith("0x") || t.startsWith("0X") ? Long.parseUnsignedLong(t.substring(2), 16)
                    : Long.parseUnsignedLong(t);
            return Math.multiplyExact(v, unit);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException(what + " '" + text + "': expected a number such as 0x9C000, 4096 or 1MiB");
        }
    }
}
