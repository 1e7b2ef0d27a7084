package org.efiemu.platform;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Reads the text files a user gives (profiles, memory-map dumps), checked before a byte is read: a regular file (a
 * FIFO would block, {@code /dev/zero} never ends) of at most {@link #MAX_BYTES}, decoded as strict UTF-8 (a bad byte
 * is named by its line and byte offset instead of the JDK's {@code Input length = 1}).
 */
public final class TextFiles {
    /** The largest profile or dump accepted: 16 MiB (a 10 000-descriptor dump is well under 2 MiB). */
    public static final long MAX_BYTES = 16L << 20;

    private TextFiles() {
    }

    /** The text of {@code file}; {@code what} names it in errors (e.g. {@code "profile"}). */
    public static String readUtf8(Path file, String what) throws IOException {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null, what + " does not exist");
        }
        if (a.isDirectory()) {
            throw new IOException(what + " " + file + " is a directory; expected a text file");
        }
        if (!a.isRegularFile()) {
            throw new IOException(what + " " + file + " is not a regular file (a FIFO, device or socket); expected a text file");
        }
        if (a.size() > MAX_BYTES) {
            throw new IOException(String.format("%s %s is %,d bytes; at most %,d are accepted", what, file, a.size(), MAX_BYTES));
        }
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes((int) MAX_BYTES + 1);
        }
        if (bytes.length > MAX_BYTES) {
            throw new IOException(String.format("%s %s grew past %,d bytes while being read", what, file, MAX_BYTES));
        }
        return decode(bytes, file.toString());
    }

    /** Strict UTF-8 decoding; a malformed byte is a {@link ProfileFormatException} naming its line and offset. */
    public static String decode(byte[] bytes, String file) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            int at = firstBad(bytes);
            int line = 1;
            for (int i = 0; i < at && i < bytes.length; i++) {
                if (bytes[i] == '\n') {
                    line++;
                }
            }
            throw new ProfileFormatException(file, line, String.format("byte 0x%02X at offset %d is not UTF-8 text; "
                    + "expected a UTF-8 (or ASCII) text file", at < bytes.length ? bytes[at] & 0xFF : 0, at));
        }
    }

    private static int firstBad(byte[] bytes) {
        var dec = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        // the decoder stops at the first malformed sequence: its position is the offset
        ByteBuffer in = ByteBuffer.wrap(bytes);
        java.nio.CharBuffer out = java.nio.CharBuffer.allocate(bytes.length + 1);
        var r = dec.decode(in, out, true);
        return r.isError() ? in.position() : bytes.length;
    }
}
