package org.efiemu.uefi.variable;

import java.util.ArrayList;
import java.util.List;

/** {@code EFI_VARIABLE_*} attribute bits (UEFI 2.10 §8.2.1 {@code GetVariable()}, "Related Definitions"). */
public final class VariableAttributes {
    public static final int NON_VOLATILE = 0x01;
    public static final int BOOTSERVICE_ACCESS = 0x02;
    public static final int RUNTIME_ACCESS = 0x04;
    public static final int HARDWARE_ERROR_RECORD = 0x08;
    /** Deprecated by the spec; EDK2 still recognises it. */
    public static final int AUTHENTICATED_WRITE_ACCESS = 0x10;
    public static final int TIME_BASED_AUTHENTICATED_WRITE_ACCESS = 0x20;
    public static final int APPEND_WRITE = 0x40;
    public static final int ENHANCED_AUTHENTICATED_ACCESS = 0x80;

    /** EDK2 {@code EFI_VARIABLE_ATTRIBUTES_MASK}: every defined bit except the deprecated one. */
    static final int ATTRIBUTES_MASK = NON_VOLATILE | BOOTSERVICE_ACCESS | RUNTIME_ACCESS | HARDWARE_ERROR_RECORD
            | TIME_BASED_AUTHENTICATED_WRITE_ACCESS | APPEND_WRITE | ENHANCED_AUTHENTICATED_ACCESS;
    /** EDK2 {@code VARIABLE_ATTRIBUTE_AT_AW}. */
    static final int AT_AW = AUTHENTICATED_WRITE_ACCESS | TIME_BASED_AUTHENTICATED_WRITE_ACCESS;

    /** {@code NV+BS+RT}: the usual attributes of a persistent global variable. */
    public static final int NV_BS_RT = NON_VOLATILE | BOOTSERVICE_ACCESS | RUNTIME_ACCESS;
    /** {@code BS+RT}. */
    public static final int BS_RT = BOOTSERVICE_ACCESS | RUNTIME_ACCESS;

    private static final String[] NAMES = {"NV", "BS", "RT", "HR", "AW", "AT", "AP", "EA"};

    private VariableAttributes() {
    }

    /** Short names joined by {@code |} as the UEFI Shell's {@code dmpstore} prints them, e.g. {@code NV|BS|RT}. */
    public static String nameOf(int attributes) {
        List<String> parts = new ArrayList<>();
        for (int bit = 0; bit < NAMES.length; bit++) {
            if ((attributes & (1 << bit)) != 0) {
                parts.add(NAMES[bit]);
            }
        }
        int rest = attributes & ~0xFF;
        if (rest != 0 || parts.isEmpty()) {
            parts.add(String.format("0x%X", rest));
        }
        return String.join("|", parts);
    }
}
