package org.efiemu.uefi.spec;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * An {@code EFI_GUID} (UEFI 2.10 Appendix A, "GUID and Time Formats"): a 128-bit value whose registry form is
 * {@code 8BE4DF61-93CA-11D2-AA0D-00E098032B8C} and whose in-memory encoding is
 * {@code {UINT32 Data1; UINT16 Data2; UINT16 Data3; UINT8 Data4[8]}} with the first three fields little-endian.
 *
 * <p>Immutable value type. {@link #toString()} gives the spec name of a well-known GUID (e.g.
 * {@code EFI_LOADED_IMAGE_PROTOCOL_GUID}) and the registry form otherwise.
 */
public final class Guid implements Comparable<Guid> {

    /** Size of an {@code EFI_GUID} in guest memory. */
    public static final int SIZE = 16;

    private static final Pattern REGISTRY = Pattern.compile(
            "[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}");

    public static final Guid ZERO = parse("00000000-0000-0000-0000-000000000000");
    // Protocols (UEFI 2.10 §9.1, §10.2, §12.3, §12.4, §12.9, §13.4, §13.5)
    public static final Guid EFI_LOADED_IMAGE_PROTOCOL_GUID = parse("5B1B31A1-9562-11D2-8E3F-00A0C969723B");
    /** UEFI Shell Specification 2.2 §2.5: what the Shell installs on the images it starts. */
    public static final Guid EFI_SHELL_PARAMETERS_PROTOCOL_GUID = parse("752F3136-4E16-4FDC-A22A-E5F46812F4CA");
    public static final Guid EFI_LOADED_IMAGE_DEVICE_PATH_PROTOCOL_GUID = parse("BC62157E-3E33-4FEC-9920-2D3B36D750DF");
    public static final Guid EFI_DEVICE_PATH_PROTOCOL_GUID = parse("09576E91-6D3F-11D2-8E39-00A0C969723B");
    /** {@code EFI_DRIVER_BINDING_PROTOCOL} (UEFI 2.10 §11.1). */
    public static final Guid EFI_DRIVER_BINDING_PROTOCOL_GUID = parse("18A031AB-B443-4D1A-A5C0-0C09261E9F71");
    /** {@code EFI_PLATFORM_DRIVER_OVERRIDE_PROTOCOL} (UEFI 2.10 §11.3). */
    public static final Guid EFI_PLATFORM_DRIVER_OVERRIDE_PROTOCOL_GUID = parse("6B30C738-A391-11D4-9A3B-0090273FC14D");
    /** {@code EFI_BUS_SPECIFIC_DRIVER_OVERRIDE_PROTOCOL} (UEFI 2.10 §11.4). */
    public static final Guid EFI_BUS_SPECIFIC_DRIVER_OVERRIDE_PROTOCOL_GUID = parse("3BC1B285-8A15-4A82-AABF-4D7D13FB3265");
    /** {@code EFI_DRIVER_FAMILY_OVERRIDE_PROTOCOL} (UEFI 2.10 §11.6). */
    public static final Guid EFI_DRIVER_FAMILY_OVERRIDE_PROTOCOL_GUID = parse("B1EE129E-DA36-4181-91F8-04A4923766A7");
    public static final Guid EFI_SIMPLE_TEXT_INPUT_PROTOCOL_GUID = parse("387477C1-69C7-11D2-8E39-00A0C969723B");
    public static final Guid EFI_SIMPLE_TEXT_INPUT_EX_PROTOCOL_GUID = parse("DD9E7534-7762-4698-8C14-F58517A625AA");
    public static final Guid EFI_SIMPLE_TEXT_OUTPUT_PROTOCOL_GUID = parse("387477C2-69C7-11D2-8E39-00A0C969723B");
    public static final Guid EFI_GRAPHICS_OUTPUT_PROTOCOL_GUID = parse("9042A9DE-23DC-4A38-96FB-7ADED080516A");
    public static final Guid EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID = parse("964E5B22-6459-11D2-8E39-00A0C969723B");
    public static final Guid EFI_BLOCK_IO_PROTOCOL_GUID = parse("964E5B21-6459-11D2-8E39-00A0C969723B");
    public static final Guid EFI_BLOCK_IO2_PROTOCOL_GUID = parse("A77B2472-E282-4E9F-A245-C2C0E27BBCC1");
    public static final Guid EFI_DISK_INFO_PROTOCOL_GUID = parse("D432A67F-14DC-484B-B3BB-3F0291849327");
    public static final Guid EFI_DISK_IO_PROTOCOL_GUID = parse("CE345171-BA0B-11D2-8E4F-00A0C969723B");
    public static final Guid EFI_DISK_IO2_PROTOCOL_GUID = parse("151C8EAE-7F2C-472C-9E54-9828194F6A88");
    public static final Guid EFI_PARTITION_INFO_PROTOCOL_GUID = parse("8CF2F62C-BC9B-4821-808D-EC9EC421A1A0");
    /** GPT partition type of an EFI System Partition (UEFI 2.10 §5.3.3 Table 5-7). */
    public static final Guid EFI_SYSTEM_PARTITION_GUID = parse("C12A7328-F81F-11D2-BA4B-00A0C93EC93B");
    public static final Guid EFI_DEVICE_PATH_TO_TEXT_PROTOCOL_GUID = parse("8B843E20-8132-4852-90CC-551A4E4A7F1C");
    public static final Guid EFI_DEVICE_PATH_UTILITIES_PROTOCOL_GUID = parse("0379BE4E-D706-437D-B037-EDB82FB772A4");
    public static final Guid EFI_RNG_PROTOCOL_GUID = parse("3152BCA5-EADE-433D-862E-C01CDC291F44");
    /** EFI_RNG_ALGORITHM_RAW (UEFI 2.10 §37.5.1.1). */
    public static final Guid EFI_RNG_ALGORITHM_RAW = parse("E43176D7-B6E8-4827-B784-7FFDC4B68561");
    /** EFI_SERIAL_IO_PROTOCOL (UEFI 2.10 §12.8). */
    public static final Guid EFI_SERIAL_IO_PROTOCOL_GUID = parse("BB25CF6F-F1D4-11D2-9A0C-0090273FC1FD");
    public static final Guid EFI_SHIM_LOCK_GUID = parse("605DAB50-E046-4300-ABB6-3DD810DD8B23");
    /** EFI_PCI_IO_PROTOCOL (UEFI 2.10 §14.4); Xen walks its handles for option ROMs (setup_efi_pci). */
    public static final Guid EFI_PCI_IO_PROTOCOL_GUID = parse("4CF5B200-68B8-4CA5-9EEC-B23E3F50029A");
    /** Apple's device-properties protocol; Xen probes it on Macs (xen/common/efi/boot.c APPLE_PROPERTIES_PROTOCOL_GUID). */
    public static final Guid APPLE_PROPERTIES_PROTOCOL_GUID = parse("91BD12FE-F6C3-44FB-A5B7-5122AB303AE0");
    // File information types (UEFI 2.10 §13.5.16, §13.5.17)
    public static final Guid EFI_FILE_INFO_ID = parse("09576E92-6D3F-11D2-8E39-00A0C969723B");
    public static final Guid EFI_FILE_SYSTEM_INFO_ID = parse("09576E93-6D3F-11D2-8E39-00A0C969723B");
    public static final Guid EFI_FILE_SYSTEM_VOLUME_LABEL_ID = parse("DB47D7D3-FE81-11D3-9A35-0090273FC14D");
    // Variable namespaces (UEFI 2.10 §3.3, §32.6)
    public static final Guid EFI_GLOBAL_VARIABLE = parse("8BE4DF61-93CA-11D2-AA0D-00E098032B8C");
    public static final Guid EFI_IMAGE_SECURITY_DATABASE_GUID = parse("D719B2CB-3D3A-4596-A3BC-DAD00E67656F");
    // Configuration tables (UEFI 2.10 §4.6)
    public static final Guid ACPI_TABLE_GUID = parse("EB9D2D30-2D88-11D3-9A16-0090273FC14D");
    public static final Guid EFI_ACPI_20_TABLE_GUID = parse("8868E871-E4F1-11D3-BC22-0080C73C8881");
    public static final Guid SMBIOS_TABLE_GUID = parse("EB9D2D31-2D88-11D3-9A16-0090273FC14D");
    public static final Guid SMBIOS3_TABLE_GUID = parse("F2FD1544-9794-4A2C-992E-E5BBCF20E394");
    public static final Guid EFI_MEMORY_ATTRIBUTES_TABLE_GUID = parse("DCFA911D-26EB-469F-A220-38B7DC461220");
    /** EDK2 {@code gEfiMemoryTypeInformationGuid} (PI spec vol. 3; DxeCore's {@code gMemoryTypeInformation}). */
    public static final Guid EFI_MEMORY_TYPE_INFORMATION_GUID = parse("4C19049F-4137-4DD3-9C10-8B97A83FFDFA");
    /** {@code EFI_DEBUG_IMAGE_INFO_TABLE_GUID} (UEFI 2.10 §18.4.3). */
    public static final Guid EFI_DEBUG_IMAGE_INFO_TABLE_GUID = parse("49152E77-1ADA-4764-B7A2-7AFEFED95E8B");
    // Event groups (UEFI 2.10 §7.1 CreateEventEx, "Related Definitions")
    public static final Guid EFI_EVENT_GROUP_EXIT_BOOT_SERVICES = parse("27ABF055-B1B8-4C26-8048-748F37BAA2DF");
    public static final Guid EFI_EVENT_GROUP_BEFORE_EXIT_BOOT_SERVICES =
            parse("8BE0E274-3970-4B44-80C5-1AB9502F3BFC");
    public static final Guid EFI_EVENT_GROUP_VIRTUAL_ADDRESS_CHANGE = parse("13FA7698-C831-49C7-87EA-8F43FCC25196");
    public static final Guid EFI_EVENT_GROUP_MEMORY_MAP_CHANGE = parse("78BEE926-692F-48FD-9EDB-01422EF0D7AB");
    public static final Guid EFI_EVENT_GROUP_READY_TO_BOOT = parse("7CE88FB3-4BD7-4679-87A8-A8D8DEE50D2B");
    public static final Guid EFI_EVENT_GROUP_AFTER_READY_TO_BOOT = parse("3A2A00AD-98B9-4CDF-A478-702777F1C10B");
    public static final Guid EFI_EVENT_GROUP_RESET_SYSTEM = parse("62DA6A56-13FB-485A-A8DA-A3DD7912CB6B");

