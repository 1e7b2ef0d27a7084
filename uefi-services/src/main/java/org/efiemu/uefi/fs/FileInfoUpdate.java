package org.efiemu.uefi.fs;

import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.efiemu.uefi.spec.EfiStatus;
import org.efiemu.uefi.spec.Guid;

/** The {@code SetInfo()} rules of {@link FileHandle#setInfo}, kept apart to keep the handle small. */
final class FileInfoUpdate {

    private FileInfoUpdate() {
    }

    static EfiStatus apply(EspVolume volume, List<String> path, boolean writeMode, Guid type,
            byte[] buffer) {
        if (type == null || buffer == null) {
            return EfiStatus.INVALID_PARAMETER;
        }
        boolean fileInfo = type.equals(Guid.EFI_FILE_INFO_ID);
        boolean fsInfo = type.equals(Guid.EFI_FILE_SYSTEM_INFO_ID);
        boolean label = type.equals(Guid.EFI_FILE_SYSTEM_VOLUME_LABEL_ID);
        if (!fileInfo && !fsInfo && !label) {
            return EfiStatus.UNSUPPORTED;
        }
        if (fsInfo || label) {
            int offset = fsInfo ? FileSystemInfo.HEADER_SIZE : 0;
            if (buffer.length < offset + 2) {
                return EfiStatus.BAD_BUFFER_SIZE;
            }
            if (!volume.isWritable()) {
                return EfiStatus.WRITE_PROTECTED;
            }
            String s = new String(buffer, offset, buffer.length - offset, StandardCharsets.UTF_16LE);
            int nul = s.indexOf('\0');
            volume.setLabel(nul >= 0 ? s.substring(0, nul) : s);
            return EfiStatus.SUCCESS;
        }
        FileInfo wanted;
        try {
            wanted = FileInfo.parse(buffer);
        } catch (IllegalArgumentException e) {
            return EfiStatus.BAD_BUFFER_SIZE;
        }
        if (!volume.isWritable()) {
            return EfiStatus.WRITE_PROTECTED;
        }
        if (!writeMode) {
            return EfiStatus.ACCESS_DENIED;
        }
        if ((wanted.attribute() & ~FileModes.VALID_ATTR) != 0) {
            return EfiStatus.INVALID_PARAMETER;
        }
        try {
            Optional<VolumeBackend.Entry> current = EspVolume.io(() -> volume.backend().stat(path));
            if (current.isEmpty()) {
                return EfiStatus.DEVICE_ERROR;
            }
            VolumeBackend.Entry e = current.get();
            if (((wanted.attribute() ^ e.attributes()) & FileModes.DIRECTORY) != 0) {
                return EfiStatus.ACCESS_DENIED;
            }
            if (!path.isEmpty() && !wanted.fileName().equalsIgnoreCase(e.name())) {
                return EfiStatus.UNSUPPORTED;
            }
            if (wanted.fileSize() != e.size()) {
                if (e.directory()) {
                    return EfiStatus.ACCESS_DENIED;
                }
                if (wanted.fileSize() - e.size() > volume.freeBytes()) {
                    return EfiStatus.VOLUME_FULL;
                }
                EspVolume.io(() -> {
                    volume.backend().setSize(path, wanted.fileSize());
                    return null;
                });
            }
            if (wanted.attribute() != e.attributes()) {
                try {
                    volume.backend().setAttributes(path, wanted.attribute());
                } catch (UnsupportedOperationException ex) {
                    return EfiStatus.UNSUPPORTED;
                }
            }
            return EfiStatus.SUCCESS;
        } catch (UncheckedIOException | java.io.IOException ex) {
            return EfiStatus.DEVICE_ERROR;
        }
    }
}
