package org.efiemu.uefi.devicepath;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.efiemu.uefi.spec.Guid;

/**
 * A device path (UEFI 2.10 §10): a sequence of nodes ended by an End-Entire node, possibly with End-Instance
 * separators. Immutable. {@link #parse} validates guest-provided bytes; the static factories build the nodes a
 * boot path needs; {@link #toString()} gives the spec's text form, e.g.
 * {@code PciRoot(0x0)/Pci(0x1F,0x2)/Sata(0x0,0xFFFF,0x0)/HD(1,GPT,<guid>,0x800,0x100000)/\EFI\BOOT\BOOTX64.EFI}.
 */
public final class DevicePath {

    /** {@code EISA_PNP_ID(0x0A03)}: the ACPI _HID of a PCI root bridge. */
    public static final int PNP0A03 = 0x0A03_41D0;
    /** {@code EISA_PNP_ID(0x0A08)}: the ACPI _HID of a PCI Express root bridge. */
    public static final int PNP0A08 = 0x0A08_41D0;
    /** HardDrive node: {@code MBRType} 2 = GUID partition table, {@code SignatureType} 2 = GUID. */
    private static final int PART_GPT = 2;
    private static final int SIG_GUID = 2;
    private static final int PART_MBR = 1;
    private static final int SIG_MBR = 1;

    private final List<DevicePathNode> nodes;

    private DevicePath(List<DevicePathNode> nodes) {
        this.nodes = List.copyOf(nodes);
    }

    /** A path of {@code nodes} with an End-Entire node appended (omit it from the arguments). */
    public static DevicePath of(DevicePathNode... nodes) {
        List<DevicePathNode> list = new ArrayList<>(List.of(nodes));
        list.add(end());
        return new DevicePath(list);
    }

    /**
     * Parses and validates a device path from {@code bytes} starting at {@code offset}: every node's Length must be
     * at least 4 and inside the buffer, and an End-Entire node must come within {@code maxLength} bytes.
     * Bytes after the End-Entire node are ignored.
     *
     * @throws IllegalArgumentException naming the offset, node and what was expected
     */
    public static DevicePath parse(byte[] bytes, int offset, int maxLength) {
        Objects.requireNonNull(bytes, "bytes");
        int limit = (int) Math.min(bytes.length, (long) offset + maxLength);
        List<DevicePathNode> nodes = new ArrayList<>();
        int off = offset;
        while (true) {
            if (off + DevicePathNode.HEADER_SIZE > limit) {
                throw new IllegalArgumentException(String.format("device path at offset %d: no End node within %d bytes"
                        + " (node header at offset %d runs past the end)", offset, limit - offset, off - offset));
            }
            int type = bytes[off] & 0xFF;
            int sub = bytes[off + 1] & 0xFF;
            int len = (bytes[off + 2] & 0xFF) | (bytes[off + 3] & 0xFF) << 8;
            if (len < DevicePathNode.HEADER_SIZE) {
                throw new IllegalArgumentException(String.format(
                        "device path node %d (type 0x%02X, sub-type 0x%02X) at offset %d: Length %d, expected >= 4",
                        nodes.size(), type, sub, off - offset, len));
            }
            if (off + len > limit) {
                throw new IllegalArgumentException(String.format(
                        "device path node %d (type 0x%02X, sub-type 0x%02X) at offset %d: Length %d runs past the"
                                + " %d bytes allowed", nodes.size(), type, sub, off - offset, len, limit - offset));
            }
            byte[] data = new byte[len - DevicePathNode.HEADER_SIZE];
            System.arraycopy(bytes, off + DevicePathNode.HEADER_SIZE, data, 0, data.length);
            DevicePathNode node = new DevicePathNode(type, sub, data);
            nodes.add(node);
            off += len;
            if (node.isEndEntire()) {
                return new DevicePath(nodes);
            }
        }
    }

    /** Parses a whole buffer; see {@link #parse(byte[], int, int)}. */
    public static DevicePath parse(byte[] bytes) {
        return parse(bytes, 0, bytes.length);
    }

    /** Parses the spec's text form; see {@link DevicePathText#parse}. */
    public static DevicePath fromText(String text) {
        return DevicePathText.parse(text);
    }

    /** The nodes including the End node(s). */
    public List<DevicePathNode> nodes() {
        return nodes;
    }

    /** {@code GetDevicePathSize()}: total bytes including the End-Entire node. */
    public int size() {
        return nodes.stream().mapToInt(DevicePathNode::length).sum();
    }

    public byte[] toBytes() {
        byte[] out = new byte[size()];
        int off = 0;
        for (DevicePathNode n : nodes) {
            off = n.writeTo(out, off);
        }
        return out;
    }

    /** This path followed by {@code other} ({@code AppendDevicePath}: this path's End-Entire node is dropped). */
    public DevicePath append(DevicePath other) {
        List<DevicePathNode> list = new ArrayList<>(nodes.subList(0, nodes.size() - 1));
        list.addAll(other.nodes);
        return new DevicePath(list);
    }

    /** True when this path's nodes before End are a prefix of {@code other}'s. */
    public boolean isPrefixOf(DevicePath other) {
        List<DevicePathNode> mine = nodes.subList(0, nodes.size() - 1);
        return other.nodes.size() > mine.size() && other.nodes.subList(0, mine.size()).equals(mine);
    }

    // ---- node factories (UEFI 2.10 §10.3) ----

    /** End-Entire node (type 0x7F, sub-type 0xFF). */
    public static DevicePathNode end() {
        return new DevicePathNode(DevicePathNode.END, DevicePathNode.SUB_END_ENTIRE, new byte[0]);
    }

