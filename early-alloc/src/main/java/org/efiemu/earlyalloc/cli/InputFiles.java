package org.efiemu.earlyalloc.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Reads files a user names on the command line, checked before a byte is read: the path must be a regular file (a
 * FIFO would block forever, {@code /dev/zero} never ends) no larger than the caller's limit, and the size is checked
 * again while reading (a file that grows meanwhile is refused too).
 */
final class InputFiles {
    /**
     * The largest payload accepted: 512 MiB. A PE image's SizeOfImage is 32 bits, but no firmware loads anything
     * near that through LoadImage (OVMF's whole RAM is often smaller); a larger file is a mistake, not a boot loader.
     */
    static final long MAX_PAYLOAD_BYTES = 512L << 20;

    private InputFiles() {
    }

    /** The bytes of {@code file}; {@code what} names it in errors (e.g. {@code "payload"}). */
    static byte[] read(Path file, String what, long maxBytes) throws IOException {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            throw new IOException(what + " " + file + " does not exist", e);
        } catch (IOException e) {
            throw new IOException(what + " " + file + " cannot be read: " + e.getMessage(), e);
        }
        if (a.isDirectory()) {
            throw new IOException(what + " " + file + " is a directory; expected a file");
        }
        if (!a.isRegularFile()) {
            throw new IOException(what + " " + file + " is not a regular file (a FIFO, device or socket); expected a file");
        }
        if (a.size() > maxBytes) {
            throw new IOException(String.format("%s %s is %,d bytes; at most %,d are accepted", what, file, a.size(),
                    maxBytes));
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
            if (bytes.length > maxBytes) {
                throw new IOException(String.format("%s %s grew past %,d bytes while being read", what, file, maxBytes));
            }
            return bytes;
        } catch (IOException e) {
            if (e.getMessage() != null && e.getMessage().startsWith(what + " ")) throw e;
            throw new IOException(what + " " + file + " cannot be read: " + e.getMessage(), e);
        }
    }
}
