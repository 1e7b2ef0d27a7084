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
 * when everything lies below 4 GiB), a FADT revision 6 with the fixed power-management blocks of QEMU's q35 ICH9 as
 * OVMF 2022.11 reports them (PM1a event 0x600, PM1a control 0x604, PM timer 0x608, GPE0 0x620, SCI 9, reset register
 * I/O 0xCF9 value 0x0F, Flags 0x84A5; no SMI command port, so the machine is in ACPI mode from the start) pointing to
 * a FACS and to a DSDT whose AML holds {@code Name (_S5, Package () {0, 0, 0, 0})} (SLP_TYP 0 is S5 on ICH9, as in
 * QEMU's DSDT), and a MADT with one Local APIC (or Local x2APIC above ID 254) per CPU plus one I/O APIC and the ISA
 * IRQ0-to-GSI2 override. Every table's checksum is valid; OEM IDs come from the parameters. The ports' behaviour is
 * {@link AcpiPowerManagement}'s.
 */
public final class AcpiTablesBuilder {

    private static final int HEADER = 36;
    private static final int FADT_LENGTH = 276;
    private static final int FACS_LENGTH = 64;
    /** PM1a_EVT_BLK (4 bytes: PM1 status, PM1 enable). */
    public static final int PM1A_EVT_BLK = 0x600;
    /** PM1a_CNT_BLK (2 bytes: SCI_EN, SLP_TYP, SLP_EN). */
    public static final int PM1A_CNT_BLK = 0x604;
    /** PM_TMR_BLK (4 bytes, 24-bit counter at 3.579545 MHz). */
    public static final int PM_TMR_BLK = 0x608;
    /** GPE0_BLK (16 bytes: status and enable halves). */
    public static final int GPE0_BLK = 0x620;
    public static final int GPE0_BLK_LEN = 16;
    /** FADT RESET_REG (I/O) and RESET_VALUE, as QEMU q35: the ICH9 reset control register. */
    public static final int RESET_PORT = 0xCF9;
    public static final int RESET_VALUE = 0x0F;
    /** SLP_TYP of \_S5 in the DSDT. */
    public static final int S5_SLP_TYP = 0;
    public static final int SCI_INTERRUPT = 9;
    /** FADT Flags of OVMF 2022.11 on q35: WBINVD, PROC_C1, SLP_BUTTON, RTC_S4, RESET_REG_SUP, bit 15. */
    private static final int FADT_FLAGS = 0x84A5;

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
     * The length of {@link #build(long) build(0)}'s bytes, without encoding the tables: what the firmware reserves
     * before it knows where the tables go (a base that is a multiple of 64 gives the same length).
     */
    public int size() {
        long facs = 0;
        long rsdp = facs + FACS_LENGTH;
        long xsdt = rsdp + 48;
        long fadt = xsdt + align(HEADER + 2 * 8);
        long dsdtAddr = fadt + align(FADT_LENGTH);
        long madtAddr = dsdtAddr + align(dsdt().length);
        long rsdt = madtAddr + align(madt().length);
        return (int) (rsdt + align(HEADER + 2 * 4)); // from 0 the RSDT is below 4 GiB
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
        // the FACS first, 64-byte aligned (ACPI 6.5 §5.2.10): at base rounded up (a 64-byte aligned base wastes nothing)
        long facs = base + ((64 - (base & 63)) & 63);
        long rsdp = facs + FACS_LENGTH;
        long xsdt = rsdp + 48;
        long fadt = xsdt + align(HEADER + 2 * 8);
        long dsdtAddr = fadt + align(FADT_LENGTH);
        long madtAddr = dsdtAddr + align(dsdt.length);
        long rsdt = madtAddr + align(madt.length);
        boolean below4g = rsdt + HEADER + 2 * 4 <= 0x1_0000_0000L;
        long end = below4g ? rsdt + align(HEADER + 2 * 4) : rsdt;

        Map<String, Long> where = new LinkedHashMap<>();
        where.put("FACS", facs);
        where.put("RSD PTR ", rsdp);
        where.put("XSDT", xsdt);
        where.put("FACP", fadt);
        where.put("DSDT", dsdtAddr);
        where.put("APIC", madtAddr);
        ByteBuffer out = ByteBuffer.allocate((int) (end - base)).order(ByteOrder.LITTLE_ENDIAN);
        out.position((int) (xsdt - base)).put(sdt("XSDT", 1, List.of(fadt, madtAddr), 8));
        out.position((int) (facs - base)).put(facs());
        out.position((int) (fadt - base)).put(fadt(dsdtAddr, facs));
        out.position((int) (dsdtAddr - base)).put(dsdt);
        out.position((int) (madtAddr - base)).put(madt);
        if (below4g) {
            where.put("RSDT", rsdt);
            out.position((int) (rsdt - base)).put(sdt("RSDT", 1, List.of(fadt, madtAddr), 4));
        }
        out.position((int) (rsdp - base)).put(rsdp(below4g ? rsdt : 0, xsdt));
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

    /**
     * FADT revision 6 (ACPI 6.5 §5.2.9), minor version 5: the fixed PM blocks as I/O ports, both as 32-bit block
     * addresses and as X_ Generic Address Structures; 32-bit FACS/DSDT pointers too when below 4 GiB.
     */
    private byte[] fadt(long dsdt, long facs) {
        ByteBuffer b = ByteBuffer.allocate(FADT_LENGTH - HEADER).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(36 - HEADER, facs < 0x1_0000_0000L ? (int) facs : 0);
        b.putInt(40 - HEADER, dsdt < 0x1_0000_0000L ? (int) dsdt : 0);
        b.putShort(46 - HEADER, (short) SCI_INTERRUPT);
        b.putInt(56 - HEADER, PM1A_EVT_BLK);
        b.putInt(64 - HEADER, PM1A_CNT_BLK);
        b.putInt(76 - HEADER, PM_TMR_BLK);
        b.putInt(80 - HEADER, GPE0_BLK);
        b.put(88 - HEADER, (byte) 4);            // PM1_EVT_LEN
        b.put(89 - HEADER, (byte) 2);            // PM1_CNT_LEN
        b.put(91 - HEADER, (byte) 4);            // PM_TMR_LEN
        b.put(92 - HEADER, (byte) GPE0_BLK_LEN);
        b.putShort(96 - HEADER, (short) 0xFFF);  // P_LVL2_LAT > 100: C2 not supported
        b.putShort(98 - HEADER, (short) 0xFFF);  // P_LVL3_LAT > 1000: C3 not supported
        b.putInt(112 - HEADER, FADT_FLAGS);
        gas(b, 116 - HEADER, 8, RESET_PORT);
        b.put(128 - HEADER, (byte) RESET_VALUE);
        b.put(131 - HEADER, (byte) 5);
        b.putLong(132 - HEADER, facs);
        b.putLong(140 - HEADER, dsdt);
        gas(b, 148 - HEADER, 32, PM1A_EVT_BLK);
        gas(b, 172 - HEADER, 16, PM1A_CNT_BLK);
        gas(b, 208 - HEADER, 32, PM_TMR_BLK);
        gas(b, 220 - HEADER, GPE0_BLK_LEN * 8, GPE0_BLK);
        return table("FACP", 6, b.array());
    }

    /** A Generic Address Structure (ACPI 6.5 §5.2.3.2) in system I/O space. */
    private static void gas(ByteBuffer b, int at, int bitWidth, long port) {
        b.put(at, (byte) 1).put(at + 1, (byte) bitWidth).put(at + 2, (byte) 0).put(at + 3, (byte) 0).putLong(at + 4, port);
    }

    /** FACS (ACPI 6.5 §5.2.10): signature, length, no hardware signature, no waking vector, version 2. */
    private static byte[] facs() {
        ByteBuffer b = ByteBuffer.allocate(FACS_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
        b.put(bytes("FACS")).putInt(FACS_LENGTH);
        b.put(32, (byte) 2);
        return b.array();
    }

    /**
     * DSDT (revision 2: 64-bit integers) whose AML is {@code Name (_S5, Package (0x04) {Zero, Zero, Zero, Zero})}
     * (ACPI 6.5 §7.4.2: SLP_TYPa, SLP_TYPb, reserved), the bytes OVMF's DSDT on QEMU q35 has for \_S5.
     */
    private byte[] dsdt() {
        byte[] aml = {0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04, S5_SLP_TYP, S5_SLP_TYP, 0x00, 0x00};
        return table("DSDT", 2, aml);
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
