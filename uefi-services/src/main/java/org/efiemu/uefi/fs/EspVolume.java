package org.efiemu.uefi.fs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * An EFI System Partition as a FAT-like volume behind {@code EFI_SIMPLE_FILE_SYSTEM_PROTOCOL} (UEFI 2.10 §13.4):
 * either a host directory or files held in memory. Read-only unless made writable; a read-only volume never
 * changes the host directory or the bytes a user added. Names are matched case-insensitively, as FAT does.
 */
public final class EspVolume {

    /** FAT cluster size used for {@code PhysicalSize} and {@code BlockSize}. */
    public static final int CLUSTER_SIZE = 4096;
    /** Default volume size: 256 MiB, a common ESP size. */
    public static final long DEFAULT_VOLUME_SIZE = 256L << 20;
    /** Time stamped on in-memory files: 2024-01-01 00:00:00 UTC. */
    public static final EfiTime DEFAULT_TIME = new EfiTime(2024, 1, 1, 0, 0, 0, 0, (short) 0, 0);

    private final VolumeBackend backend;
    private final boolean writable;
    private final long volumeSize;
    private String label;

    private EspVolume(VolumeBackend backend, boolean writable, long volumeSize, String label) {
        this.backend = backend;
        this.writable = writable;
        this.volumeSize = volumeSize;
        this.label = Objects.requireNonNull(label, "label");
    }

    /** An empty in-memory volume of {@link #DEFAULT_VOLUME_SIZE}; add files with {@link #addFile}. */
    public static EspVolume inMemory(String label, boolean writable) {
        return new EspVolume(new MemoryBackend(DEFAULT_TIME), writable, DEFAULT_VOLUME_SIZE, label);
    }

    /** A volume over {@code directory}; written only when {@code writable}. */
    public static EspVolume ofHostDirectory(Path directory, String label, boolean writable) {
        return new EspVolume(new HostDirectoryBackend(directory, writable), writable, DEFAULT_VOLUME_SIZE, label);
    }

    /**
     * The FAT12/16/32 file system in bytes {@code offset..offset+length} of {@code disk} (a partition, or the whole disk
     * when it has no partition table), read with fat32-lib. A writable volume's changes go to the disk's copy-on-write
     * overlay (never the image file).
     *
     * @throws IllegalArgumentException naming the disk and the place when the bytes hold no FAT file system fat32-lib
     *     can read (the message says why)
     */
    public static EspVolume ofFat(org.efiemu.uefi.disk.DiskImage disk, long offset, long length, boolean writable) {
        String where = String.format("disk image %s at byte 0x%X (%d bytes)", disk.name(), offset, length);
        String problem = FatBoot.problem(disk, offset, length);
        if (problem != null) {
            throw new IllegalArgumentException(where + ": not a FAT file system: " + problem);
        }
        de.waldheinz.fs.fat.FatFileSystem fs;
        try {
            fs = de.waldheinz.fs.fat.FatFileSystem.read(new FatDevice(disk, offset, length, !writable), !writable);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(where + ": the FAT file system cannot be read: " + e, e);
        }
        String label = fs.getVolumeLabel();
        label = label == null || label.isBlank() ? "NO NAME" : label.strip();
        FatBackend backend = new FatBackend(fs);
        long total = fs.getTotalSpace() > 0 ? fs.getTotalSpace() : length;
        return new EspVolume(backend, writable, total, label);
    }

    /**
     * Adds a file to an in-memory volume, creating missing directories (set-up by the user, allowed on read-only
     * volumes; the bytes are copied).
     *
     * @param path e.g. {@code \EFI\BOOT\BOOTX64.EFI}
     * @throws IllegalArgumentException when the path is empty or names an existing file as a directory
     */
    public EspVolume addFile(String path, byte[] data) {
        List<String> resolved = createFile(path);
        // the one copy of the caller's bytes becomes the file's contents (the same as setSize(0) and a write at 0)
        ((MemoryBackend) backend).replaceContents(resolved, data.clone());
        return this;
    }

    /**
     * {@link #addFile(String, byte[])} with {@code contents}' remaining bytes, shared instead of copied: for contents
     * that never change (e.g. a parsed image's file, {@code PeImage.fileView()}), which every machine booting it can
     * share. The file copies them before its first change on a writable volume; the buffer's position is not moved.
     */
    public EspVolume addFile(String path, java.nio.ByteBuffer contents) {
        List<String> resolved = createFile(path);
        ((MemoryBackend) backend).shareContents(resolved, contents);
        return this;
    }

    /** Creates the file {@code path} (and its missing directories) of an in-memory volume; its resolved path. */
    private List<String> createFile(String path) {
        if (!(backend instanceof MemoryBackend)) {
            throw new IllegalStateException("addFile(" + path + "): only in-memory volumes take files this way");
        }
        List<String> parts = new ArrayList<>();
        for (String p : path.split("\\\\")) {
            if (!p.isEmpty()) {
                parts.add(p);
            }
        }
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("addFile('" + path + "'): expected a file name");
        }
        List<String> resolved = new ArrayList<>();
        for (int i = 0; i < parts.size(); i++) {
            boolean last = i == parts.size() - 1;
            Optional<VolumeBackend.Entry> e = find(resolved, parts.get(i));
            if (e.isPresent()) {
                if (e.get().directory() == last) {
                    throw new IllegalArgumentException("addFile('" + path + "'): '" + parts.get(i) + "' already exists as a "
                            + (last ? "directory" : "file"));
                }
                resolved.add(e.get().name());
            } else {
                resolved.add(parts.get(i));
                io(() -> {
                    backend.create(resolved, !last, last ? FileModes.ARCHIVE : FileModes.DIRECTORY);
                    return null;
                });
            }
        }
        return resolved;
    }

    /** {@code OpenVolume()} (§13.4.2): a handle on the root directory. */
    public OpenResult openVolume() {
        return new OpenResult(org.efiemu.uefi.spec.EfiStatus.SUCCESS, new FileHandle(this, List.of(), true,
                writable));
    }

    public boolean isWritable() {
        return writable;
    }

    public String label() {
        return label;
    }

    void setLabel(String label) {
        this.label = label;
    }

    /** {@code EFI_FILE_SYSTEM_INFO} of this volume. */
    public FileSystemInfo fileSystemInfo() {
        long used = io(backend::usedBytes);
        return new FileSystemInfo(!writable, volumeSize, Math.max(0, volumeSize - used), CLUSTER_SIZE, label);
    }

    long freeBytes() {
        return Math.max(0, volumeSize - io(backend::usedBytes));
    }

    VolumeBackend backend() {
        return backend;
    }

    /** The entry of {@code dir} whose name matches {@code name} ignoring case (exact match preferred). */
    Optional<VolumeBackend.Entry> find(List<String> dir, String name) {
        List<VolumeBackend.Entry> entries = io(() -> backend.list(dir));
        Optional<VolumeBackend.Entry> exact = entries.stream().filter(e -> e.name().equals(name)).findFirst();
        return exact.isPresent() ? exact : entries.stream().filter(e -> e.name().equalsIgnoreCase(name)).findFirst();
    }

    interface IoCall<T> {
        T call() throws IOException;
    }

    static <T> T io(IoCall<T> call) {
        try {
            return call.call();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
