package org.efiemu.uefi.fs;

import static org.efiemu.uefi.fs.FileModes.DIRECTORY;
import static org.efiemu.uefi.fs.FileModes.MODE_CREATE;
import static org.efiemu.uefi.fs.FileModes.MODE_WRITE;
import static org.efiemu.uefi.fs.FileModes.READ_ONLY;

import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.efiemu.uefi.spec.EfiStatus;
import org.efiemu.uefi.spec.Guid;

/**
 * One open {@code EFI_FILE_PROTOCOL} (UEFI 2.10 §13.5) on an {@link EspVolume}, with the statuses of EDK2's FAT
 * driver ({@code FatPkg/EnhancedFatDxe}) where the spec leaves a choice. Host I/O failures become
 * {@code EFI_DEVICE_ERROR}. A closed handle answers {@code EFI_INVALID_PARAMETER}.
 */
public final class FileHandle {

    /** {@code SetPosition(0xFFFFFFFFFFFFFFFF)} moves to the end of the file. */
    public static final long END_OF_FILE = -1L;
    private static final String INVALID_NAME_CHARS = "\"*/:<>?|";

    private final EspVolume volume;
    private final List<String> path;
    private final boolean directory;
    private final boolean writeMode;
    private long position;
    private boolean closed;
    /**
     * The permanent error EDK2's FAT driver sets on every open file of a volume its Stop abandoned
     * ({@code FatAbandonVolume} calls {@code FatSetVolumeError}: {@code EFI_MEDIA_CHANGED} while the media is
     * present, {@code EFI_NO_MEDIA} otherwise); null while the volume is mounted.
     */
    private EfiStatus error;

    FileHandle(EspVolume volume, List<String> path, boolean directory, boolean writeMode) {
        this.volume = volume;
        this.path = List.copyOf(path);
        this.directory = directory;
        this.writeMode = writeMode;
    }

    /** The path from the root, e.g. {@code \EFI\BOOT\BOOTX64.EFI} ({@code \} for the root). */
    public String path() {
        return "\\" + String.join("\\", path);
    }

    public boolean isDirectory() {
        return directory;
    }

    public boolean isClosed() {
        return closed;
    }

    /**
     * The FAT driver's Stop abandoned the volume this file was opened on ({@code FatAbandonVolume} of EDK2 2022.11,
     * UEFI 2.10 §11.1.3 Stop): from now on Open, Read, Write, GetInfo, SetInfo and Flush answer {@code status} (after
     * the checks EDK2 makes first), Delete closes the handle with {@code EFI_WARN_DELETE_FAILURE}, GetPosition,
     * SetPosition and Close work as before. A file already in error keeps its first error.
     */
    public void abandon(EfiStatus status) {
        if (error == null) {
            error = java.util.Objects.requireNonNull(status, "status");
        }
    }

    /** The permanent error of an abandoned volume's file, or null. */
    public EfiStatus error() {
        return error;
    }

    /**
     * {@code Open()} (§13.5.2): {@code fileName} is relative to this directory or absolute (leading {@code \});
     * {@code .} and {@code ..} are followed; names match case-insensitively. {@code EFI_INVALID_PARAMETER} for a
     * bad mode, bad attributes, {@code ..} above the root or an invalid new name; {@code EFI_WRITE_PROTECTED} for
     * write/create on a read-only volume; {@code EFI_NOT_FOUND} when a component is missing (or is a file) and
     * create was not asked; {@code EFI_ACCESS_DENIED} for write mode on a read-only file;
     * {@code EFI_VOLUME_FULL} when no space is left for a new entry.
     */
    public OpenResult open(String fileName, long openMode, long attributes) {
        if (closed || fileName == null || !FileModes.isValidMode(openMode)
                || ((openMode & MODE_CREATE) != 0 && (attributes & ~FileModes.VALID_ATTR) != 0)) {
            return new OpenResult(EfiStatus.INVALID_PARAMETER, null);
        }
        boolean write = (openMode & MODE_WRITE) != 0;
        if (write && !volume.isWritable()) {
            return new OpenResult(EfiStatus.WRITE_PROTECTED, null);
        }
        if (error != null) { // FatOFileOpen: "Verify the source file handle isn't in an error state"
            return new OpenResult(error, null);
        }
        try {
            List<String> current = new ArrayList<>(path);
            boolean isDir = directory;
            if (fileName.startsWith("\\")) {
                current.clear();
                isDir = true;
            }
            List<String> parts = new ArrayList<>(List.of(fileName.split("\\\\")));
            parts.removeIf(String::isEmpty);
            for (int i = 0; i < parts.size(); i++) {
                String part = parts.get(i);
                boolean last = i == parts.size() - 1;
                if (part.equals(".")) {
                    continue;
                }
                if (!isDir) {
                    return new OpenResult(EfiStatus.NOT_FOUND, null);
                }
                if (part.equals("..")) {
                    if (current.isEmpty()) {
                        return new OpenResult(EfiStatus.INVALID_PARAMETER, null);
                    }
                    current.remove(current.size() - 1);
                    continue;
                }
                Optional<VolumeBackend.Entry> e = volume.find(current, part);
                if (e.isEmpty()) {
                    if (!last || (openMode & MODE_CREATE) == 0) {
                        return new OpenResult(EfiStatus.NOT_FOUND, null);
                    }
                    return create(current, part, attributes);
                }
                current.add(e.get().name());
                isDir = e.get().directory();
                if (last && write && (e.get().attributes() & READ_ONLY) != 0) {
                    return new OpenResult(EfiStatus.ACCESS_DENIED, null);
                }
            }
            return new OpenResult(EfiStatus.SUCCESS, new FileHandle(volume, current, isDir, write));
        } catch (UncheckedIOException e) {
            return new OpenResult(EfiStatus.DEVICE_ERROR, null);
        }
    }

