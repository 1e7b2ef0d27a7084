package org.efiemu.uefi.smbios;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.efiemu.uefi.spec.Guid;

/**
 * Builds an SMBIOS 3.x table (DSP0134 3.7): the 64-bit {@code _SM3_} entry point (§5.2.2) and the structures
 * type 0 (BIOS Information, §7.1), type 1 (System Information, §7.2), one type 4 (Processor Information, §7.5) per
 * socket and type 127 (End-of-Table, §7.45). Handles are numbered from 0 in that order.
 */
public final class SmbiosTablesBuilder {

    private static final int TYPE0_LENGTH = 0x1A;
    private static final int TYPE1_LENGTH = 0x1B;
    private static final int TYPE4_LENGTH = 0x30;

    private int minor = 7;
    private String biosVendor = "efiemu";
    private String biosVersion = "0.1";
    private String biosReleaseDate = "01/01/2024";
    private String manufacturer = "efiemu";
    private String product = "Emulated x86-64 UEFI machine";
    private String systemVersion = "";
    private String serialNumber = "";
    private Guid uuid = Guid.ZERO;
    private String sku = "";
    private String family = "";
    private final List<ProcessorInfo> sockets = new ArrayList<>();

    /** SMBIOS 3.{@code minor} (default 3.7). */
    public SmbiosTablesBuilder version(int minorVersion) {
        if (minorVersion < 0 || minorVersion > 255) {
            throw new IllegalArgumentException("SMBIOS minor version " + minorVersion + ": expected 0..255");
        }
        this.minor = minorVersion;
        return this;
    }

    /** Type 0: BIOS vendor, version and release date ({@code mm/dd/yyyy}). */
    public SmbiosTablesBuilder bios(String vendor, String version, String releaseDate) {
        this.biosVendor = vendor;
        this.biosVersion = version;
        this.biosReleaseDate = releaseDate;
        return this;
    }

    /**
     * Type 1: system identity. The UUID is stored in the SMBIOS 2.6+ byte order (first three fields
     * little-endian), the same as an {@code EFI_GUID}.
     */
    public SmbiosTablesBuilder system(String manufacturer, String product, String version, String serialNumber,
            Guid uuid, String sku, String family) {
        this.manufacturer = manufacturer;
        this.product = product;
        this.systemVersion = version;
        this.serialNumber = serialNumber;
        this.uuid = Objects.requireNonNull(uuid, "uuid");
        this.sku = sku;
        this.family = family;
        return this;
    }

    /** Adds one socket (one type 4 structure). */
    public SmbiosTablesBuilder socket(ProcessorInfo processor) {
        sockets.add(Objects.requireNonNull(processor, "processor"));
        return this;
    }

    /**
     * Lays out the entry point at {@code base} and the structure table right after it (16-byte aligned).
     *
     * @throws IllegalArgumentException when no socket was added or {@code base} is not 16-byte aligned
     */
    public SmbiosTables build(long base) {
        if (sockets.isEmpty()) {
            throw new IllegalArgumentException("SMBIOS table: expected at least one socket (type 4)");
        }
        if ((base & 0xF) != 0) {
            throw new IllegalArgumentException(String.format("SMBIOS base 0x%X: expected 16-byte alignment", base));
        }
        ByteArrayOutputStream table = new ByteArrayOutputStream();
        int handle = 0;
        table.writeBytes(type0(handle++));
        table.writeBytes(type1(handle++));
        for (ProcessorInfo p : sockets) {
            table.writeBytes(type4(handle++, p));
        }
        table.writeBytes(new SmbiosStructure(127, 4, handle++).toBytes());
        byte[] t = table.toByteArray();
        long tableAddress = base + 0x20;
        ByteBuffer out = ByteBuffer.allocate(0x20 + t.length).order(ByteOrder.LITTLE_ENDIAN);
        out.put("_SM3_".getBytes(StandardCharsets.US_ASCII)).put((byte) 0).put((byte) SmbiosTables.ENTRY_POINT_SIZE)
                .put((byte) 3).put((byte) minor).put((byte) 0).put((byte) 1).put((byte) 0).putInt(t.length)
                .putLong(tableAddress);
        byte[] a = out.array();
        int sum = 0;
        for (int i = 0; i < SmbiosTables.ENTRY_POINT_SIZE; i++) {
            sum += a[i];
        }
        a[5] = (byte) -sum;
        System.arraycopy(t, 0, a, 0x20, t.length);
        return new SmbiosTables(base, a, tableAddress, t.length, handle);
    }

    private byte[] type0(int handle) {
        SmbiosStructure s = new SmbiosStructure(0, TYPE0_LENGTH, handle);
        s.string(0x04, biosVendor).string(0x05, biosVersion).u16(0x06, 0).string(0x08, biosReleaseDate);
        s.u8(0x09, 0xFF); // ROM size: see Extended BIOS ROM Size
        s.u64(0x0A, 1L << 7 | 1L << 11); // PCI supported, BIOS upgradeable
        s.u8(0x12, 0x01); // ext. byte 1: ACPI supported
        s.u8(0x13, 0x08); // ext. byte 2: UEFI specification supported
        s.u8(0x14, 0xFF).u8(0x15, 0xFF).u8(0x16, 0xFF).u8(0x17, 0xFF); // release and EC versions: not given
        s.u16(0x18, 16); // Extended BIOS ROM Size: 16 MiB
        return s.toBytes();
    }

    private byte[] type1(int handle) {
        SmbiosStructure s = new SmbiosStructure(1, TYPE1_LENGTH, handle);
        s.string(0x04, manufacturer).string(0x05, product).string(0x06, systemVersion).string(0x07, serialNumber);
        s.bytes(0x08, uuid.toBytes()).u8(0x18, 0x06); // wake-up type: power switch
        s.string(0x19, sku).string(0x1A, family);
        return s.toBytes();
    }

    private static byte[] type4(int handle, ProcessorInfo p) {
        SmbiosStructure s = new SmbiosStructure(4, TYPE4_LENGTH, handle);
        s.string(0x04, p.socketDesignation()).u8(0x05, 3); // Central Processor
        s.u8(0x06, p.processorFamily() > 0xFD ? 0xFE : p.processorFamily()).string(0x07, p.manufacturer());
        s.u32(0x08, p.cpuidSignature()).u32(0x0C, p.cpuidFeatures()).string(0x10, p.version());
        s.u8(0x11, 0).u16(0x12, 100).u16(0x14, p.maxSpeedMhz()).u16(0x16, p.currentSpeedMhz());
        s.u8(0x18, 0x41); // socket populated, CPU enabled
        s.u8(0x19, 0x01).u16(0x1A, 0xFFFF).u16(0x1C, 0xFFFF).u16(0x1E, 0xFFFF);
        s.u8(0x23, Math.min(p.coreCount(), 0xFF)).u8(0x24, Math.min(p.coreCount(), 0xFF))
                .u8(0x25, Math.min(p.threadCount(), 0xFF));
        int characteristics = 0x04 | (p.coreCount() > 1 ? 0x08 : 0) | (p.threadCount() > p.coreCount() ? 0x10 : 0);
        s.u16(0x26, characteristics).u16(0x28, p.processorFamily());
        s.u16(0x2A, p.coreCount()).u16(0x2C, p.coreCount()).u16(0x2E, p.threadCount());
        return s.toBytes();
    }
}
