package org.efiemu.platform;

import java.io.ByteArrayOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * The text form of an option ROM's bytes in a profile's {@code pci-rom:} line: zlib-deflated (RFC 1950/1951) then
 * Base64 (RFC 4648 §4), with a SHA-256 digest beside it. QEMU's stdvga ROM (39 936 bytes) takes 24 084 characters this
 * way instead of 79 872 as hex.
 */
final class PciRomText {
    private PciRomText() {}

    static String encode(byte[] rom) {
        Deflater d = new Deflater(Deflater.BEST_COMPRESSION);
        try {
            d.setInput(rom);
            d.finish();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            while (!d.finished()) {
                out.write(buf, 0, d.deflate(buf));
            }
            return Base64.getEncoder().encodeToString(out.toByteArray());
        } finally {
            d.end();
        }
    }

    /**
     * @throws IllegalArgumentException not Base64, not a zlib stream, or not exactly {@code size} bytes once inflated
     */
    static byte[] decode(String text, int size) {
        byte[] packed;
        try {
            packed = Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not Base64 (" + e.getMessage() + ")");
        }
        Inflater in = new Inflater();
        try {
            in.setInput(packed);
            byte[] out = new byte[size];
            int n = 0;
            while (n < size && !in.finished()) {
                int got = in.inflate(out, n, size - n);
                if (got == 0 && (in.needsInput() || in.needsDictionary())) {
                    break;
                }
                n += got;
            }
            byte[] extra = new byte[1];
            if (n != size || !in.finished() && in.inflate(extra) > 0) {
                throw new IllegalArgumentException("inflates to " + (n == size ? "more than " : "") + n + " bytes; expected "
                        + size);
            }
            if (!in.finished()) {
                throw new IllegalArgumentException("the zlib stream does not end after " + size + " bytes");
            }
            return out;
        } catch (DataFormatException e) {
            throw new IllegalArgumentException("not a zlib stream (" + e.getMessage() + ")");
        } finally {
            in.end();
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java platform", e);
        }
    }
}
