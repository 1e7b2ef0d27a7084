package org.efiemu.uefi.disk;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A raw disk of 512-byte blocks as a guest sees it through EFI_BLOCK_IO_PROTOCOL (UEFI 2.10 §13.9): the bytes of a
 * user's image file (opened read-only, never written) or of memory, with every write the guest or the firmware makes
 * kept in a copy-on-write overlay of whole blocks. {@link #saveTo} writes the image with its overlay to a NEW file;
 * the user's file is never altered. Blocks of a {@link #blank} disk nobody wrote read as zeros and take no memory.
 * Not thread-safe: one machine's thread uses it.
 */
public final class DiskImage implements AutoCloseable {
    /** The block size of every efiemu disk (OVMF's SATA and virtio disks report 512). */
    public static final int BLOCK_SIZE = 512;

    private final String name;
    private final long size;
    private final FileChannel file;
    private final byte[] bytes;
    private final Map<Long, byte[]> overlay = new TreeMap<>();
    private Runnable fill;

    private DiskImage(String name, long size, FileChannel file, byte[] bytes) {
        this.name = name;
        this.size = size;
        this.file = file;
        this.bytes = bytes;
    }

    /**
     * Opens an image file read-only.
     *
     * @throws IllegalArgumentException naming the file when it does not exist, cannot be read, is empty or is not a
     *     whole number of 512-byte blocks (a truncated image)
     */
    public static DiskImage open(Path path) {
        Objects.requireNonNull(path, "path");
        long size;
        try {
            size = Files.size(path);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("disk image " + path + " does not exist", e);
        } catch (IOException e) {
            throw new IllegalArgumentException("disk image " + path + " cannot be read: " + e.getMessage(), e);
        }
        if (Files.isDirectory(path)) {
            throw new IllegalArgumentException("disk image " + path + " is a directory, expected a raw image file");
        }
        checkSize(path.toString(), size);
        try {
            return new DiskImage(path.toString(), size, FileChannel.open(path, StandardOpenOption.READ), null);
        } catch (IOException e) {
            throw new IllegalArgumentException("disk image " + path + " cannot be opened for reading: " + e.getMessage(), e);
        }
    }

    /** A disk holding a copy of {@code image} (a whole number of blocks), named {@code name} in messages. */
    public static DiskImage ofBytes(String name, byte[] image) {
        checkSize(name, image.length);
        return new DiskImage(name, image.length, null, image.clone());
    }

    /** A disk of {@code size} bytes of zeros (a multiple of 512) whose written blocks only take memory. */
    public static DiskImage blank(String name, long size) {
        checkSize(name, size);
        return new DiskImage(name, size, null, null);
    }

    private static void checkSize(String name, long size) {
        if (size == 0) {
            throw new IllegalArgumentException("disk image " + name + " is empty (0 bytes), expected at least one "
                    + BLOCK_SIZE + "-byte block");
        }
        if (size % BLOCK_SIZE != 0) {
            throw new IllegalArgumentException("disk image " + name + ": its size " + size + " bytes is not a whole number of "
                    + BLOCK_SIZE + "-byte blocks (" + size / BLOCK_SIZE + " blocks and " + size % BLOCK_SIZE
                    + " bytes): a truncated image?");
        }
    }

    public String name() {
        return name;
    }

    /** Bytes on the disk. */
    public long size() {
        return size;
    }

    /** Number of 512-byte blocks. */
    public long blocks() {
        return size / BLOCK_SIZE;
    }

    /** {@code EFI_BLOCK_IO_MEDIA.LastBlock}: the last LBA. */
    public long lastBlock() {
        return blocks() - 1;
    }

    /** Blocks written since the disk was opened (kept in the overlay). */
    public int writtenBlocks() {
        return overlay.size();
    }

    /**
     * Reads {@code length} bytes at byte {@code offset} into {@code dst[at..]}.
     *
     * @throws IllegalArgumentException when the range is not on the disk
     */
    public void read(long offset, byte[] dst, int at, int length) {
        check(offset, length);
        filled();
        int done = 0;
        while (done < length) {
            long pos = offset + done;
            long lba = pos / BLOCK_SIZE;
            int in = (int) (pos % BLOCK_SIZE);
            int n = Math.min(BLOCK_SIZE - in, length - done);
            byte[] block = overlay.get(lba);
            if (block != null) {
                System.arraycopy(block, in, dst, at + done, n);
                done += n;
                continue;
            }
            // a run of blocks not in the overlay: one read from the source
            long runEnd = pos + n;
            while (runEnd < offset + length && !overlay.containsKey(runEnd / BLOCK_SIZE)) {
                runEnd = Math.min(offset + length, (runEnd / BLOCK_SIZE + 1) * BLOCK_SIZE);
            }
            int run = (int) (runEnd - pos);
            readSource(pos, dst, at + done, run);
            done += run;
        }
    }

    /** {@code length} bytes at {@code offset}. */
    public byte[] read(long offset, int length) {
        byte[] out = new byte[length];
        read(offset, out, 0, length);
        return out;
    }

    /**
     * Writes {@code src[at..at+length)} at byte {@code offset} into the overlay (never the image file).
     *
     * @throws IllegalArgumentException when the range is not on the disk
     */
    public void write(long offset, byte[] src, int at, int length) {
        check(offset, length);
        filled();
        int done = 0;
        while (done < length) {
            long pos = offset + done;
            long lba = pos / BLOCK_SIZE;
            int in = (int) (pos % BLOCK_SIZE);
            int n = Math.min(BLOCK_SIZE - in, length - done);
            byte[] block = overlay.get(lba);
            if (block == null) {
                block = new byte[BLOCK_SIZE];
                if (n < BLOCK_SIZE) {
                    readSource(lba * BLOCK_SIZE, block, 0, BLOCK_SIZE);
                }
                overlay.put(lba, block);
            }
            System.arraycopy(src, at + done, block, in, n);
            done += n;
        }
    }

    public void write(long offset, byte[] src) {
        write(offset, src, 0, src.length);
    }

    /**
     * Content written by {@code fill} the first time anyone reads or writes the disk (e.g. the FAT image of the
     * {@code --esp} folder, made only when a guest looks at the ESP's blocks).
     */
    public void fillOnFirstUse(Runnable fill) {
        this.fill = fill;
    }

    private void filled() {
        Runnable f = fill;
        if (f != null) {
            fill = null;
            f.run();
        }
    }

    private void check(long offset, long length) {
        if (offset < 0 || length < 0 || offset + length > size || offset + length < 0) {
            throw new IllegalArgumentException(String.format("disk image %s: bytes 0x%X..0x%X are not on the disk (%d bytes)",
                    name, offset, offset + length, size));
        }
    }

    private void readSource(long offset, byte[] dst, int at, int length) {
        if (bytes != null) {
            System.arraycopy(bytes, (int) offset, dst, at, length);
        } else if (file == null) {
            Arrays.fill(dst, at, at + length, (byte) 0);
        } else {
            ByteBuffer b = ByteBuffer.wrap(dst, at, length);
            try {
                while (b.hasRemaining()) {
                    int n = file.read(b, offset + (b.position() - at));
                    if (n < 0) {
                        throw new IOException("the file ended at " + (offset + b.position() - at)
                                + " bytes (it was shortened while in use?)");
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("disk image " + name + ": reading " + length + " bytes at " + offset + ": "
                        + e.getMessage(), e);
            }
        }
    }

    /**
     * Writes the whole disk as the guest left it (image plus overlay) to {@code target}, a new file or one that is
     * not the opened image.
     *
     * @throws IllegalArgumentException when {@code target} is the image file itself
     */
    public void saveTo(Path target) throws IOException {
        if (file != null && Files.exists(target) && Files.isSameFile(target, Path.of(name))) {
            throw new IllegalArgumentException("disk image " + name + ": saveTo would overwrite the user's image; "
                    + "choose another file");
        }
        try (FileChannel out = FileChannel.open(target, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            byte[] chunk = new byte[1 << 20];
            for (long pos = 0; pos < size; pos += chunk.length) {
                int n = (int) Math.min(chunk.length, size - pos);
                read(pos, chunk, 0, n);
                ByteBuffer b = ByteBuffer.wrap(chunk, 0, n);
                while (b.hasRemaining()) {
                    out.write(b, pos + b.position());
                }
            }
        }
    }

    @Override
    public void close() {
        if (file != null) {
            try {
                file.close();
            } catch (IOException e) {
                // a read-only channel has nothing to lose on close
            }
        }
    }

    @Override
    public String toString() {
        return "disk " + name + " (" + blocks() + " blocks of " + BLOCK_SIZE + " bytes)";
    }
}
