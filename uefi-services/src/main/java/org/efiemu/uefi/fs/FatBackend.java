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

    /**
     * DIR_NTRes (Microsoft FAT specification §6, offset 12 of a short entry): bit 3 lower-case base name, bit 4
     * extension.
     */
    static final int CASE_FLAGS_OFFSET = 12, CASE_NAME_LOWER = 0x08, CASE_EXT_LOWER = 0x10;

    /** fat32-lib's {@code FatLfnDirectoryEntry.realEntry} and {@code FatDirectoryEntry.data}, or null if unreachable. */
    private static final java.lang.reflect.Field REAL_ENTRY, ENTRY_BYTES;

    static {
        java.lang.reflect.Field real = null, bytes = null;
        try {
            real = FatLfnDirectoryEntry.class.getDeclaredField("realEntry");
            real.setAccessible(true);
            bytes = Class.forName("de.waldheinz.fs.fat.FatDirectoryEntry").getDeclaredField("data");
            bytes.setAccessible(true);
        } catch (ReflectiveOperationException | RuntimeException e) {
            real = null;
            bytes = null;
        }
        REAL_ENTRY = real;
        ENTRY_BYTES = bytes;
    }

    /** The 32 bytes of {@code e}'s short directory entry, or null when fat32-lib does not let them be read. */
    private static byte[] shortEntry(FatLfnDirectoryEntry e) {
        if (REAL_ENTRY == null) {
            return null;
        }
        try {
            return (byte[]) ENTRY_BYTES.get(REAL_ENTRY.get(e));
        } catch (ReflectiveOperationException | RuntimeException ex) {
            return null;
        }
    }

    /**
     * The name EDK2's FAT driver gives an entry ({@code FatGetFileNameViaCaseFlag}, FatPkg/EnhancedFatDxe/FileName.c):
     * a long name when there is one; else the 8.3 name with its base name and extension in lower case when the short
     * entry's NT reserved byte has bit 3 ({@link #CASE_NAME_LOWER}) or bit 4 ({@link #CASE_EXT_LOWER}) set, as mtools
     * and Windows write for an 8.3 name given in lower case ({@code ext4_x64.efi}, not {@code EXT4_X64.EFI}).
     *
     * @param name  the name fat32-lib gives (the long name, or the short name as stored)
     * @param entry the 32-byte short directory entry, or null (then {@code name} as it is)
     */
    static String caseFlagName(String name, byte[] entry) {
        if (entry == null || entry.length < 32) {
            return name;
        }
        int flags = entry[CASE_FLAGS_OFFSET] & (CASE_NAME_LOWER | CASE_EXT_LOWER);
        if (flags == 0) {
            return name;
        }
        String base = shortPart(entry, 0, 8);
        String ext = shortPart(entry, 8, 3);
        String stored = ext.isEmpty() ? base : base + "." + ext;
        if (!stored.equals(name)) {
            return name; // fat32-lib gave a long name: that is the name, whatever the flags say
        }
        String b = (flags & CASE_NAME_LOWER) != 0 ? asciiLower(base) : base;
        String x = (flags & CASE_EXT_LOWER) != 0 ? asciiLower(ext) : ext;
        return x.isEmpty() ? b : b + "." + x;
    }

    /** A space-padded 8.3 field as fat32-lib's {@code ShortName.asSimpleString} decodes it (ASCII, trimmed). */
    private static String shortPart(byte[] entry, int from, int length) {
        return new String(entry, from, length, java.nio.charset.StandardCharsets.US_ASCII).trim();
    }

    private static String asciiLower(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (char ch : s.toCharArray()) {
            out.append(ch >= 'A' && ch <= 'Z' ? (char) (ch + 32) : ch);
        }
        return out.toString();
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
        String name = e instanceof FatLfnDirectoryEntry f ? caseFlagName(e.getName(), shortEntry(f)) : e.getName();
        return new Entry(name, e.isDirectory(), size, attributes, created, accessed, modified);
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
