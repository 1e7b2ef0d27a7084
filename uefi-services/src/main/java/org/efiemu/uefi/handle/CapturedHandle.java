package org.efiemu.uefi.handle;

import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import org.efiemu.uefi.spec.Guid;

/**
 * One handle of a real firmware's handle database as the firmware-probe captured it (LocateHandleBuffer(AllHandles)
 * order, UEFI 2.10 §7.3.15; ProtocolsPerHandle order, §7.3.14): its protocol GUIDs, the bytes of its
 * EFI_DEVICE_PATH_PROTOCOL and EFI_LOADED_IMAGE_DEVICE_PATH_PROTOCOL interfaces (§10.2, §9.2) when it has them, and
 * the allocation-independent fields of its EFI_LOADED_IMAGE_PROTOCOL (§9.1) when it has one.
 *
 * @param index position in the firmware's handle list (0-based)
 * @param protocols the protocol GUIDs in ProtocolsPerHandle order, at least one, no duplicates
 * @param nullInterfaces the protocols of {@code protocols} whose interface pointer is NULL (GUID-only tags, e.g. EDK2's
 *     {@code gEfiConsoleOutDeviceGuid}), in the same order
 * @param devicePath the device path's bytes (end node included), or null when the handle has no device path
 * @param imageDevicePath the loaded image device path's bytes, or null
 * @param image the loaded image's fields, or null
 */
public record CapturedHandle(int index, List<Guid> protocols, List<Guid> nullInterfaces, byte[] devicePath,
        byte[] imageDevicePath, CapturedImage image) {

    public CapturedHandle {
        protocols = List.copyOf(protocols);
        nullInterfaces = List.copyOf(nullInterfaces);
        if (!protocols.containsAll(nullInterfaces)) {
            throw new IllegalArgumentException("handle " + index + ": a NULL-interface protocol is not among its protocols");
        }
        for (Guid g : List.of(Guid.EFI_DEVICE_PATH_PROTOCOL_GUID, LOADED_IMAGE_DEVICE_PATH, Guid.EFI_LOADED_IMAGE_PROTOCOL_GUID)) {
            if (nullInterfaces.contains(g)) {
                throw new IllegalArgumentException("handle " + index + ": " + g.registryForm() + " with a NULL interface");
            }
        }
        if (index < 0) {
            throw new IllegalArgumentException("handle index " + index + ": expected 0 or more");
        }
        if (protocols.isEmpty()) {
            throw new IllegalArgumentException("handle " + index + ": no protocol (every handle has at least one)");
        }
        if (protocols.stream().distinct().count() != protocols.size()) {
            throw new IllegalArgumentException("handle " + index + ": a protocol is listed twice");
        }
        check(index, devicePath, Guid.EFI_DEVICE_PATH_PROTOCOL_GUID, protocols, "path");
        check(index, imageDevicePath, LOADED_IMAGE_DEVICE_PATH, protocols, "image-path");
        if ((image != null) != protocols.contains(Guid.EFI_LOADED_IMAGE_PROTOCOL_GUID)) {
            throw new IllegalArgumentException("handle " + index + ": loaded-image fields " + (image != null
                    ? "given without" : "missing for") + " EFI_LOADED_IMAGE_PROTOCOL (" + Guid.EFI_LOADED_IMAGE_PROTOCOL_GUID
                    .registryForm() + ")");
        }
        devicePath = devicePath == null ? null : devicePath.clone();
        imageDevicePath = imageDevicePath == null ? null : imageDevicePath.clone();
    }

    /**
     * True when {@code p} is a sequence of device path nodes (UEFI 2.10 §10.3.1: type, sub-type, 16-bit length of
     * at least 4) whose last node is the end of the entire path (7F FF 04 00) and no earlier node is.
     */
    public static boolean wellFormed(byte[] p) {
        int at = 0;
        while (at + 4 <= p.length) {
            int len = (p[at + 2] & 0xFF) | (p[at + 3] & 0xFF) << 8;
            if (len < 4 || at + len > p.length) {
                return false;
            }
            if ((p[at] & 0xFF) == 0x7F && (p[at + 1] & 0xFF) == 0xFF) {
                return at + len == p.length && len == 4;
            }
            at += len;
        }
        return false;
    }

    /** EFI_LOADED_IMAGE_DEVICE_PATH_PROTOCOL_GUID (UEFI 2.10 §9.2). */
    public static final Guid LOADED_IMAGE_DEVICE_PATH = Guid.parse("BC62157E-3E33-4FEC-9920-2D3B36D750DF");

    private static void check(int index, byte[] path, Guid protocol, List<Guid> protocols, String what) {
        if ((path != null) != protocols.contains(protocol)) {
            throw new IllegalArgumentException("handle " + index + ": " + what + " " + (path != null ? "given but the "
                    + "handle has no" : "missing for the handle's") + " " + protocol.registryForm() + " protocol");
        }
        if (path != null && !wellFormed(path)) {
            throw new IllegalArgumentException("handle " + index + ": " + what + " " + HexFormat.of().formatHex(path)
                    + ": expected device path nodes (type, subtype, 16-bit length >= 4) ending with the end node 7fff0400");
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CapturedHandle h && index == h.index && protocols.equals(h.protocols)
                && nullInterfaces.equals(h.nullInterfaces)
                && java.util.Arrays.equals(devicePath, h.devicePath) && java.util.Arrays.equals(imageDevicePath, h.imageDevicePath)
                && Objects.equals(image, h.image);
    }

    @Override
    public int hashCode() {
        return Objects.hash(index, protocols, java.util.Arrays.hashCode(devicePath), image);
    }

    @Override
    public String toString() {
        return "handle " + index + " " + protocols.stream().map(Guid::registryForm).toList()
                + (devicePath != null ? " path=" + HexFormat.of().formatHex(devicePath) : "");
    }

    /**
     * The allocation-independent fields of an EFI_LOADED_IMAGE_PROTOCOL (UEFI 2.10 §9.1.1).
     *
     * @param revision Revision
     * @param parent ParentHandle as an index into the same handle list, -1 for NULL
     * @param device DeviceHandle as an index, -1 for NULL
     * @param codeType ImageCodeType
     * @param dataType ImageDataType
     * @param size ImageSize
     * @param optionsSize LoadOptionsSize
     * @param filePath FilePath's bytes, or null for a NULL FilePath
     */
    public record CapturedImage(int revision, int parent, int device, int codeType, int dataType, long size,
            int optionsSize, byte[] filePath) {
        public CapturedImage {
            if (filePath != null && !wellFormed(filePath)) {
                throw new IllegalArgumentException("loaded-image file path " + HexFormat.of().formatHex(filePath)
                        + ": expected device path nodes ending with the end node 7fff0400");
            }
            filePath = filePath == null ? null : filePath.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof CapturedImage i && revision == i.revision && parent == i.parent && device == i.device
                    && codeType == i.codeType && dataType == i.dataType && size == i.size && optionsSize == i.optionsSize
                    && java.util.Arrays.equals(filePath, i.filePath);
        }

        @Override
        public int hashCode() {
            return Objects.hash(revision, parent, device, codeType, dataType, size, optionsSize);
        }
    }
}
