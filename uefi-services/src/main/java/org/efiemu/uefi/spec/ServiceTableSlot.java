package org.efiemu.uefi.spec;

import java.util.Objects;

/**
 * One function-pointer slot of a UEFI service table ({@code EFI_BOOT_SERVICES}, UEFI 2.10 §4.4, or
 * {@code EFI_RUNTIME_SERVICES}, §4.5), implemented by the enums that declare the slots in table order. Both tables start
 * with the 24-byte {@code EFI_TABLE_HEADER} (§4.2) followed by one 8-byte pointer per slot, so a slot's byte offset is
 * {@code 24 + 8 * ordinal()}.
 */
public interface ServiceTableSlot {

    /** Size of {@code EFI_TABLE_HEADER} (UEFI 2.10 §4.2): where the first slot starts. */
    int HEADER_SIZE = 24;

    /** The slot's position in the table (an enum's {@code ordinal()}). */
    int ordinal();

    /** The spec's name, e.g. {@code AllocatePages}. */
    String specName();

    /** Number of parameters of the spec prototype, or -1 for a variadic service. */
    int parameterCount();

    /** Byte offset of this slot's function pointer in its table. */
    default int offset() {
        return offsetOf(ordinal());
    }

    /** Byte offset of slot number {@code ordinal} in a service table. */
    static int offsetOf(int ordinal) {
        return HEADER_SIZE + 8 * ordinal;
    }

    /** Size of a service table with {@code slots} function pointers: header plus one pointer per slot. */
    static int tableSize(int slots) {
        return offsetOf(slots);
    }

    /** The constant of {@code type} with this spec name (case-sensitive, e.g. {@code AllocatePages}), or null. */
    static <E extends Enum<E> & ServiceTableSlot> E bySpecName(Class<E> type, String name) {
        for (E slot : type.getEnumConstants()) {
            if (Objects.equals(slot.specName(), name)) {
                return slot;
            }
        }
        return null;
    }
}