    private static final Map<Guid, String> NAMES = Map.ofEntries(
            Map.entry(EFI_LOADED_IMAGE_PROTOCOL_GUID, "EFI_LOADED_IMAGE_PROTOCOL_GUID"),
            Map.entry(EFI_LOADED_IMAGE_DEVICE_PATH_PROTOCOL_GUID, "EFI_LOADED_IMAGE_DEVICE_PATH_PROTOCOL_GUID"),
            Map.entry(EFI_DEVICE_PATH_PROTOCOL_GUID, "EFI_DEVICE_PATH_PROTOCOL_GUID"),
            Map.entry(EFI_SIMPLE_TEXT_INPUT_PROTOCOL_GUID, "EFI_SIMPLE_TEXT_INPUT_PROTOCOL_GUID"),
            Map.entry(EFI_SIMPLE_TEXT_INPUT_EX_PROTOCOL_GUID, "EFI_SIMPLE_TEXT_INPUT_EX_PROTOCOL_GUID"),
            Map.entry(EFI_SIMPLE_TEXT_OUTPUT_PROTOCOL_GUID, "EFI_SIMPLE_TEXT_OUTPUT_PROTOCOL_GUID"),
            Map.entry(EFI_GRAPHICS_OUTPUT_PROTOCOL_GUID, "EFI_GRAPHICS_OUTPUT_PROTOCOL_GUID"),
            Map.entry(EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID, "EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID"),
            Map.entry(EFI_BLOCK_IO_PROTOCOL_GUID, "EFI_BLOCK_IO_PROTOCOL_GUID"),
            Map.entry(EFI_BLOCK_IO2_PROTOCOL_GUID, "EFI_BLOCK_IO2_PROTOCOL_GUID"),
            Map.entry(EFI_DISK_INFO_PROTOCOL_GUID, "EFI_DISK_INFO_PROTOCOL_GUID"),
            Map.entry(EFI_DISK_IO_PROTOCOL_GUID, "EFI_DISK_IO_PROTOCOL_GUID"),
            Map.entry(EFI_DISK_IO2_PROTOCOL_GUID, "EFI_DISK_IO2_PROTOCOL_GUID"),
            Map.entry(EFI_PARTITION_INFO_PROTOCOL_GUID, "EFI_PARTITION_INFO_PROTOCOL_GUID"),
            Map.entry(EFI_DEVICE_PATH_TO_TEXT_PROTOCOL_GUID, "EFI_DEVICE_PATH_TO_TEXT_PROTOCOL_GUID"),
            Map.entry(EFI_DEVICE_PATH_UTILITIES_PROTOCOL_GUID, "EFI_DEVICE_PATH_UTILITIES_PROTOCOL_GUID"),
            Map.entry(EFI_RNG_PROTOCOL_GUID, "EFI_RNG_PROTOCOL_GUID"),
            Map.entry(EFI_SERIAL_IO_PROTOCOL_GUID, "EFI_SERIAL_IO_PROTOCOL_GUID"),
            Map.entry(EFI_SHIM_LOCK_GUID, "SHIM_LOCK_GUID"),
            Map.entry(EFI_PCI_IO_PROTOCOL_GUID, "EFI_PCI_IO_PROTOCOL_GUID"),
            Map.entry(APPLE_PROPERTIES_PROTOCOL_GUID, "APPLE_PROPERTIES_PROTOCOL_GUID"),
            Map.entry(EFI_FILE_INFO_ID, "EFI_FILE_INFO_ID"),
            Map.entry(EFI_FILE_SYSTEM_INFO_ID, "EFI_FILE_SYSTEM_INFO_ID"),
            Map.entry(EFI_FILE_SYSTEM_VOLUME_LABEL_ID, "EFI_FILE_SYSTEM_VOLUME_LABEL_ID"),
            Map.entry(EFI_GLOBAL_VARIABLE, "EFI_GLOBAL_VARIABLE"),
            Map.entry(EFI_IMAGE_SECURITY_DATABASE_GUID, "EFI_IMAGE_SECURITY_DATABASE_GUID"),
            Map.entry(ACPI_TABLE_GUID, "ACPI_TABLE_GUID"),
            Map.entry(EFI_ACPI_20_TABLE_GUID, "EFI_ACPI_20_TABLE_GUID"),
            Map.entry(SMBIOS_TABLE_GUID, "SMBIOS_TABLE_GUID"),
            Map.entry(SMBIOS3_TABLE_GUID, "SMBIOS3_TABLE_GUID"),
            Map.entry(EFI_MEMORY_ATTRIBUTES_TABLE_GUID, "EFI_MEMORY_ATTRIBUTES_TABLE_GUID"),
            Map.entry(EFI_MEMORY_TYPE_INFORMATION_GUID, "EFI_MEMORY_TYPE_INFORMATION_GUID"),
            Map.entry(EFI_DEBUG_IMAGE_INFO_TABLE_GUID, "EFI_DEBUG_IMAGE_INFO_TABLE_GUID"),
            Map.entry(EFI_EVENT_GROUP_EXIT_BOOT_SERVICES, "EFI_EVENT_GROUP_EXIT_BOOT_SERVICES"),
            Map.entry(EFI_EVENT_GROUP_BEFORE_EXIT_BOOT_SERVICES, "EFI_EVENT_GROUP_BEFORE_EXIT_BOOT_SERVICES"),
            Map.entry(EFI_EVENT_GROUP_VIRTUAL_ADDRESS_CHANGE, "EFI_EVENT_GROUP_VIRTUAL_ADDRESS_CHANGE"),
            Map.entry(EFI_EVENT_GROUP_MEMORY_MAP_CHANGE, "EFI_EVENT_GROUP_MEMORY_MAP_CHANGE"),
            Map.entry(EFI_EVENT_GROUP_READY_TO_BOOT, "EFI_EVENT_GROUP_READY_TO_BOOT"),
            Map.entry(EFI_EVENT_GROUP_AFTER_READY_TO_BOOT, "EFI_EVENT_GROUP_AFTER_READY_TO_BOOT"),
            Map.entry(EFI_EVENT_GROUP_RESET_SYSTEM, "EFI_EVENT_GROUP_RESET_SYSTEM"));

