package org.efiemu.uefi.fs;

import java.util.ArrayList;
import java.util.List;

/** {@code EFI_FILE_MODE_*} and {@code EFI_FILE_*} attribute bits (UEFI 2.10 §13.5.2 {@code Open()}). */
public final class FileModes {
    public static final long MODE_READ = 0x1;
    public static final long MODE_WRITE = 0x2;
    public static final long MODE_CREATE = 0x8000_0000_0000_0000L;

    public static final long READ_ONLY = 0x01;
    public static final long HIDDEN = 0x02;
    public static final long SYSTEM = 0x04;
    public static final long RESERVED = 0x08;
    public static final long DIRECTORY = 0x10;
    public static final long ARCHIVE = 0x20;
    /** {@code EFI_FILE_VALID_ATTR}. */
    public static final long VALID_ATTR = 0x37;

    private FileModes() {
    }

    /** True for the three legal open modes: read, read/write, read/write/create. */
    public static boolean isValidMode(long mode) {
        return mode == MODE_READ || mode == (MODE_READ | MODE_WRITE) || mode == (MODE_READ | MODE_WRITE | MODE_CREATE);
    }

    /** {@code EFI_FILE_MODE_READ|EFI_FILE_MODE_WRITE} etc. */
    public static String modeName(long mode) {
        List<String> parts = new ArrayList<>();
        if ((mode & MODE_READ) != 0) {
            parts.add("EFI_FILE_MODE_READ");
        }
        if ((mode & MODE_WRITE) != 0) {
            parts.add("EFI_FILE_MODE_WRITE");
        }
        if ((mode & MODE_CREATE) != 0) {
            parts.add("EFI_FILE_MODE_CREATE");
        }
        long rest = mode & ~(MODE_READ | MODE_WRITE | MODE_CREATE);
        if (rest != 0 || parts.isEmpty()) {
            parts.add(String.format("0x%X", rest));
        }
        return String.join("|", parts);
    }
}