    /** End-Instance node (type 0x7F, sub-type 0x01). */
    public static DevicePathNode endInstance() {
        return new DevicePathNode(DevicePathNode.END, DevicePathNode.SUB_END_INSTANCE, new byte[0]);
    }

    /** ACPI device path (§10.3.3): {@code _HID} and {@code _UID}. */
    public static DevicePathNode acpi(int hid, int uid) {
        return new DevicePathNode(DevicePathNode.ACPI, DevicePathNode.SUB_ACPI, done(le().putInt(hid).putInt(uid)));
    }

    /** {@code PciRoot(uid)}: ACPI node with {@code _HID} PNP0A03. */
    public static DevicePathNode pciRoot(int uid) {
        return acpi(PNP0A03, uid);
    }

    /** PCI device path (§10.3.2.1): Function byte then Device byte on the wire; text {@code Pci(Device,Function)}. */
    public static DevicePathNode pci(int device, int function) {
        if (device < 0 || device > 31 || function < 0 || function > 7) {
            throw new IllegalArgumentException("Pci(" + device + "," + function + "): expected device 0..31, function 0..7");
        }
        return new DevicePathNode(DevicePathNode.HARDWARE, DevicePathNode.SUB_HW_PCI,
                new byte[] {(byte) function, (byte) device});
    }

    /** SATA device path (§10.3.4.6): HBA port, port-multiplier port (0xFFFF = direct), LUN. */
    public static DevicePathNode sata(int hbaPort, int portMultiplierPort, int lun) {
        return new DevicePathNode(DevicePathNode.MESSAGING, DevicePathNode.SUB_MSG_SATA,
                done(le().putShort((short) hbaPort).putShort((short) portMultiplierPort).putShort((short) lun)));
    }

    /**
     * ATAPI device path (§10.3.4.1): an IDE disk on a parallel ATA channel, as EDK2's AtaAtapiPassThru in IDE mode
     * (QEMU's PIIX3 IDE under {@code -machine pc}) names it: {@code Ata(Primary|Secondary,Master|Slave,Lun)}.
     *
     * @param secondary 0 primary channel, 1 secondary
     * @param slave 0 master, 1 slave
     */
    public static DevicePathNode ata(int secondary, int slave, int lun) {
        if (secondary < 0 || secondary > 1 || slave < 0 || slave > 1) {
            throw new IllegalArgumentException("Ata(" + secondary + "," + slave + "): expected channel 0..1, device 0..1");
        }
        return new DevicePathNode(DevicePathNode.MESSAGING, DevicePathNode.SUB_MSG_ATAPI,
                done(le().put((byte) secondary).put((byte) slave).putShort((short) lun)));
    }

    /** Vendor-defined node of a given type (hardware 0x01, messaging 0x03, media 0x04): GUID plus data. */
    public static DevicePathNode vendor(int type, Guid vendor, byte[] data) {
        int sub = switch (type) {
            case DevicePathNode.HARDWARE -> DevicePathNode.SUB_HW_VENDOR;
            case DevicePathNode.MESSAGING -> DevicePathNode.SUB_MSG_VENDOR;
            case DevicePathNode.MEDIA -> DevicePathNode.SUB_MEDIA_VENDOR;
            default -> throw new IllegalArgumentException(String.format(
                    "vendor device path type 0x%X: expected 0x01 (hardware), 0x03 (messaging) or 0x04 (media)", type));
        };
        byte[] d = new byte[Guid.SIZE + data.length];
        vendor.writeTo(d, 0);
        System.arraycopy(data, 0, d, Guid.SIZE, data.length);
        return new DevicePathNode(type, sub, d);
    }

    /** Media HardDrive node for a GPT partition (§10.3.5.1); start and size in logical blocks. */
    public static DevicePathNode hardDriveGpt(int partitionNumber, long startLba, long sizeInLba, Guid partitionGuid) {
        ByteBuffer b = le().putInt(partitionNumber).putLong(startLba).putLong(sizeInLba);
        b.put(partitionGuid.toBytes()).put((byte) PART_GPT).put((byte) SIG_GUID);
        return new DevicePathNode(DevicePathNode.MEDIA, DevicePathNode.SUB_MEDIA_HARDDRIVE, done(b));
    }

    /** Media HardDrive node for an MBR partition with a 32-bit disk signature. */
    public static DevicePathNode hardDriveMbr(int partitionNumber, long startLba, long sizeInLba, int diskSignature) {
        ByteBuffer b = le().putInt(partitionNumber).putLong(startLba).putLong(sizeInLba);
        b.putInt(diskSignature).put(new byte[12]).put((byte) PART_MBR).put((byte) SIG_MBR);
        return new DevicePathNode(DevicePathNode.MEDIA, DevicePathNode.SUB_MEDIA_HARDDRIVE, done(b));
    }

    /** Media FilePath node (§10.3.5.4): the path as NUL-terminated UTF-16LE, e.g. {@code \EFI\BOOT\BOOTX64.EFI}. */
    public static DevicePathNode filePath(String path) {
        byte[] chars = (path + "\0").getBytes(StandardCharsets.UTF_16LE);
        return new DevicePathNode(DevicePathNode.MEDIA, DevicePathNode.SUB_MEDIA_FILEPATH, chars);
    }

    private static ByteBuffer le() {
        return ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static byte[] done(ByteBuffer b) {
        byte[] out = new byte[b.position()];
        b.flip().get(out);
        return out;
    }

    /** The text form (UEFI 2.10 §10.6), nodes separated by {@code /}, instances by {@code ,}. */
    @Override
    public String toString() {
        return DevicePathText.toText(this);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DevicePath p && p.nodes.equals(nodes);
    }

    @Override
    public int hashCode() {
        return nodes.hashCode();
    }
}
