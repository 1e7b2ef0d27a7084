package org.efiemu.uefi.acpi;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a minimal, valid ACPI 6.x table set (ACPI 6.5 §5.2): RSDP revision 2 (both checksums), XSDT (and an RSDT
 * when everything lies below 4 GiB), a hardware-reduced FADT revision 6 pointing to a DSDT that holds only its
 * header, and a MADT with one Local APIC (or Local x2APIC above ID 254) per CPU plus one I/O APIC and the ISA
 * IRQ0-to-GSI2 override. Every table's checksum is valid; OEM IDs come from the parameters.
 */
public final class AcpiTablesBuilder {

    private static final int HEADER = 36;
    private static final int FADT_LENGTH = 276;
    /** FADT Flags bit 20: HW_REDUCED_ACPI (no FACS, no fixed PM blocks needed). */
    private static final int HW_REDUCED_ACPI = 1 << 20;

    private String oemId = "EFIEMU";
    private String oemTableId = "EFIEMU  ";
    private int oemRevision = 1;
    private String creatorId = "EFEM";
    private int creatorRevision = 1;
    private int cpuCount = 1;
    private long localApicAddress = 0xFEE0_0000L;
    private int ioApicId = 0;
    private long ioApicAddress = 0xFEC0_0000L;

    /** OEMID: up to 6 printable ASCII characters, padded with spaces. */
    public AcpiTablesBuilder oemId(String id) {
        this.oemId = ascii("oemId", id, 6);
        return this;
    }

    /** OEM Table ID: up to 8 printable ASCII characters, padded with spaces. */
    public AcpiTablesBuilder oemTableId(String id) {
        this.oemTableId = ascii("oemTableId", id, 8);
        return this;
    }

    public AcpiTablesBuilder oemRevision(int revision) {
        this.oemRevision = revision;
        return this;
    }

    /** Creator ID: up to 4 printable ASCII characters. */
    public AcpiTablesBuilder creator(String id, int revision) {
        this.creatorId = ascii("creatorId", id, 4);
        this.creatorRevision = revision;
        return this;
    }

    /** Number of logical CPUs; APIC IDs 0..n-1, all enabled. */
    public AcpiTablesBuilder cpuCount(int n) {
        if (n < 1 || n > 65535) {
            throw new IllegalArgumentException("cpuCount " + n + ": expected 1..65535");
        }
        this.cpuCount = n;
        return this;
    }

    public AcpiTablesBuilder localApicAddress(long address) {
        this.localApicAddress = address;
        return this;
    }

    /** The I/O APIC: its ID and MMIO address (GSI base 0). */
    public AcpiTablesBuilder ioApic(int id, long address) {
        this.ioApicId = id;
        this.ioApicAddress = address;
        return this;
    }

    private static String ascii(String what, String s, int max) {
        if (s == null || s.length() > max || !s.chars().allMatch(c -> c >= 0x20 && c < 0x7F)) {
            throw new IllegalArgumentException(what + " '" + s + "': expected up to " + max + " printable ASCII characters");
        }
        return s + " ".repeat(max - s.length());
    }

    /**
     * Lays the tables out from {@code base} (16-byte aligned, each table 16-byte aligned) and fills in the
     * physical addresses they reference.
     *
     * @throws IllegalArgumentException when {@code base} is not 16-byte aligned
     */
    public AcpiTables build(long base) {
        if ((base & 0xF) != 0) {
            throw new IllegalArgumentException(String.format("ACPI base 0x%X: expected 16-byte alignment", base));
        }
        byte[] dsdt = dsdt();
        byte[] madt = madt();
        long rsdp = base;
        long xsdt = rsdp + 48;
        long fadt = xsdt + align(HEADER + 2 * 8);
        long dsdtAddr = fadt + align(FADT_LENGTH);
        long madtAddr = dsdtAddr + align(dsdt.length);
        long rsdt = madtAddr + align(madt.length);
        boolean below4g = rsdt + HEADER + 2 * 4 <= 0x1_0000_0000L;
        long end = below4g ? rsdt + align(HEADER + 2 * 4) : rsdt;

        Map<String, Long> where = new LinkedHashMap<>();
        where.put("RSD PTR ", rsdp);
        where.put("XSDT", xsdt);
        where.put("FACP", fadt);
        where.put("DSDT", dsdtAddr);
        where.put("APIC", madtAddr);
        ByteBuffer out = ByteBuffer.allocate((int) (end - base)).order(ByteOrder.LITTLE_ENDIAN);
        out.position((int) (xsdt - base)).put(sdt("XSDT", 1, List.of(fadt, madtAddr), 8));
        out.position((int) (fadt - base)).put(fadt(dsdtAddr));
        out.position((int) (dsdtAddr - base)).put(dsdt);
        out.position((int) (madtAddr - base)).put(madt);
        if (below4g) {
            where.put("RSDT", rsdt);
            out.position((int) (rsdt - base)).put(sdt("RSDT", 1, List.of(fadt, madtAddr), 4));
        }
        out.position(0).put(rsdp(below4g ? rsdt : 0, xsdt));
        return new AcpiTables(base, out.array(), where);
    }

