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
 * Builds an SMBIOS 3.x table (DSP0134 3.7) with both entry points EDK2's SmbiosDxe can publish: the 64-bit
 * {@code _SM3_} entry point (§5.2.2, {@code SMBIOS3_TABLE_GUID}) and the 32-bit {@code _SM_}/{@code _DMI_} entry point
 * (§5.2.1, {@code SMBIOS_TABLE_GUID}, the one OVMF 2022.11 under QEMU 7.2 q35 publishes), both over one structure
 * table: type 0 (BIOS Information, §7.1), type 1 (System Information, §7.2), one type 4 (Processor Information, §7.5)
 * per socket, and when memory is given type 16 (Physical Memory Array, §7.17), one type 17 (Memory Device, §7.18) per
 * 16 GiB or part of it (QEMU's DIMM size) and one type 19 (Memory Array Mapped Address, §7.20) per RAM range, then
 * type 127 (End-of-Table, §7.45). Handles are numbered from 0 in that order.
 *
 * <p>Layout from the base: {@code _SM3_} at +0, {@code _SM_} at +0x20, the structures at +0x40.
 */
public final class SmbiosTablesBuilder {

    private static final int TYPE0_LENGTH = 0x1A;
    private static final int TYPE1_LENGTH = 0x1B;
    private static final int TYPE4_LENGTH = 0x30;
    private static final int TYPE16_LENGTH = 0x17;
    private static final int TYPE17_LENGTH = 0x28;
    private static final int TYPE19_LENGTH = 0x1F;
    /** QEMU's largest DIMM in its SMBIOS tables ({@code hw/smbios/smbios.c}: 16 GiB per type 17). */
    static final long DIMM_BYTES = 16L << 30;
    /** Offset of the 32-bit entry point from the base. */
    static final int ENTRY_POINT_32_OFFSET = 0x20;
    /** Offset of the first structure from the base. */
    static final int TABLE_OFFSET = 0x40;

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
    private long memoryBytes;
    private final List<MappedRange> mapped = new ArrayList<>();
    /**
     * The structure table of the last {@link #build}, kept until a setter changes an input: it does not depend on the
     * base, and the firmware builds twice (once at 0 for the size, then where the tables go).
     */
    private StructureTable table;

    private record StructureTable(byte[] bytes, int maxStructure, int count, int handles) {}

    /** A range of physical addresses the memory array maps (type 19), {@code end} exclusive, 1 KiB granular. */
    public record MappedRange(long start, long end) {
        public MappedRange {
            if (start < 0 || end <= start || (start & 0x3FF) != 0 || (end & 0x3FF) != 0) {
                throw new IllegalArgumentException(String.format("SMBIOS mapped range [0x%X, 0x%X): expected start < end, "
                        + "both multiples of 1 KiB", start, end));
            }
        }
    }

    /** SMBIOS 3.{@code minor} (default 3.7). */
    public SmbiosTablesBuilder version(int minorVersion) {
        if (minorVersion < 0 || minorVersion > 255) {
            throw new IllegalArgumentException("SMBIOS minor version " + minorVersion + ": expected 0..255");
        }
        this.minor = minorVersion;
        table = null;
        return this;
    }

    /** Type 0: BIOS vendor, version and release date ({@code mm/dd/yyyy}). */
    public SmbiosTablesBuilder bios(String vendor, String version, String releaseDate) {
        this.biosVendor = vendor;
        this.biosVersion = version;
        this.biosReleaseDate = releaseDate;
        table = null;
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
        table = null;
        return this;
    }

    /** Adds one socket (one type 4 structure). */
    public SmbiosTablesBuilder socket(ProcessorInfo processor) {
        sockets.add(Objects.requireNonNull(processor, "processor"));
        table = null;
        return this;
    }

    /**
     * Type 16/17/19: {@code bytes} of installed memory (a multiple of 1 MiB) in one array, mapped at {@code ranges}.
     */
    public SmbiosTablesBuilder memory(long bytes, List<MappedRange> ranges) {
        if (bytes <= 0 || (bytes & 0xFFFFF) != 0) {
            throw new IllegalArgumentException(String.format("SMBIOS memory size 0x%X: expected a positive multiple of "
                    + "1 MiB", bytes));
        }
        this.memoryBytes = bytes;
        mapped.clear();
        mapped.addAll(ranges);
        table = null;
        return this;
    }

    /**
     * Lays out the two entry points at {@code base} and the structure table after them (16-byte aligned).
     *
     * @throws IllegalArgumentException when no socket was added, {@code base} is not 16-byte aligned or the table
     *                                  would lie above 4 GiB (the 32-bit entry point cannot point there)
     */
    public SmbiosTables build(long base) {
        if (sockets.isEmpty()) {
            throw new IllegalArgumentException("SMBIOS table: expected at least one socket (type 4)");
        }
        if ((base & 0xF) != 0) {
            throw new IllegalArgumentException(String.format("SMBIOS base 0x%X: expected 16-byte alignment", base));
        }
        StructureTable st = structureTable();
        byte[] t = st.bytes();
        int maxStructure = st.maxStructure();
        int handle = st.handles();
        long tableAddress = base + TABLE_OFFSET;
        if (tableAddress + t.length > 0x1_0000_0000L || t.length > 0xFFFF) {
            throw new IllegalArgumentException(String.format("SMBIOS table at 0x%X, 0x%X bytes: the 32-bit entry point "
                    + "needs it below 4 GiB and at most 0xFFFF bytes", tableAddress, t.length));
        }
        ByteBuffer out = ByteBuffer.allocate(TABLE_OFFSET + t.length).order(ByteOrder.LITTLE_ENDIAN);
        out.put("_SM3_".getBytes(StandardCharsets.US_ASCII)).put((byte) 0).put((byte) SmbiosTables.ENTRY_POINT_SIZE)
                .put((byte) 3).put((byte) minor).put((byte) 0).put((byte) 1).put((byte) 0).putInt(t.length)
                .putLong(tableAddress);
        // the 32-bit entry point: anchor, checksum, length, version, largest structure, revision 0, formatted area,
        // then the intermediate "_DMI_" part with its own checksum, table length/address, structure count, BCD version
        out.position(ENTRY_POINT_32_OFFSET);
        out.put("_SM_".getBytes(StandardCharsets.US_ASCII)).put((byte) 0).put((byte) SmbiosTables.ENTRY_POINT_32_SIZE)
                .put((byte) 3).put((byte) minor).putShort((short) maxStructure).put((byte) 0).put(new byte[5])
                .put("_DMI_".getBytes(StandardCharsets.US_ASCII)).put((byte) 0).putShort((short) t.length)
                .putInt((int) tableAddress).putShort((short) st.count())
                .put((byte) (minor < 10 ? 0x30 | minor : 0));
        byte[] a = out.array();
        a[5] = checksum(a, 0, SmbiosTables.ENTRY_POINT_SIZE);
        a[ENTRY_POINT_32_OFFSET + 0x15] = checksum(a, ENTRY_POINT_32_OFFSET + 0x10, 0x0F);
        a[ENTRY_POINT_32_OFFSET + 4] = checksum(a, ENTRY_POINT_32_OFFSET, SmbiosTables.ENTRY_POINT_32_SIZE);
        System.arraycopy(t, 0, a, TABLE_OFFSET, t.length);
        return new SmbiosTables(base, a, tableAddress, t.length, handle);
    }

    /** The structures (types 0, 1, 4, 16, 17, 19, 127) as one table; the same until an input changes. */
    private StructureTable structureTable() {
        if (table != null) {
            return table;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<byte[]> structures = new ArrayList<>();
        int handle = 0;
        structures.add(type0(handle++));
        structures.add(type1(handle++));
        for (ProcessorInfo p : sockets) {
            structures.add(type4(handle++, p));
        }
        if (memoryBytes > 0) {
            int array = handle++;
            long devices = (memoryBytes + DIMM_BYTES - 1) / DIMM_BYTES;
            structures.add(type16(array, devices, memoryBytes));
            for (long d = 0; d < devices; d++) {
                long size = Math.min(DIMM_BYTES, memoryBytes - d * DIMM_BYTES);
                structures.add(size == DIMM_BYTES ? fullDimm(handle++, array, (int) d)
                        : type17(handle++, array, (int) d, size));
            }
            for (MappedRange r : mapped) {
                structures.add(type19(handle++, array, r, devices));
            }
        }
        structures.add(new SmbiosStructure(127, 4, handle++).toBytes());
        int maxStructure = 0;
        for (byte[] st : structures) {
            out.writeBytes(st);
            maxStructure = Math.max(maxStructure, st.length);
        }
        table = new StructureTable(out.toByteArray(), maxStructure, structures.size(), handle);
        return table;
    }

    /** The byte that makes the {@code length} bytes from {@code from} sum to 0 (its own place holding 0). */
    private static byte checksum(byte[] a, int from, int length) {
        int sum = 0;
        for (int i = from; i < from + length; i++) {
            sum += a[i];
        }
        return (byte) -sum;
    }

    private static byte[] type16(int handle, long devices, long bytes) {
        SmbiosStructure s = new SmbiosStructure(16, TYPE16_LENGTH, handle);
        s.u8(0x04, 0x01).u8(0x05, 0x03).u8(0x06, 0x06); // location other, system memory, multi-bit ECC (as QEMU)
        long kib = bytes >> 10; // QEMU: the installed RAM
        if (kib < 0x8000_0000L) {
            s.u32(0x07, (int) kib);
        } else {
            s.u32(0x07, 0x8000_0000).u64(0x0F, bytes); // extended maximum capacity in bytes
        }
        s.u16(0x0B, 0xFFFE).u16(0x0D, (int) devices); // no error information structure
        return s.toBytes();
    }

    /**
     * {@link #type17} of a full {@link #DIMM_BYTES} DIMM with handle 0 and array handle 0: its formatted area. Full DIMMs
     * differ only in those two handles and in the index in their first string (up to 384 per machine on a 6 TiB
     * hunt machine), so {@link #fullDimm} patches a copy instead of encoding each. Never handed out (copied), so
     * sharing it between threads is safe.
     */
    private static final byte[] FULL_DIMM_AREA = java.util.Arrays.copyOf(type17(0, 0, 0, DIMM_BYTES), TYPE17_LENGTH);
    private static final byte[] FULL_DIMM_STRINGS_TAIL = "\0QEMU\0\0".getBytes(StandardCharsets.ISO_8859_1);

    /** The same bytes as {@code type17(handle, array, index, DIMM_BYTES)}, from {@link #FULL_DIMM_AREA}. */
    static byte[] fullDimm(int handle, int array, int index) {
        String name = "DIMM " + index;
        byte[] out = new byte[TYPE17_LENGTH + name.length() + FULL_DIMM_STRINGS_TAIL.length];
        System.arraycopy(FULL_DIMM_AREA, 0, out, 0, TYPE17_LENGTH);
        out[2] = (byte) handle;
        out[3] = (byte) (handle >>> 8);
        out[4] = (byte) array;
        out[5] = (byte) (array >>> 8);
        for (int i = 0; i < name.length(); i++) {
            out[TYPE17_LENGTH + i] = (byte) name.charAt(i); // ASCII: "DIMM " and digits
        }
        System.arraycopy(FULL_DIMM_STRINGS_TAIL, 0, out, TYPE17_LENGTH + name.length(), FULL_DIMM_STRINGS_TAIL.length);
        return out;
    }

    static byte[] type17(int handle, int array, int index, long bytes) {
        SmbiosStructure s = new SmbiosStructure(17, TYPE17_LENGTH, handle);
        s.u16(0x04, array).u16(0x06, 0xFFFE).u16(0x08, 0xFFFF).u16(0x0A, 0xFFFF); // widths unknown
        long mib = bytes >> 20;
        if (mib < 0x7FFF) {
            s.u16(0x0C, (int) mib);
        } else {
            s.u16(0x0C, 0x7FFF).u32(0x1C, (int) mib); // extended size in MiB
        }
        s.u8(0x0E, 0x09).u8(0x0F, 0).string(0x10, "DIMM " + index).string(0x11, "");
        s.u8(0x12, 0x07).u16(0x13, 0x0002).u16(0x15, 0); // RAM, type detail "other", speed unknown
        s.string(0x17, "QEMU").string(0x18, "").string(0x19, "").string(0x1A, "");
        return s.toBytes();
    }

    private static byte[] type19(int handle, int array, MappedRange r, long devices) {
        SmbiosStructure s = new SmbiosStructure(19, TYPE19_LENGTH, handle);
        long startKib = r.start() >> 10;
        long endKib = (r.end() >> 10) - 1;
        if (endKib < 0xFFFF_FFFFL) {
            s.u32(0x04, (int) startKib).u32(0x08, (int) endKib);
        } else {
            s.u32(0x04, 0xFFFF_FFFF).u32(0x08, 0xFFFF_FFFF).u64(0x0F, r.start()).u64(0x17, r.end() - 1);
        }
        s.u16(0x0C, array).u8(0x0E, (int) Math.min(devices, 0xFF));
        return s.toBytes();
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
