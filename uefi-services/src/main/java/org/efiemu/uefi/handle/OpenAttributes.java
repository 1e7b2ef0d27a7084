package org.efiemu.uefi.handle;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code EFI_OPEN_PROTOCOL_*} attribute bits of {@code OpenProtocol()} (UEFI 2.10 §7.3.9).
 */
public final class OpenAttributes {
    public static final int BY_HANDLE_PROTOCOL = 0x01;
    public static final int GET_PROTOCOL = 0x02;
    public static final int TEST_PROTOCOL = 0x04;
    public static final int BY_CHILD_CONTROLLER = 0x08;
    public static final int BY_DRIVER = 0x10;
    public static final int EXCLUSIVE = 0x20;

    private static final String[] NAMES = {"BY_HANDLE_PROTOCOL", "GET_PROTOCOL", "TEST_PROTOCOL",
        "BY_CHILD_CONTROLLER", "BY_DRIVER", "EXCLUSIVE"};

    private OpenAttributes() {
    }

    /** True for the six combinations EDK2's {@code CoreOpenProtocol()} accepts. */
    public static boolean isValid(int attributes) {
        return switch (attributes) {
            case BY_HANDLE_PROTOCOL, GET_PROTOCOL, TEST_PROTOCOL, BY_CHILD_CONTROLLER, BY_DRIVER,
                 BY_DRIVER | EXCLUSIVE, EXCLUSIVE -> true;
            default -> false;
        };
    }

    /** Spec names joined by {@code |}, e.g. {@code EFI_OPEN_PROTOCOL_BY_DRIVER|EFI_OPEN_PROTOCOL_EXCLUSIVE}. */
    public static String nameOf(int attributes) {
        List<String> parts = new ArrayList<>();
        int rest = attributes;
        for (int bit = 0; bit < NAMES.length; bit++) {
            if ((attributes & (1 << bit)) != 0) {
                parts.add("EFI_OPEN_PROTOCOL_" + NAMES[bit]);
                rest &= ~(1 << bit);
            }
        }
        if (rest != 0 || parts.isEmpty()) {
            parts.add(String.format("0x%X", rest));
        }
        return String.join("|", parts);
    }
}