    /** Data1..Data3 then Data4, as the registry form reads: the most significant 64 bits. */
    private final long high;
    /** Data4[0..7], big-endian as written. */
    private final long low;

    private Guid(long high, long low) {
        this.high = high;
        this.low = low;
    }

    /**
     * Parses the registry form {@code XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX} (hex digits of either case,
     * optionally in braces).
     *
     * @throws IllegalArgumentException naming the text when it is not in that form
     */
    public static Guid parse(String text) {
        String t = text == null ? "" : text.strip();
        if (t.startsWith("{") && t.endsWith("}")) {
            t = t.substring(1, t.length() - 1);
        }
        if (!REGISTRY.matcher(t).matches()) {
            throw new IllegalArgumentException("GUID '" + text
                    + "': expected the registry form XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX (hex digits)");
        }
        String hex = t.replace("-", "");
        return new Guid(Long.parseUnsignedLong(hex.substring(0, 16), 16),
                Long.parseUnsignedLong(hex.substring(16), 16));
    }

    /** Decodes the 16-byte {@code EFI_GUID} at {@code offset} of {@code bytes} (Data1..3 little-endian). */
    public static Guid fromBytes(byte[] bytes, int offset) {
        if (bytes == null || offset < 0 || bytes.length - offset < SIZE) {
            throw new IllegalArgumentException("EFI_GUID at offset " + offset + ": need 16 bytes, buffer has "
                    + (bytes == null ? 0 : Math.max(0, bytes.length - offset)));
        }
        ByteBuffer b = ByteBuffer.wrap(bytes, offset, SIZE).order(ByteOrder.LITTLE_ENDIAN);
        long d1 = Integer.toUnsignedLong(b.getInt());
        long d2 = Short.toUnsignedLong(b.getShort());
        long d3 = Short.toUnsignedLong(b.getShort());
        long d4 = b.order(ByteOrder.BIG_ENDIAN).getLong();
        return new Guid((d1 << 32) | (d2 << 16) | d3, d4);
    }

