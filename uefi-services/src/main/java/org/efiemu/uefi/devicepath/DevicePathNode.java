package org.efiemu.uefi.devicepath;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * One {@code EFI_DEVICE_PATH_PROTOCOL} node (UEFI 2.10 §10.2): Type, SubType, a 16-bit Length that includes the
 * 4-byte header, and the node-specific data. Immutable.
 */
public final class DevicePathNode {

    public static final int HARDWARE = 0x01;
    public static final int ACPI = 0x02;
    public static final int MESSAGING = 0x03;
    public static final int MEDIA = 0x04;
    public static final int BBS = 0x05;
    public static final int END = 0x7F;

    public static final int SUB_END_ENTIRE = 0xFF;
    public static final int SUB_END_INSTANCE = 0x01;
    public static final int SUB_HW_PCI = 0x01;
    public static final int SUB_HW_VENDOR = 0x04;
    public static final int SUB_ACPI = 0x01;
    public static final int SUB_MSG_VENDOR = 0x0A;
    public static final int SUB_MSG_SATA = 0x12;
    /** ATAPI (parallel ATA/IDE) messaging node (UEFI 2.10 §10.3.4.1). */
    public static final int SUB_MSG_ATAPI = 0x01;
    public static final int SUB_MEDIA_HARDDRIVE = 0x01;
    public static final int SUB_MEDIA_VENDOR = 0x03;
    public static final int SUB_MEDIA_FILEPATH = 0x04;

    /** Size of the node header. */
    public static final int HEADER_SIZE = 4;

    private final int type;
    private final int subType;
    private final byte[] data;

    /**
     * @throws IllegalArgumentException when the type/sub-type do not fit a byte or the node would exceed 65535
     *                                  bytes
     */
    public DevicePathNode(int type, int subType, byte[] data) {
        if ((type & ~0xFF) != 0 || (subType & ~0xFF) != 0) {
            throw new IllegalArgumentException(String.format("device path node type 0x%X/sub-type 0x%X: expected bytes",
                    type, subType));
        }
        if (data.length + HEADER_SIZE > 0xFFFF) {
            throw new IllegalArgumentException("device path node of " + (data.length + HEADER_SIZE)
                    + " bytes: the Length field holds at most 65535");
        }
        this.type = type;
        this.subType = subType;
        this.data = data.clone();
    }

    public int type() {
        return type;
    }

    public int subType() {
        return subType;
    }

    /** The node's data after the header. */
    public byte[] data() {
        return data.clone();
    }

    /** The Length field: header plus data. */
    public int length() {
        return HEADER_SIZE + data.length;
    }

    public boolean isEnd() {
        return type == END;
    }

    /**
     * The path name a File Path media node carries (UEFI 2.10 §10.3.5.4: a NUL-terminated UCS-2 string), up to its NUL;
     * the data read as such whatever the node's type.
     */
    public String pathName() {
        String s = new String(data, StandardCharsets.UTF_16LE);
        int nul = s.indexOf('\0');
        return nul >= 0 ? s.substring(0, nul) : s;
    }

    public boolean isEndEntire() {
        return type == END && subType == SUB_END_ENTIRE;
    }

    /** Little-endian view of the data, for the node decoders. */
    ByteBuffer buffer() {
        return ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Appends the node's bytes to {@code out} at {@code offset}; returns the offset after it. */
    int writeTo(byte[] out, int offset) {
        out[offset] = (byte) type;
        out[offset + 1] = (byte) subType;
        out[offset + 2] = (byte) length();
        out[offset + 3] = (byte) (length() >>> 8);
        System.arraycopy(data, 0, out, offset + HEADER_SIZE, data.length);
        return offset + length();
    }

    /** The node's text form (UEFI 2.10 §10.6.1), e.g. {@code Pci(0x1F,0x2)}. */
    @Override
    public String toString() {
        return DevicePathText.nodeToText(this);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DevicePathNode n && n.type == type && n.subType == subType && Arrays.equals(n.data, data);
    }

    @Override
    public int hashCode() {
        return (type * 31 + subType) * 31 + Arrays.hashCode(data);
    }

    /** {@code Path(type,subtype,hex)}: the spec's generic text form of a node. */
    String genericText() {
        return String.format("Path(%d,%d,%s)", type, subType, HexFormat.of().withUpperCase().formatHex(data));
    }
}
