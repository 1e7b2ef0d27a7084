package org.efiemu.uefi.smbios;

/**
 * An SMBIOS 3.x entry point and structure table laid out at a guest physical address. Install
 * {@link #entryPointAddress()} as the {@code SMBIOS3_TABLE_GUID} configuration table (UEFI 2.10 §4.6). Build with
 * {@link SmbiosTablesBuilder}.
 */
public final class SmbiosTables {

    /** Size of the 64-bit entry point structure. */
    public static final int ENTRY_POINT_SIZE = 0x18;

    private final long base;
    private final byte[] bytes;
    private final long tableAddress;
    private final int tableLength;
    private final int structureCount;

    SmbiosTables(long base, byte[] bytes, long tableAddress, int tableLength, int structureCount) {
        this.base = base;
        this.bytes = bytes;
        this.tableAddress = tableAddress;
        this.tableLength = tableLength;
        this.structureCount = structureCount;
    }

    /** Entry point and table as one block, to be written at {@link #entryPointAddress()}. */
    public byte[] bytes() {
        return bytes.clone();
    }

    /** Address of the {@code _SM3_} entry point (the start of {@link #bytes()}). */
    public long entryPointAddress() {
        return base;
    }

    /** Address of the first structure. */
    public long tableAddress() {
        return tableAddress;
    }

    /** Length of the structure table in bytes (the entry point's maximum size). */
    public int tableLength() {
        return tableLength;
    }

    /** Number of structures including the type 127 end-of-table. */
    public int structureCount() {
        return structureCount;
    }

    @Override
    public String toString() {
        return String.format("SMBIOS 3 entry point at 0x%X, %d structures (%d bytes) at 0x%X", base, structureCount,
                tableLength, tableAddress);
    }
}
