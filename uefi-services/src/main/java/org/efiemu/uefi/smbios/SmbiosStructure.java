package org.efiemu.uefi.smbios;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes one SMBIOS structure (DSP0134 3.7 §6.1.2): the formatted area (Type, Length, Handle, fields) followed by
 * its string set, each string NUL-terminated and the set ended by an extra NUL (two NULs when there are none).
 * String fields hold 1-based indexes into the set; an empty or null string is stored as 0 ("no string").
 */
final class SmbiosStructure {

    private final ByteBuffer formatted;
    private final List<String> strings = new ArrayList<>();

    SmbiosStructure(int type, int length, int handle) {
        formatted = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        formatted.put((byte) type).put((byte) length).putShort((short) handle);
    }

    SmbiosStructure u8(int offset, int value) {
        formatted.put(offset, (byte) value);
        return this;
    }

    SmbiosStructure u16(int offset, int value) {
        formatted.putShort(offset, (short) value);
        return this;
    }

    SmbiosStructure u32(int offset, int value) {
        formatted.putInt(offset, value);
        return this;
    }

    SmbiosStructure u64(int offset, long value) {
        formatted.putLong(offset, value);
        return this;
    }

    SmbiosStructure bytes(int offset, byte[] value) {
        formatted.put(offset, value);
        return this;
    }

    /**
     * Stores {@code value} in the string set and its number at {@code offset}.
     *
     * @throws IllegalArgumentException when the string holds a NUL or is not printable ASCII/Latin-1
     */
    SmbiosStructure string(int offset, String value) {
        if (value == null || value.isEmpty()) {
            return u8(offset, 0);
        }
        if (!printable(value)) {
            throw new IllegalArgumentException("SMBIOS string '" + value + "' (type " + formatted.get(0)
                    + "): expected printable characters without NUL");
        }
        int index = strings.indexOf(value);
        if (index < 0) {
            strings.add(value);
            index = strings.size() - 1;
        }
        return u8(offset, index + 1);
    }

    /** Every character in 0x20..0xFF except DEL (a loop: this runs for every string of every machine's tables). */
    private static boolean printable(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c > 0xFF || c == 0x7F) {
                return false;
            }
        }
        return true;
    }

    byte[] toBytes() {
        byte[] area = formatted.array();
        int size = area.length + 1 + (strings.isEmpty() ? 1 : 0);
        for (String s : strings) {
            size += s.length() + 1; // Latin-1: one byte per character (string() admits nothing else)
        }
        byte[] out = new byte[size]; // zeros: every string's NUL and the set's final NUL(s) are already there
        System.arraycopy(area, 0, out, 0, area.length);
        int at = area.length;
        for (String s : strings) {
            byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
            System.arraycopy(b, 0, out, at, b.length);
            at += b.length + 1;
        }
        return out;
    }
}
