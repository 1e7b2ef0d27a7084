package org.efiemu.uefi;

import java.io.ByteArrayOutputStream;
import org.efiemu.core.memory.GuestMemory;

/** Reads a device path (UEFI 2.10 §10.2) from guest memory up to and including its End Entire node. */
public final class DevicePaths {
    private static final int MAX_BYTES = 4096;

    private DevicePaths() {}

    /** The bytes of the device path at {@code pointer}, or null when it is not a well-formed path in RAM. */
    public static byte[] read(GuestMemory memory, long pointer) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long at = pointer;
        while (out.size() < MAX_BYTES) {
            if (!memory.isRam(at, 4)) {
                return null;
            }
            int type = memory.u8(at);
            int subtype = memory.u8(at + 1);
            int length = memory.u16(at + 2);
            if (length < 4 || !memory.isRam(at, length)) {
                return null;
            }
            out.writeBytes(memory.read(at, length));
            if (type == 0x7F && subtype == 0xFF) {
                return out.toByteArray();
            }
            at += length;
        }
        return null;
    }
}
