package org.efiemu.platform;

import java.util.List;
import java.util.Set;

/** Header keys of the profile text format, in canonical order (docs/profiles.md, "Header keys"). */
final class ProfileKeys {
    static final String MEMORY_MAP = "memory-map";

    static final List<String> ORDER = List.of("name", "description", "source", "placement", "descriptor-size",
            "descriptor-version", "firmware-vendor", "firmware-revision", "uefi-revision", "cpu-vendor", "cpu-family",
            "cpu-model", "cpu-stepping", "cpu-brand", "cpu-count", "smbios-bios-vendor", "smbios-bios-version",
            "smbios-bios-date", "smbios-manufacturer", "smbios-product", "smbios-version", "smbios-serial",
            "acpi-oem-id", "acpi-oem-table-id", "console", "display", "variable-store", "configuration-tables", "gop-mode", "gop-current", "text-mode",
            "text-current", "quirk", "variable", "pool-free", "pci-root-bridge", "pci-device", "pci-rom", "pci-bar",
            "pci-bar-masks", "handle", "handle-locate", "image-base", "handle-open", "image-unload", "hob");

    static final Set<String> REPEATABLE = Set.of("source", "quirk", "variable", "pool-free", "gop-mode", "text-mode",
            "pci-root-bridge", "pci-device", "pci-rom", "pci-bar", "pci-bar-masks", "handle", "handle-locate",
            "image-base", "handle-open", "image-unload", "hob");

    /** Width of the type column in canonical memory map lines. */
    static final int TYPE_COLUMN = 26;

    private ProfileKeys() {}

    /** {@code 0x0002001E -> "2.30"}: the system table Revision as major.minor (UEFI 2.10 §4.2.1). */
    static String uefiRevision(int revision) {
        return String.format("%d.%02d", revision >>> 16, revision & 0xFFFF);
    }
}
