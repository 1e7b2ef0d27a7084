package org.efiemu.uefi.fs;

import de.waldheinz.fs.FsDirectory;
import de.waldheinz.fs.FsDirectoryEntry;
import de.waldheinz.fs.FsFile;
import de.waldheinz.fs.fat.FatFileSystem;
import de.waldheinz.fs.fat.FatLfnDirectoryEntry;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A FAT12/16/32 file system on disk blocks (fat32-lib), as EDK2's FAT driver serves it behind
 * EFI_SIMPLE_FILE_SYSTEM_PROTOCOL. Every change is flushed to the blocks at once, so the disk's Block I/O sees what
 * SimpleFileSystem wrote. Times are FAT's local date/time fields as stored (TimeZone EFI_UNSPECIFIED_TIMEZONE).
 */
final class FatBackend implements VolumeBackend {
    private final FatFileSystem fs;

    FatBackend(FatFileSystem fs) {
        this.fs = fs;
    }

    FatFileSystem fileSystem() {
        return fs;
    }

    private FsDirectory directory(List<String> path) throws IOException {
        FsDirectory dir = fs.getRoot();
        for (String part : path) {
            FsDirectoryEntry e = dir.getEntry(part);
            if (e == null || !e.isDirectory()) {
                throw new FileNotFoundException("no directory \\" + String.join("\\", path) + " on the FAT volume");
            }
            dir = e.getDirectory();
        }
        return dir;
    }

    private FsDirectoryEntry entry(List<String> path) throws IOException {
        FsDirectoryEntry e = directory(path.subList(0, path.size() - 1)).getEntry(path.get(path.size() - 1));
        if (e == null) {
            throw new FileNotFoundException("no file \\" + String.join("\\", path) + " on the FAT volume");
        }
        return e;
    }

    private FsFile file(List<String> path) throws IOException {
        return entry(path).getFile();
    }

    private static EfiTime time(long millis) {
        if (millis <= 0) {
            return new EfiTime(1980, 1, 1, 0, 0, 0, 0, EfiTime.UNSPECIFIED_TIMEZONE, 0);
        }
        // fat32-lib decodes the DOS fields in the JVM's zone: decode back in the same zone to get the fields as stored
        LocalDateTime t = LocalDateTime.ofInstant(Instant.ofEpochMilli(millis), ZoneId.systemDefault());
        return new EfiTime(t.getYear(), t.getMonthValue(), t.getDayOfMonth(), t.getHour(), t.getMinute(), t.getSecond(),
                0, EfiTime.UNSPECIFIED_TIMEZONE, 0);
    }

    private static Entry toEntry(FsDirectoryEntry e) throws IOException {
        long attributes = e.isDirectory() ? FileModes.DIRECTORY : 0;
        if (e instanceof FatLfnDirectoryEntry f) {
            attributes |= (f.isReadOnlyFlag() ? FileModes.READ_ONLY : 0) | (f.isHiddenFlag() ? FileModes.HIDDEN : 0)
                    | (f.isSystemFlag() ? FileModes.SYSTEM : 0) | (f.isArchiveFlag() ? FileModes.ARCHIVE : 0);
        }
        long size = e.isFile() ? e.getFile().getLength() : 0;
        EfiTime modified = time(e.getLastModified());
        EfiTime created = safeTime(e::getCreated, modified);
        EfiTime accessed = safeTime(e::getLastAccessed, modified);
        return new Entry(e.getName(), e.isDirectory(), size, attributes, created, accessed, modified);
    }

    private interface TimeCall {
        long get() throws IOException;
    }

    private static EfiTime safeTime(TimeCall call, EfiTime fallback) {
        try {
            return time(call.get());
        } catch (IOException | RuntimeException e) {
            return fallback;
        }
    }

    @Override
    public Optional<Entry> stat(List<String> path) throws IOException {
        if (path.isEmpty()) {
            EfiTime t = time(0);
            return Optional.of(new Entry("", true, 0, FileModes.DIRECTORY, t, t, t));
        }
        FsDirectory dir;
        try {
            dir = directory(path.subList(0, path.size() - 1));
        } catch (FileNotFoundException e) {
            return Optional.empty();
        }
        FsDirectoryEntry e = dir.getEntry(path.get(path.size() - 1));
        return e == null ? Optional.empty() : Optional.of(toEntry(e));
    }

    @Override
    public List<Entry> list(List<String> dir) throws IOException {
        List<Entry> out = new ArrayList<>();
        for (FsDirectoryEntry e : directory(dir)) {
            String name = e.getName();
            if (name.equals(".") || name.equals("..")) {
                continue;
            }
            out.add(toEntry(e));
        }
        return out;
    }

    @Override
    public byte[] read(List<String> path, long position, int length) throws IOException {
        FsFile f = file(path);
        long available = Math.max(0, f.getLength() - position);
        int n = (int) Math.min(length, available);
        ByteBuffer b = ByteBuffer.allocate(n);
        if (n > 0) {
            f.read(position, b);
        }
        return b.array();
    }

    @Override
    public void write(List<String> path, long position, byte[] data) throws IOException {
        FsFile f = file(path);
        f.write(position, ByteBuffer.wrap(data));
        f.flush();
        fs.flush();
    }

    @Override
    public void setSize(List<String> path, long size) throws IOException {
        FsFile f = file(path);
        f.setLength(size);
        f.flush();
        fs.flush();
    }

    @Override
    public void setAttributes(List<String> path, long attributes) throws IOException {
        if (entry(path) instanceof FatLfnDirectoryEntry f) {
            f.setReadOnlyFlag((attributes & FileModes.READ_ONLY) != 0);
            f.setHiddenFlag((attributes & FileModes.HIDDEN) != 0);
            f.setSystemFlag((attributes & FileModes.SYSTEM) != 0);
            f.setArchiveFlag((attributes & FileModes.ARCHIVE) != 0);
            fs.flush();
        }
    }

    @Override
    public void create(List<String> path, boolean directory, long attributes) throws IOException {
        FsDirectory parent = directory(path.subList(0, path.size() - 1));
        String name = path.get(path.size() - 1);
        if (directory) {
            parent.addDirectory(name);
        } else {
            parent.addFile(name);
        }
        fs.flush();
    }

    @Override
    public void delete(List<String> path) throws IOException {
        directory(path.subList(0, path.size() - 1)).remove(path.get(path.size() - 1));
        fs.flush();
    }

    @Override
    public long usedBytes() {
        return Math.max(0, fs.getTotalSpace() - fs.getFreeSpace());
    }
}
