package org.efiemu.uefi.pci;

import java.util.Arrays;
import java.util.Objects;

/**
 * One base address register of a PCI function as the firmware's EFI_PCI_IO_PROTOCOL describes it (UEFI 2.10 §14.4,
 * GetBarAttributes): the {@code Supports} value and the ACPI resource descriptors it returns (ACPI 6.5 §6.4.3.5.1, a
 * QWORD address space descriptor 0x8A then the end tag 0x79), and the first bytes that {@code Mem.Read} (Uint32) or
 * {@code Io.Read} (Uint8) returned from offset 0 when the capture was made (the whole BAR when it is a register BAR of
 * at most 4 KiB of memory or 256 bytes of I/O, else its first 64 or 16 bytes). A BAR
 * that GetBarAttributes answered with EFI_UNSUPPORTED (not implemented by the device) has no {@code PciBar}.
 *
 * @param index BAR index 0-5
 * @param supports GetBarAttributes' {@code Supports}
 * @param resources the descriptors' bytes, end tag included
 * @param head what a read at the BAR's offset 0 returned (empty: not captured)
 */
public record PciBar(int index, long supports, byte[] resources, byte[] head) {
    /** ACPI QWORD address space descriptor tag and its length field (bytes after the 3-byte header). */
    static final int QWORD_DESCRIPTOR = 0x8A;
    static final int QWORD_LENGTH = 0x2B;
    /** Resource types of an address space descriptor (ACPI 6.5 Table 6.256). */
    public static final int MEMORY = 0;
    public static final int IO = 1;
    /** The most bytes of a BAR a capture holds: a register BAR whole (the firmware-probe reads BARs up to 4 KiB). */
    public static final int MAX_CAPTURED = 4096;

    public PciBar {
        if (index < 0 || index > 5) {
            throw new IllegalArgumentException("BAR index " + index + " is out of range 0-5");
        }
        Objects.requireNonNull(resources, "resources");
        Objects.requireNonNull(head, "head");
        if (resources.length != 3 + QWORD_LENGTH + 2 || (resources[0] & 0xFF) != QWORD_DESCRIPTOR
                || (resources[1] & 0xFF) != QWORD_LENGTH || resources[2] != 0 || (resources[3 + QWORD_LENGTH] & 0xFF) != 0x79) {
            throw new IllegalArgumentException("BAR " + index + " resources: expected one QWORD address space descriptor "
                    + "(8a2b00..., 46 bytes) and the end tag 79xx (48 bytes), got " + resources.length + " bytes");
        }
        int type = resources[3] & 0xFF;
        if (type != MEMORY && type != IO) {
            throw new IllegalArgumentException("BAR " + index + " resources: resource type " + type + "; expected 0 "
                    + "(memory) or 1 (I/O)");
        }
        long length = u64(resources, 38);
        if (head.length > length || head.length > MAX_CAPTURED) {
            throw new IllegalArgumentException("BAR " + index + ": " + head.length + " captured bytes; at most "
                    + MAX_CAPTURED + " and at most the BAR's length 0x" + Long.toHexString(length));
        }
        resources = resources.clone();
        head = head.clone();
    }

    /** Memory or I/O space. */
    public boolean io() {
        return (resources[3] & 0xFF) == IO;
    }

    /** AddrRangeMin: the BAR's base address. */
    public long base() {
        return u64(resources, 14);
    }

    /** AddrLen: the BAR's size in bytes. */
    public long length() {
        return u64(resources, 38);
    }

    private static long u64(byte[] resources, int at) {
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = v << 8 | (resources[at + i] & 0xFF);
        }
        return v;
    }

    @Override
    public byte[] resources() {
        return resources.clone();
    }

    @Override
    public byte[] head() {
        return head.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PciBar b && b.index == index && b.supports == supports && Arrays.equals(b.resources, resources)
                && Arrays.equals(b.head, head);
    }

    @Override
    public int hashCode() {
        return Objects.hash(index, supports, Arrays.hashCode(resources), Arrays.hashCode(head));
    }

    @Override
    public String toString() {
        return String.format("BAR %d %s 0x%X+0x%X", index, io() ? "I/O" : "memory", base(), length());
    }
}