    private OpenResult create(List<String> dir, String name, long attributes) {
        if (name.length() > 255 || name.chars().anyMatch(c -> c < 0x20 || INVALID_NAME_CHARS.indexOf(c) >= 0)) {
            return new OpenResult(EfiStatus.INVALID_PARAMETER, null);
        }
        boolean dirToCreate = (attributes & DIRECTORY) != 0;
        if (volume.freeBytes() < EspVolume.CLUSTER_SIZE && dirToCreate) {
            return new OpenResult(EfiStatus.VOLUME_FULL, null);
        }
        List<String> p = new ArrayList<>(dir);
        p.add(name);
        EspVolume.io(() -> {
            volume.backend().create(p, dirToCreate, attributes | (dirToCreate ? DIRECTORY : 0));
            return null;
        });
        return new OpenResult(EfiStatus.SUCCESS, new FileHandle(volume, p, dirToCreate, true));
    }

    private Optional<VolumeBackend.Entry> stat() {
        return EspVolume.io(() -> volume.backend().stat(path));
    }

    /**
     * {@code Read()} (§13.5.5). A file gives up to {@code bufferSize} bytes from the position ({@code EFI_DEVICE_ERROR}
     * when the position is past the end). A directory gives its next entry as an {@code EFI_FILE_INFO}
     * ({@code .} and {@code ..} first below the root, as on FAT), {@code EFI_BUFFER_TOO_SMALL} with the size
     * needed, and size 0 at the end.
     */
    public BufferResult read(long bufferSize) {
        if (closed) {
            return BufferResult.of(EfiStatus.INVALID_PARAMETER);
        }
        if (error != null) { // FatIFileAccess: past the end first, then the OFile's error
            if (!directory) {
                Optional<VolumeBackend.Entry> e = stat();
                if (e.isEmpty() || Long.compareUnsigned(position, e.get().size()) > 0) {
                    return BufferResult.of(EfiStatus.DEVICE_ERROR);
                }
            }
            return BufferResult.of(error);
        }
        try {
            if (directory) {
                List<FileInfo> entries = directoryEntries();
                if (position >= entries.size()) {
                    return new BufferResult(EfiStatus.SUCCESS, new byte[0], 0);
                }
                FileInfo info = entries.get((int) position);
                if (Long.compareUnsigned(bufferSize, info.size()) < 0) {
                    return new BufferResult(EfiStatus.BUFFER_TOO_SMALL, new byte[0], info.size());
                }
                position++;
                return new BufferResult(EfiStatus.SUCCESS, info.toBytes(), info.size());
            }
            Optional<VolumeBackend.Entry> e = stat();
            if (e.isEmpty() || Long.compareUnsigned(position, e.get().size()) > 0) {
                return BufferResult.of(EfiStatus.DEVICE_ERROR);
            }
            int len = (int) Math.min(Math.min(bufferSize < 0 ? Long.MAX_VALUE : bufferSize,
                    e.get().size() - position), Integer.MAX_VALUE - 8);
            byte[] data = EspVolume.io(() -> volume.backend().read(path, position, len));
            position += data.length;
            return new BufferResult(EfiStatus.SUCCESS, data, data.length);
        } catch (UncheckedIOException ex) {
            return BufferResult.of(EfiStatus.DEVICE_ERROR);
        }
    }

