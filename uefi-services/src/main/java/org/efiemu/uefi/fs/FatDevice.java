package org.efiemu.uefi.fs;

import de.waldheinz.fs.BlockDevice;
import de.waldheinz.fs.ReadOnlyException;
import java.nio.ByteBuffer;
import org.efiemu.uefi.disk.DiskImage;

/** A byte range of a {@link DiskImage} (a partition, or the whole disk) as fat32-lib's block device. */
final class FatDevice implements BlockDevice {
    static {
        // fat32-lib 0.6.5's FatLfnDirectory.unlinkEntry removes the short name's simple string from its used names and
        // then asserts that the entry's long name is still there: false for every entry whose long name is its 8.3
        // name (DATA.TXT written by mtools), so with -ea (every JUnit run) a guest's EFI_FILE_PROTOCOL.Delete threw
        // AssertionError out of the service. Its assertions are switched off for its own packages here, before any of
        // its classes initialise (every volume efiemu opens or formats is made over a FatDevice first), so a delete
        // behaves in a test as in the command line, which runs without -ea. (Ineffective only if the embedding
        // program initialised fat32-lib's classes itself before efiemu opened its first FAT volume.)
        ClassLoader fatLib = BlockDevice.class.getClassLoader();
        if (fatLib != null) {
            fatLib.setPackageAssertionStatus("de.waldheinz.fs", false);
        }
    }

    private final DiskImage disk;
    private final long offset;
    private final long length;
    private final boolean readOnly;
    private boolean closed;

    FatDevice(DiskImage disk, long offset, long length, boolean readOnly) {
        this.disk = disk;
        this.offset = offset;
        this.length = length;
        this.readOnly = readOnly;
    }

    @Override
    public long getSize() {
        return length;
    }

    @Override
    public void read(long devOffset, ByteBuffer dest) {
        int n = dest.remaining();
        check(devOffset, n);
        byte[] b = new byte[n];
        disk.read(offset + devOffset, b, 0, n);
        dest.put(b);
    }

    @Override
    public void write(long devOffset, ByteBuffer src) {
        if (readOnly) {
            throw new ReadOnlyException();
        }
        int n = src.remaining();
        check(devOffset, n);
        byte[] b = new byte[n];
        src.get(b);
        disk.write(offset + devOffset, b, 0, n);
    }

    private void check(long devOffset, int n) {
        if (devOffset < 0 || devOffset + n > length) {
            throw new IllegalArgumentException(String.format("FAT volume on %s at byte 0x%X: access 0x%X+%d is outside its "
                    + "%d bytes", disk.name(), offset, devOffset, n, length));
        }
    }

    @Override
    public void flush() {
    }

    @Override
    public int getSectorSize() {
        return DiskImage.BLOCK_SIZE;
    }

    @Override
    public void close() {
        closed = true;
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public boolean isReadOnly() {
        return readOnly;
    }
}
