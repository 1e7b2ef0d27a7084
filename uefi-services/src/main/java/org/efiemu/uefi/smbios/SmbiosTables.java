package org.efiemu.uefi.smbios;

/**
 * An SMBIOS 3.x structure table with its 64-bit and 32-bit entry points laid out at a guest physical address.
 * Install {@link #entryPoint32Address()} as the {@code SMBIOS_TABLE_GUID} and {@link #entryPointAddress()} as the
 * {@code SMBIOS3_TABLE_GUID} configuration table (UEFI 2.10 §4.6). Build with {@link SmbiosTablesBuilder}.
 */
public final class SmbiosTables {

    /** Size of the 64-bit entry point structure. */
    public static final int ENTRY_POINT_SIZE = 0x18;
    /** Size of the 32-bit entry point structure ({@code _SM_} ... {@code _DMI_} ...). */
    public static final int ENTRY_POINT_32_SIZE = 0x1F;

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

    /** Address of the 32-bit {@code _SM_} entry point ({@code SMBIOS_TABLE_GUID}). */
    public long entryPoint32Address() {
        return base + SmbiosTablesBuilder.ENTRY_POINT_32_OFFSET;
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
        return String.format("SMBIOS 3 entry points at 0x%X (_SM3_) and 0x%X (_SM_), %d structures (%d bytes) at 0x%X", base, entryPoint32Address(), structureCount,
                tableLength, tableAddress);
    }
}
