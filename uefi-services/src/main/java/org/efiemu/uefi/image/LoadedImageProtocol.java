package org.efiemu.uefi.image;

import java.nio.charset.StandardCharsets;
import org.efiemu.core.memory.GuestMemory;
import org.efiemu.uefi.firmware.FirmwareArena;

/**
 * {@code EFI_LOADED_IMAGE_PROTOCOL} (UEFI 2.10 §9.1) of an image, written into firmware memory, with its FilePath
 * (a Media File Path device path node, §10.3.5.4, then the End node) and LoadOptions (a UCS-2 string with its NUL).
 */
public final class LoadedImageProtocol {
    public static final int REVISION = 0x1000;
    public static final int SIZE = 96;
    public static final int PARENT_HANDLE = 8;
    public static final int SYSTEM_TABLE = 16;
    public static final int DEVICE_HANDLE = 24;
    public static final int FILE_PATH = 32;
    public static final int LOAD_OPTIONS_SIZE = 48;
    public static final int LOAD_OPTIONS = 56;
    public static final int IMAGE_BASE = 64;
    public static final int IMAGE_SIZE = 72;
    public static final int IMAGE_CODE_TYPE = 80;
    public static final int IMAGE_DATA_TYPE = 84;
    public static final int UNLOAD = 88;

    private LoadedImageProtocol() {}

    /**
     * Writes the protocol for {@code image} and returns its address.
     *
     * @param filePath the path the image was "loaded" from, e.g. {@code \EFI\BOOT\BOOTX64.EFI}
     * @param loadOptions the options string, or null/empty for none (LoadOptionsSize 0, LoadOptions NULL)
     */
    public static long write(GuestMemory memory, FirmwareArena.Region arena, LoadedImage image, long systemTable,
            long parentHandle, long deviceHandle, String filePath, String loadOptions) {
        long at = arena.take("EFI_LOADED_IMAGE_PROTOCOL of " + image.name(), SIZE, 16);
        memory.fill(at, SIZE, (byte) 0);
        memory.putU32(at, REVISION);
        memory.putU64(at + PARENT_HANDLE, parentHandle);
        memory.putU64(at + SYSTEM_TABLE, systemTable);
        memory.putU64(at + DEVICE_HANDLE, deviceHandle);
        byte[] path = filePathNode(filePath);
        long pathAt = arena.take("FilePath of " + image.name() + " (" + filePath + ")", path.length, 8);
        memory.write(pathAt, path);
        memory.putU64(at + FILE_PATH, pathAt);
        if (loadOptions != null && !loadOptions.isEmpty()) {
            long bytes = 2L * (loadOptions.length() + 1);
            long opts = arena.take("LoadOptions of " + image.name(), bytes, 8);
            memory.putUtf16z(opts, loadOptions);
            memory.putU32(at + LOAD_OPTIONS_SIZE, bytes);
            memory.putU64(at + LOAD_OPTIONS, opts);
        }
        memory.putU64(at + IMAGE_BASE, image.base());
        memory.putU64(at + IMAGE_SIZE, image.size());
        memory.putU32(at + IMAGE_CODE_TYPE, image.codeType().value());
        memory.putU32(at + IMAGE_DATA_TYPE, image.dataType().value());
        return at;
    }

    /** A Media File Path node (type 4, subtype 4) holding {@code path} as UCS-2 with NUL, then End Entire (7F FF 04 00). */
    static byte[] filePathNode(String path) {
        byte[] text = (path + "\0").getBytes(StandardCharsets.UTF_16LE);
        int len = 4 + text.length;
        byte[] out = new byte[len + 4];
        out[0] = 4;
        out[1] = 4;
        out[2] = (byte) len;
        out[3] = (byte) (len >> 8);
        System.arraycopy(text, 0, out, 4, text.length);
        out[len] = 0x7F;
        out[len + 1] = (byte) 0xFF;
        out[len + 2] = 4;
        return out;
    }
}
