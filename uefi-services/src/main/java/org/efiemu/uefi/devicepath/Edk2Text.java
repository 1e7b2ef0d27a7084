package org.efiemu.uefi.devicepath;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Pure helpers: EDK2 PrintLib's number and GUID forms (hex digits in upper case for %x as for %X). */
final class Edk2Text {
    private Edk2Text() {}

    /** {@code %x}/{@code %lx}: upper-case hex, no padding. */
    static String x(long v) {
        return Long.toHexString(v).toUpperCase(java.util.Locale.ROOT);
    }

    /** {@code %0Nx}: upper-case hex padded with zeros to {@code width}. */
    static String x(long v, int width) {
        String s = x(v);
        return s.length() >= width ? s : "0".repeat(width - s.length()) + s;
    }

    /** {@code %g}: the registry form of the 16 GUID bytes at {@code off}. */
    static String guid(byte[] b, int off) {
        ByteBuffer g = ByteBuffer.wrap(b, off, 16).order(ByteOrder.LITTLE_ENDIAN);
        StringBuilder s = new StringBuilder();
        s.append(x(Integer.toUnsignedLong(g.getInt()), 8)).append('-').append(x(g.getShort() & 0xFFFF, 4)).append('-')
                .append(x(g.getShort() & 0xFFFF, 4)).append('-');
        for (int i = 8; i < 16; i++) {
            if (i == 10) {
                s.append('-');
            }
            s.append(x(b[off + i] & 0xFF, 2));
        }
        return s.toString();
    }

    static int u16(byte[] b, int off) {
        return (b[off] & 0xFF) | (b[off + 1] & 0xFF) << 8;
    }

    static long u32(byte[] b, int off) {
        return Integer.toUnsignedLong((b[off] & 0xFF) | (b[off + 1] & 0xFF) << 8 | (b[off + 2] & 0xFF) << 16
                | (b[off + 3] & 0xFF) << 24);
    }

    static long u64(byte[] b, int off) {
        return u32(b, off) | u32(b, off + 4) << 32;
    }
}
