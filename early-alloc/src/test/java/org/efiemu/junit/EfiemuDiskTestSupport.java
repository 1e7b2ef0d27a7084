package org.efiemu.junit;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;

/** Disk images for the early-alloc tests (public so the CLI tests share {@link EfiemuDiskTest}'s builder). */
public final class EfiemuDiskTestSupport {
    private EfiemuDiskTestSupport() {
    }

    /** {@link EfiemuDiskTest#espDisk} with the esp-read payload as the loader. */
    public static Path espDisk(Path img) throws Exception {
        return EfiemuDiskTest.espDisk(img, espReadPayload());
    }

    public static Path espReadPayload() {
        return EfiemuDiskTest.espReadPayload();
    }

    public static void writeAt(Path file, long offset, byte[] bytes) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(offset);
            f.write(bytes);
        }
    }
}
