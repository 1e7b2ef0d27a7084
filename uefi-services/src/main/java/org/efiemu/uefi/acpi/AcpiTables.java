package org.efiemu.uefi.acpi;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A set of ACPI tables laid out at a guest physical address: the bytes to copy there and where each table
 * starts. Install {@link #rsdpAddress()} as the {@code EFI_ACPI_20_TABLE_GUID} configuration table (UEFI 2.10 §4.6).
 * Build with {@link AcpiTablesBuilder}.
 */
public final class AcpiTables {

    private final long base;
    private final byte[] bytes;
    private final Map<String, Long> addresses;

    AcpiTables(long base, byte[] bytes, Map<String, Long> addresses) {
        this.base = base;
        this.bytes = bytes;
        this.addresses = Collections.unmodifiableMap(new LinkedHashMap<>(addresses));
    }

    /** Guest physical address of the first byte of {@link #bytes()}. */
    public long base() {
        return base;
    }

    /** All tables as one block, to be written at {@link #base()}. */
    public byte[] bytes() {
        return bytes.clone();
    }

    /** Address of the RSDP ({@code "RSD PTR "}), after the 64-byte aligned FACS. */
    public long rsdpAddress() {
        return addresses.get("RSD PTR ");
    }

    /** Address of each table by signature: {@code FACS}, {@code RSD PTR }, {@code XSDT}, {@code RSDT}, {@code FACP}, {@code DSDT}, {@code APIC}. */
    public Map<String, Long> addresses() {
        return addresses;
    }

    /** True when the bytes of {@code table} (from {@code offset}, {@code length} bytes) sum to 0 mod 256. */
    public static boolean checksumOk(byte[] data, int offset, int length) {
        int sum = 0;
        for (int i = offset; i < offset + length; i++) {
            sum += data[i];
        }
        return (sum & 0xFF) == 0;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("ACPI tables at ").append(String.format("0x%X", base)).append(':');
        addresses.forEach((sig, addr) -> sb.append(' ').append(sig.strip()).append(String.format("@0x%X", addr)));
        return sb.toString();
    }
}