    private static long align(long n) {
        return (n + 15) & ~15L;
    }

    /** RSDP (ACPI 6.5 §5.2.5.3): checksum over the first 20 bytes, extended checksum over all 36. */
    private byte[] rsdp(long rsdt, long xsdt) {
        ByteBuffer b = ByteBuffer.allocate(36).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RSD PTR ".getBytes(StandardCharsets.US_ASCII)).put((byte) 0).put(bytes(oemId)).put((byte) 2)
                .putInt((int) rsdt).putInt(36).putLong(xsdt).put(new byte[3]);
        byte[] a = b.array();
        a[8] = checksum(a, 0, 20);
        a[32] = checksum(a, 0, 36);
        return a;
    }

    /** System description table header (ACPI 6.5 §5.2.6) followed by {@code body}, with its checksum set. */
    private byte[] table(String signature, int revision, byte[] body) {
        ByteBuffer b = ByteBuffer.allocate(HEADER + body.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(bytes(signature)).putInt(HEADER + body.length).put((byte) revision).put((byte) 0).put(bytes(oemId))
                .put(bytes(oemTableId)).putInt(oemRevision).put(bytes(creatorId)).putInt(creatorRevision).put(body);
        byte[] a = b.array();
        a[9] = checksum(a, 0, a.length);
        return a;
    }

    /** XSDT (8-byte entries) or RSDT (4-byte entries). */
    private byte[] sdt(String signature, int revision, List<Long> entries, int entrySize) {
        ByteBuffer b = ByteBuffer.allocate(entries.size() * entrySize).order(ByteOrder.LITTLE_ENDIAN);
        for (long e : entries) {
            if (entrySize == 8) {
                b.putLong(e);
            } else {
                b.putInt((int) e);
            }
        }
        return table(signature, revision, b.array());
    }

    /** FADT revision 6 (ACPI 6.5 §5.2.9), hardware-reduced, minor version 5; 32-bit DSDT too when below 4 GiB. */
    private byte[] fadt(long dsdt) {
        ByteBuffer b = ByteBuffer.allocate(FADT_LENGTH - HEADER).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(40 - HEADER, dsdt < 0x1_0000_0000L ? (int) dsdt : 0);
        b.putInt(112 - HEADER, HW_REDUCED_ACPI);
        b.put(131 - HEADER, (byte) 5);
        b.putLong(140 - HEADER, dsdt);
        return table("FACP", 6, b.array());
    }

    /** DSDT with an empty AML body (revision 2: 64-bit integers). */
    private byte[] dsdt() {
        return table("DSDT", 2, new byte[0]);
    }

    /** MADT revision 5 (ACPI 6.5 §5.2.12). */
    private byte[] madt() {
        List<byte[]> entries = new ArrayList<>();
        for (int id = 0; id < cpuCount; id++) {
            if (id < 255) {
                entries.add(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).put((byte) 0).put((byte) 8)
                        .put((byte) id).put((byte) id).putInt(1).array());
            } else {
                entries.add(ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).put((byte) 9).put((byte) 16)
                        .putShort((short) 0).putInt(id).putInt(1).putInt(id).array());
            }
        }
        entries.add(ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).put((byte) 1).put((byte) 12)
                .put((byte) ioApicId).put((byte) 0).putInt((int) ioApicAddress).putInt(0).array());
        // Interrupt Source Override: ISA IRQ 0 -> GSI 2, conforming polarity and trigger
        entries.add(ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN).put((byte) 2).put((byte) 10)
                .put((byte) 0).put((byte) 0).putInt(2).putShort((short) 0).array());
        int size = 8 + entries.stream().mapToInt(e -> e.length).sum();
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt((int) localApicAddress).putInt(1); // Flags: PCAT_COMPAT
        entries.forEach(b::put);
        return table("APIC", 5, b.array());
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte checksum(byte[] a, int offset, int length) {
        int sum = 0;
        for (int i = offset; i < offset + length; i++) {
            sum += a[i];
        }
        return (byte) -sum;
    }
}
