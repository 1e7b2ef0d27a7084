package org.efiemu.platform.importer;

import java.util.regex.Pattern;

/** Line handling shared by the importers: the log prefixes real dumps carry. */
final class DumpLines {

    /** {@code [    0.000000] }, {@code (XEN) }, {@code (XEN) [2017-03-01 12:00:00.000] } and syslog levels {@code <6>}. */
    private static final Pattern PREFIX = Pattern.compile(
            "^(?:<\\d>)?(?:\\[\\s*\\d+\\.\\d+\\]\\s?)?(?:\\(XEN\\)\\s?)?(?:\\[[0-9-]+ [0-9:.]+\\]\\s?)?");

    private DumpLines() {}

    /** The line without its dmesg timestamp or Xen console prefix. */
    static String body(String line) {
        return PREFIX.matcher(line).replaceFirst("");
    }

    static String[] split(String text) {
        return text.split("\r?\n", -1);
    }

    /** Parses hex digits (no prefix) or throws a format error naming the line. */
    static long hex(String digits, String what, String file, int line) {
        if (digits.isEmpty() || digits.length() > 16 || !digits.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            throw new org.efiemu.platform.ProfileFormatException(file, line, what + " '" + digits
                    + "': expected 1 to 16 hex digits");
        }
        return Long.parseUnsignedLong(digits, 16);
    }
}
