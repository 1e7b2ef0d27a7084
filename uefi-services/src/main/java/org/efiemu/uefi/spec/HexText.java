package org.efiemu.uefi.spec;

/**
 * Upper-case hexadecimal text as {@code String.format}'s {@code %X} and {@code %0NX} give it (a {@code long} taken as
 * unsigned), without a {@code java.util.Formatter}: names, labels and GUIDs built for every machine of a hunt (device
 * path text, {@link Guid#registryForm()}, generated profiles) are on the per-scenario path, where a {@code Formatter}
 * (pattern parsing, boxing) costs more than the text itself.
 */
public final class HexText {
    private static final char[] DIGITS = "0123456789ABCDEF".toCharArray();

    private HexText() {}

    /** {@code String.format("%X", v)}: unsigned, upper case, no leading zeros. */
    public static String upper(long v) {
        return upper(v, 1);
    }

    /**
     * {@code String.format("%0" + digits + "X", v)}: unsigned, upper case, at least {@code digits} digits (zeros in
     * front), more when the value needs them.
     */
    public static String upper(long v, int digits) {
        int need = Math.max(1, (64 - Long.numberOfLeadingZeros(v) + 3) / 4);
        int n = Math.max(need, digits);
        char[] c = new char[n];
        for (int i = n - 1; i >= 0; i--) {
            c[i] = DIGITS[(int) (v & 0xF)];
            v >>>= 4;
        }
        return new String(c);
    }
}
