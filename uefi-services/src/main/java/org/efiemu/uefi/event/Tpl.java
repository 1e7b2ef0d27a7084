package org.efiemu.uefi.event;

/** Task priority levels (UEFI 2.10 §7.1, Table 7-2 "TPL Usage"). */
public final class Tpl {
    public static final int APPLICATION = 4;
    public static final int CALLBACK = 8;
    public static final int NOTIFY = 16;
    public static final int HIGH_LEVEL = 31;

    private Tpl() {
    }

    /** {@code TPL_APPLICATION} etc. for the four named levels, the number otherwise. */
    public static String nameOf(int tpl) {
        return switch (tpl) {
            case APPLICATION -> "TPL_APPLICATION";
            case CALLBACK -> "TPL_CALLBACK";
            case NOTIFY -> "TPL_NOTIFY";
            case HIGH_LEVEL -> "TPL_HIGH_LEVEL";
            default -> Integer.toString(tpl);
        };
    }
}
