package org.efiemu.uefi.tables;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.efiemu.uefi.spec.Guid;

/**
 * The configuration tables efiemu can present (UEFI 2.10 §4.6; PI 1.7 vol. 2 §4.6 for the DXE services table, vol. 3
 * §5 for the HOB list), each with the name a profile's {@code configuration-tables:} line uses and the GUID it is
 * installed under. A profile lists the ones its firmware has, in its firmware's order; OVMF 2022.11 on QEMU 7.2 q35 has
 * the eleven of {@link #OVMF_Q35} (captures/ovmf-q35-2g.firmware.txt).
 */
public enum ConfigurationTableKind {
    /** EDK2's LZMA custom decompress GUID: the guided-section extraction handler (DxeExtractGuidedSectionLib). */
    LZMA_CUSTOM_DECOMPRESS("lzma-custom-decompress", Guid.parse("EE4E5898-3914-4259-9D6E-DC7BD79403CF")),
    /** DXE_SERVICES (PI 1.7 vol. 2 §9.2): the GCD memory and I/O space services and the dispatcher's. */
    DXE_SERVICES("dxe-services", Guid.parse("05AD34BA-6F02-4214-952E-4DA0398E2BB9")),
    /** The HOB list PEI handed to DXE (PI 1.7 vol. 3 §5: PHIT first, ended by END_OF_HOB_LIST). */
    HOB_LIST("hob-list", Guid.parse("7739F24C-93D7-11D4-9A3A-0090273FC14D")),
    /** EDK2's memory type information (the placement bins). */
    MEMORY_TYPE_INFORMATION("memory-type-information", Guid.EFI_MEMORY_TYPE_INFORMATION_GUID),
    /** EFI_DEBUG_IMAGE_INFO_TABLE (UEFI 2.10 §18.4.3). */
    DEBUG_IMAGE_INFO("debug-image-info", Guid.EFI_DEBUG_IMAGE_INFO_TABLE_GUID),
    /** EDK2's runtime memory status code records (StatusCodeHandlerRuntimeDxe's ring of progress/error codes). */
    MEMORY_STATUS_CODE("memory-status-code", Guid.parse("060CC026-4C0D-4DDA-8F41-595FEF00A502")),
    /** SMBIOS 2.x, the 32-bit {@code _SM_} entry point. */
    SMBIOS("smbios", Guid.SMBIOS_TABLE_GUID),
    /** SMBIOS 3.x, the 64-bit {@code _SM3_} entry point. */
    SMBIOS3("smbios3", Guid.parse("F2FD1544-9794-4A2C-992E-E5BBCF20E394")),
    /** ACPI 1.0 RSDP. */
    ACPI_10("acpi-1.0", Guid.ACPI_TABLE_GUID),
    /** ACPI 2.0+ RSDP (the same RSDP as ACPI 1.0 on EDK2). */
    ACPI_20("acpi-2.0", Guid.parse("8868E871-E4F1-11D3-BC22-0080C73C8881")),
    /** EFI_MEMORY_ATTRIBUTES_TABLE (UEFI 2.10 §4.6.4). */
    MEMORY_ATTRIBUTES("memory-attributes", Guid.EFI_MEMORY_ATTRIBUTES_TABLE_GUID),
    /** EFI_IMAGE_EXECUTION_INFO_TABLE (UEFI 2.10 §32.5.3.1), under EFI_IMAGE_SECURITY_DATABASE_GUID. */
    IMAGE_EXECUTION_INFO("image-execution-info", Guid.EFI_IMAGE_SECURITY_DATABASE_GUID);

    /** What efiemu presents when a profile has no {@code configuration-tables:} line (its tables before profiles said). */
    public static final List<ConfigurationTableKind> DEFAULT = List.of(MEMORY_TYPE_INFORMATION, DEBUG_IMAGE_INFO, SMBIOS,
            SMBIOS3, ACPI_10, ACPI_20, MEMORY_ATTRIBUTES);
    /** OVMF 2022.11 on QEMU 7.2 q35, in its order (the firmware-probe's {@code cfg:} lines). */
    public static final List<ConfigurationTableKind> OVMF_Q35 = List.of(LZMA_CUSTOM_DECOMPRESS, DXE_SERVICES, HOB_LIST,
            MEMORY_TYPE_INFORMATION, DEBUG_IMAGE_INFO, MEMORY_STATUS_CODE, SMBIOS, ACPI_10, ACPI_20, MEMORY_ATTRIBUTES,
            IMAGE_EXECUTION_INFO);

    private final String profileName;
    private final Guid guid;

    ConfigurationTableKind(String profileName, Guid guid) {
        this.profileName = profileName;
        this.guid = guid;
    }

    /** The word a profile's {@code configuration-tables:} line uses. */
    public String profileName() {
        return profileName;
    }

    public Guid guid() {
        return guid;
    }

    public static Optional<ConfigurationTableKind> byProfileName(String name) {
        return Arrays.stream(values()).filter(k -> k.profileName.equals(name)).findFirst();
    }

    public static Optional<ConfigurationTableKind> byGuid(Guid guid) {
        return Arrays.stream(values()).filter(k -> k.guid.equals(guid)).findFirst();
    }

    /** Every profile name, for error messages. */
    public static String names() {
        return Arrays.stream(values()).map(ConfigurationTableKind::profileName).collect(Collectors.joining(", "));
    }

    @Override
    public String toString() {
        return profileName;
    }
}