    private List<FileInfo> directoryEntries() {
        List<FileInfo> out = new ArrayList<>();
        Optional<VolumeBackend.Entry> self = stat();
        if (!path.isEmpty() && self.isPresent()) {
            VolumeBackend.Entry s = self.get();
            out.add(info(new VolumeBackend.Entry(".", true, 0, s.attributes(), s.created(), s.accessed(), s.modified())));
            out.add(info(new VolumeBackend.Entry("..", true, 0, DIRECTORY, s.created(), s.accessed(), s.modified())));
        }
        for (VolumeBackend.Entry e : EspVolume.io(() -> volume.backend().list(path))) {
            out.add(info(e));
        }
        return out;
    }

    private static FileInfo info(VolumeBackend.Entry e) {
        long physical = (e.size() + EspVolume.CLUSTER_SIZE - 1) / EspVolume.CLUSTER_SIZE * EspVolume.CLUSTER_SIZE;
        return new FileInfo(e.size(), physical, e.created(), e.accessed(), e.modified(), e.attributes(), e.name());
    }

    /**
     * {@code Write()} (§13.5.6): writes at the position, growing the file. {@code EFI_UNSUPPORTED} on a directory,
     * {@code EFI_WRITE_PROTECTED} on a read-only volume, {@code EFI_ACCESS_DENIED} when opened read-only,
     * {@code EFI_VOLUME_FULL} when the growth does not fit.
     *
     * @return the status and the bytes written ({@code *BufferSize})
     */
    public BufferResult write(byte[] data) {
        if (closed) {
            return BufferResult.of(EfiStatus.INVALID_PARAMETER);
        }
        if (directory) {
            return BufferResult.of(EfiStatus.UNSUPPORTED);
        }
        if (!volume.isWritable()) {
            return BufferResult.of(EfiStatus.WRITE_PROTECTED);
        }
        if (!writeMode) {
            return BufferResult.of(EfiStatus.ACCESS_DENIED);
        }
        if (error != null) {
            return BufferResult.of(error);
        }
        try {
            Optional<VolumeBackend.Entry> e = stat();
            if (e.isEmpty()) {
                return BufferResult.of(EfiStatus.DEVICE_ERROR);
            }
            long growth = Math.max(0, position + data.length - e.get().size());
            if (growth > volume.freeBytes()) {
                return BufferResult.of(EfiStatus.VOLUME_FULL);
            }
            EspVolume.io(() -> {
                volume.backend().write(path, position, data);
                return null;
            });
            position += data.length;
            return new BufferResult(EfiStatus.SUCCESS, new byte[0], data.length);
        } catch (UncheckedIOException ex) {
            return BufferResult.of(EfiStatus.DEVICE_ERROR);
        }
    }

    /** {@code GetPosition()} (§13.5.8): {@code EFI_UNSUPPORTED} on a directory. */
    public BufferResult getPosition() {
        if (closed) {
            return BufferResult.of(EfiStatus.INVALID_PARAMETER);
        }
        return directory ? BufferResult.of(EfiStatus.UNSUPPORTED) : new BufferResult(EfiStatus.SUCCESS, new byte[0], position);
    }

    /**
     * {@code SetPosition()} (§13.5.7): any position on a file ({@code 0xFFFFFFFFFFFFFFFF} = end of file); only 0
     * (restart the listing) on a directory, else {@code EFI_UNSUPPORTED}.
     */
    public EfiStatus setPosition(long newPosition) {
        if (closed) {
            return EfiStatus.INVALID_PARAMETER;
        }
        if (directory) {
            if (newPosition != 0) {
                return EfiStatus.UNSUPPORTED;
            }
            position = 0;
            return EfiStatus.SUCCESS;
        }
        if (newPosition == END_OF_FILE) {
            Optional<VolumeBackend.Entry> e = stat();
            if (e.isEmpty()) {
                return EfiStatus.DEVICE_ERROR;
            }
            position = e.get().size();
        } else {
            position = newPosition;
        }
        return EfiStatus.SUCCESS;
    }

