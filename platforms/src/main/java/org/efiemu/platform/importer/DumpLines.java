package org.efiemu.platform.importer;

import java.util.regex.Pattern;

/** Line handling shared by the importers: the log prefixes real dumps carry. */
final class DumpLines {

    /**
     * {@code [    0.000000] }, {@code (XEN) }, {@code (XEN) [2017-03-01 12:00:00.000] }, syslog levels {@code <6>} and
     * coreboot's console levels {@code [DEBUG]  }.
     */
    private static final Pattern PREFIX = Pattern.compile(
            "^(?:<\\d>)?(?:\\[\\s*\\d+\\.\\d+\\]\\s?)?(?:\\(XEN\\)\\s?)?(?:\\[[0-9-]+ [0-9:.]+\\]\\s?)?"
                    + "(?:\\[(?:EMERG|ALERT|CRIT|ERROR|WARN|NOTE|INFO|DEBUG|SPEW) *\\]\\s?)?");

    private DumpLines() {}

    /** The line without its dmesg timestamp or Xen console prefix. */
    static String body(String line) {
        return PREFIX.matcher(line).replaceFirst("");
    }

    /**
     * A UEFI descriptor from a row's fields, checked: {@code start} 4 KiB aligned, {@code pages} more than 0 and the
     * range inside the 64-bit address space; each error names the row's field ({@code startField}, {@code pagesField}).
     */
    static org.efiemu.uefi.spec.MemoryDescriptor descriptor(int type, long start, long pages, long attr, String file,
            int line, String startField, String pagesField) {
        if ((start & 0xFFF) != 0) {
            throw new org.efiemu.platform.ProfileFormatException(file, line, String.format("%s 0x%X is not 4 KiB aligned;"
                    + " expected a page address (UEFI 2.10 §7.2)", startField, start));
        }
        if (pages == 0) {
            throw new org.efiemu.platform.ProfileFormatException(file, line, pagesField + " 0: expected at least one page;"
                    + " firmware never reports an empty descriptor");
        }
        if (Long.compareUnsigned(pages, (1L << 52) - (start >>> 12)) > 0) {
            throw new org.efiemu.platform.ProfileFormatException(file, line, String.format("%s 0x%X from 0x%X runs past"
                    + " the end of the 64-bit address space", pagesField, pages, start));
        }
        return new org.efiemu.uefi.spec.MemoryDescriptor(type, start, pages, attr);
    }

    /** Parses a decimal number of at most 18 digits or throws a format error naming the line and the field. */
    static long decimal(String digits, String what, String file, int line) {
        if (digits.isEmpty() || digits.length() > 18 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new org.efiemu.platform.ProfileFormatException(file, line, what + " '" + digits
                    + "': expected 1 to 18 decimal digits");
        }
        return Long.parseLong(digits);
    }

    /**
     * The index of the first line whose body (prefix removed) matches {@code header} in full, or -1: the importers'
     * test for "this dump carries my table" and the place its rows start after.
     */
    static int headerIndex(String[] lines, Pattern header) {
        for (int i = 0; i < lines.length; i++) {
            if (header.matcher(body(lines[i])).matches()) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Checks an inclusive range {@code first..last} with its page count, as UEFI Shell {@code memmap} and GRUB
     * {@code lsefimmap} print them: start not above end, both ends on 4 KiB page boundaries and {@code pages} equal
     * to the range's page count. Each error names the line and the row's own field names.
     */
    static void inclusiveRange(long first, long last, long pages, String file, int line, String pagesField) {
        if (Long.compareUnsigned(last, first) < 0) {
            throw new org.efiemu.platform.ProfileFormatException(file, line, String.format("reversed range %016X-%016X;"
                    + " expected start <= end", first, last));
        }
        if ((first & 0xFFF) != 0 || ((last + 1) & 0xFFF) != 0) {
            throw new org.efiemu.platform.ProfileFormatException(file, line, String.format("range %016X-%016X is not"
                    + " 4 KiB aligned: expected a page-aligned start and an end on the last byte of a page", first, last));
        }
        if (pages == 0 || pages != (last - first + 1) >>> 12) {
            throw new org.efiemu.platform.ProfileFormatException(file, line, String.format("%s %x does not match the"
                    + " range %016X-%016X (%x pages)", pagesField, pages, first, last, (last - first + 1) >>> 12));
        }
    }

    /**
     * ORs the attribute flags named in a whitespace-separated {@code text} (e.g. {@code "UC WC WT WB RUNTIME"});
     * an unknown flag is an error naming the line, the {@code field} and the flags that exist.
     */
    static long flags(String text, java.util.Map<String, Long> known, String field, String file, int line) {
        long attr = 0;
        for (String flag : text.strip().split("\\s+")) {
            if (flag.isEmpty()) {
                continue;
            }
            Long bit = known.get(flag);
            if (bit == null) {
                throw new org.efiemu.platform.ProfileFormatException(file, line, field + " flag '" + flag
                        + "': expected one of " + known.keySet());
            }
            attr |= bit;
        }
        return attr;
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