    /** Decodes a 16-byte {@code EFI_GUID}. */
    public static Guid fromBytes(byte[] bytes) {
        return fromBytes(bytes, 0);
    }

    /** The 16-byte {@code EFI_GUID} encoding (Data1..3 little-endian, Data4 as is). */
    public byte[] toBytes() {
        byte[] out = new byte[SIZE];
        writeTo(out, 0);
        return out;
    }

    /** Writes the 16-byte encoding into {@code out} at {@code offset}. */
    public void writeTo(byte[] out, int offset) {
        ByteBuffer b = ByteBuffer.wrap(out, offset, SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(data1()).putShort(data2()).putShort(data3());
        b.order(ByteOrder.BIG_ENDIAN).putLong(low);
    }

    public int data1() {
        return (int) (high >>> 32);
    }

    public short data2() {
        return (short) (high >>> 16);
    }

    public short data3() {
        return (short) high;
    }

    /** {@code Data4[0..7]} as a big-endian long (the order the registry form writes them). */
    public long data4() {
        return low;
    }

    /** The registry form in upper case, e.g. {@code 8BE4DF61-93CA-11D2-AA0D-00E098032B8C}. */
    public String registryForm() {
        return HexText.upper(high >>> 32, 8) + "-" + HexText.upper((high >>> 16) & 0xFFFF, 4) + "-"
                + HexText.upper(high & 0xFFFF, 4) + "-" + HexText.upper(low >>> 48, 4) + "-"
                + HexText.upper(low & 0xFFFF_FFFF_FFFFL, 12);
    }

    /** The spec name of a well-known GUID ({@code EFI_GLOBAL_VARIABLE}, ...), if this is one. */
    public Optional<String> specName() {
        return Optional.ofNullable(NAMES.get(this));
    }

    /** The well-known GUID whose spec name is {@code name} (the inverse of {@link #specName()}), if any. */
    public static Optional<Guid> bySpecName(String name) {
        return NAMES.entrySet().stream().filter(e -> e.getValue().equals(name)).map(Map.Entry::getKey).findFirst();
    }

    /** The spec name when known, else the registry form. */
    @Override
    public String toString() {
        return NAMES.getOrDefault(this, registryForm());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Guid g && g.high == high && g.low == low;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(high) * 31 + Long.hashCode(low);
    }

    /** Orders by registry form (unsigned). */
    @Override
    public int compareTo(Guid o) {
        int c = Long.compareUnsigned(high, o.high);
        return c != 0 ? c : Long.compareUnsigned(low, o.low);
    }
}
