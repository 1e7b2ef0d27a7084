package org.efiemu.uefi.fs;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * {@code EFI_FILE_INFO} (UEFI 2.10 §13.5.16): Size, FileSize, PhysicalSize, CreateTime, LastAccessTime,
 * ModificationTime, Attribute, then the NUL-terminated UTF-16 FileName at offset 80.
 */
public record FileInfo(long fileSize, long physicalSize, EfiTime createTime, EfiTime lastAccessTime,
        EfiTime modificationTime, long attribute, String fileName) {

    /** {@code SIZE_OF_EFI_FILE_INFO}: the offset of FileName. */
    public static final int HEADER_SIZE = 80;

    /** The encoded size: header plus name with NUL. */
    public int size() {
        return HEADER_SIZE + (fileName.length() + 1) * 2;
    }

    public byte[] toBytes() {
        ByteBuffer b = ByteBuffer.allocate(size()).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(size()).putLong(fileSize).putLong(physicalSize);
        createTime.writeTo(b);
        lastAccessTime.writeTo(b);
        modificationTime.writeTo(b);
        b.putLong(attribute);
        b.put((fileName + "\0").getBytes(StandardCharsets.UTF_16LE));
        return b.array();
    }

    /**
     * Decodes an {@code EFI_FILE_INFO} as {@code SetInfo()} receives it.
     *
     * @throws IllegalArgumentException when the buffer is shorter than its header, its Size field, or the name
     *                                  has no NUL
     */
    public static FileInfo parse(byte[] bytes) {
        if (bytes.length < HEADER_SIZE + 2) {
            throw new IllegalArgumentException("EFI_FILE_INFO of " + bytes.length + " bytes: expected at least 82");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long size = b.getLong();
        if (size < HEADER_SIZE + 2 || size > bytes.length) {
            throw new IllegalArgumentException("EFI_FILE_INFO.Size " + size + ": expected 82.." + bytes.length);
        }
        long fileSize = b.getLong();
        long physical = b.getLong();
        EfiTime create = EfiTime.readFrom(b);
        EfiTime access = EfiTime.readFrom(b);
        EfiTime modify = EfiTime.readFrom(b);
        long attribute = b.getLong();
        String name = new String(bytes, HEADER_SIZE, (int) size - HEADER_SIZE, StandardCharsets.UTF_16LE);
        int nul = name.indexOf('\0');
        if (nul < 0) {
            throw new IllegalArgumentException("EFI_FILE_INFO.FileName: no NUL within Size " + size);
        }
        return new FileInfo(fileSize, physical, create, access, modify, attribute, name.substring(0, nul));
    }
}