    /**
     * {@code GetInfo()} (§13.5.12) for {@code EFI_FILE_INFO_ID}, {@code EFI_FILE_SYSTEM_INFO_ID} and
     * {@code EFI_FILE_SYSTEM_VOLUME_LABEL_ID}; {@code EFI_BUFFER_TOO_SMALL} with the size needed;
     * {@code EFI_UNSUPPORTED} for other types.
     */
    public BufferResult getInfo(Guid type, long bufferSize) {
        if (closed || type == null) {
            return BufferResult.of(EfiStatus.INVALID_PARAMETER);
        }
        if (error != null) { // FatSetOrGetInfo checks the OFile's error before the type
            return BufferResult.of(error);
        }
        byte[] bytes;
        try {
            if (type.equals(Guid.EFI_FILE_INFO_ID)) {
                Optional<VolumeBackend.Entry> e = stat();
                if (e.isEmpty()) {
                    return BufferResult.of(EfiStatus.DEVICE_ERROR);
                }
                bytes = info(e.get()).toBytes();
            } else if (type.equals(Guid.EFI_FILE_SYSTEM_INFO_ID)) {
                bytes = volume.fileSystemInfo().toBytes();
            } else if (type.equals(Guid.EFI_FILE_SYSTEM_VOLUME_LABEL_ID)) {
                bytes = volume.fileSystemInfo().volumeLabelBytes();
            } else {
                return BufferResult.of(EfiStatus.UNSUPPORTED);
            }
        } catch (UncheckedIOException ex) {
            return BufferResult.of(EfiStatus.DEVICE_ERROR);
        }
        if (Long.compareUnsigned(bufferSize, bytes.length) < 0) {
            return new BufferResult(EfiStatus.BUFFER_TOO_SMALL, new byte[0], bytes.length);
        }
        return new BufferResult(EfiStatus.SUCCESS, bytes, bytes.length);
    }

    /**
     * {@code SetInfo()} (§13.5.13), minimal: with {@code EFI_FILE_INFO} the file size and attributes may change
     * (a rename is {@code EFI_UNSUPPORTED}; toggling the directory bit or resizing a directory is
     * {@code EFI_ACCESS_DENIED}); the file-system info and volume label types set the label.
     * {@code EFI_BAD_BUFFER_SIZE} for a malformed buffer, {@code EFI_WRITE_PROTECTED} on a read-only volume,
     * {@code EFI_ACCESS_DENIED} when opened read-only.
     */
    public EfiStatus setInfo(Guid type, byte[] buffer) {
        if (closed) {
            return EfiStatus.INVALID_PARAMETER;
        }
        return error != null ? error : FileInfoUpdate.apply(volume, path, writeMode, type, buffer);
    }

    /**
     * {@code Delete()} (§13.5.4): deletes and closes; when the file cannot be deleted (read-only volume or handle,
     * the root, a non-empty directory) the handle is still closed and {@code EFI_WARN_DELETE_FAILURE} returned.
     */
    public EfiStatus delete() {
        if (closed) {
            return EfiStatus.INVALID_PARAMETER;
        }
        closed = true;
        if (error != null || !volume.isWritable() || !writeMode || path.isEmpty()) {
            return EfiStatus.WARN_DELETE_FAILURE;
        }
        try {
            if (directory && !EspVolume.io(() -> volume.backend().list(path)).isEmpty()) {
                return EfiStatus.WARN_DELETE_FAILURE;
            }
            EspVolume.io(() -> {
                volume.backend().delete(path);
                return null;
            });
            return EfiStatus.SUCCESS;
        } catch (UncheckedIOException ex) {
            return EfiStatus.WARN_DELETE_FAILURE;
        }
    }

    /** {@code Flush()} (§13.5.10): {@code EFI_WRITE_PROTECTED} on a read-only volume, {@code EFI_ACCESS_DENIED} when opened read-only. */
    public EfiStatus flush() {
        if (closed) {
            return EfiStatus.INVALID_PARAMETER;
        }
        if (error != null) { // FatFlushEx: "If the file has a permanent error, return it"
            return error;
        }
        if (!volume.isWritable()) {
            return EfiStatus.WRITE_PROTECTED;
        }
        return writeMode ? EfiStatus.SUCCESS : EfiStatus.ACCESS_DENIED;
    }

    /** {@code Close()} (§13.5.3): always {@code EFI_SUCCESS}. */
    public EfiStatus close() {
        closed = true;
        return EfiStatus.SUCCESS;
    }

    @Override
    public String toString() {
        return "EFI_FILE_PROTOCOL(" + path() + (directory ? ", directory" : "") + (writeMode ? ", read/write" : "")
                + (error != null ? ", " + error : "") + (closed ? ", closed" : "") + ")";
    }
}
