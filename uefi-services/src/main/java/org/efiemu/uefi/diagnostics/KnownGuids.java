package org.efiemu.uefi.diagnostics;

import java.util.Map;
import java.util.Optional;
import org.efiemu.uefi.spec.Guid;

/**
 * Spec names of GUIDs that boot loaders ask firmware for and that efiemu does not model (so {@link Guid} has no
 * constant for them): the names a stop diagnosis shows next to the GUID. Values from the UEFI 2.10 specification
 * (§9.1, §12, §13, §37), the PI specification, gnu-efi's headers and Linux's {@code include/linux/efi.h}.
 */
public final class KnownGuids {
    private static final Map<Guid, String> NAMES = Map.ofEntries(
            entry("56EC3091-954C-11D2-8E3F-00A0C969723B", "EFI_LOAD_FILE_PROTOCOL_GUID"),
            entry("4006C0C1-FCB3-403E-996D-4A6C8724E06D", "EFI_LOAD_FILE2_PROTOCOL_GUID"),
            entry("5568E427-68FC-4F3D-AC74-CA555231CC68", "LINUX_EFI_INITRD_MEDIA_GUID"),
            entry("607F766C-7455-42BE-930B-E4D76DB2720F", "EFI_TCG2_PROTOCOL_GUID"),
            entry("F541796D-A62E-4954-A775-9584F61B9CDD", "EFI_TCG_PROTOCOL_GUID"),
            entry("96751A3D-72F4-41A6-A794-ED5D0E67AE6B", "EFI_CC_MEASUREMENT_PROTOCOL_GUID"),
            entry("F4560CF6-40EC-4B4A-A192-BF1D57D0B189", "EFI_MEMORY_ATTRIBUTE_PROTOCOL_GUID"),
            entry("982C298B-F4FA-41CB-B838-77AA688FB839", "EFI_UGA_DRAW_PROTOCOL_GUID"),
            entry("F42F7782-012E-4C12-9956-49F94304F721", "EFI_CONSOLE_CONTROL_PROTOCOL_GUID"),
            entry("C5C5DA95-7D5C-45E6-B2F1-3FD52BB10077", "APPLE_SET_OS_PROTOCOL_GUID"),
            entry("A46423E3-4617-49F1-B9FF-D1BFA9115839", "EFI_SECURITY_ARCH_PROTOCOL_GUID"),
            entry("94AB2F58-1438-4EF1-9152-18941A3A0E68", "EFI_SECURITY2_ARCH_PROTOCOL_GUID"),
            entry("BB25CF6F-F1D4-11D2-9A0C-0090273FC1FD", "EFI_SERIAL_IO_PROTOCOL_GUID"),
            entry("05C99A21-C70F-4AD2-8A5F-35DF3343F51E", "EFI_DEVICE_PATH_FROM_TEXT_PROTOCOL_GUID"),
            entry("151C8EAE-7F2C-472C-9E54-9828194F6A88", "EFI_DISK_IO2_PROTOCOL_GUID"),
            entry("8CF2F62C-BC9B-4821-808D-EC9EC421A1A0", "EFI_PARTITION_INFO_PROTOCOL_GUID"),
            entry("1D85CD7F-F43D-11D2-9A0C-0090273FC14D", "EFI_UNICODE_COLLATION_PROTOCOL_GUID"),
            entry("A4C751FC-23AE-4C3E-92E9-4964CF63F349", "EFI_UNICODE_COLLATION2_PROTOCOL_GUID"),
            entry("C5184932-DBA5-46DB-A5BA-CC0BDA9C1435", "EFI_HASH_PROTOCOL_GUID"),
            entry("1C0C34F6-D380-41FA-A049-8AD06C1A66AA", "EFI_EDID_DISCOVERED_PROTOCOL_GUID"),
            entry("BD8C1056-9F36-44EC-92A8-A6337F817986", "EFI_EDID_ACTIVE_PROTOCOL_GUID"),
            entry("18A031AB-B443-4D1A-A5C0-0C09261E9F71", "EFI_DRIVER_BINDING_PROTOCOL_GUID"),
            entry("6A7A5CFF-E8D9-4F70-BADA-75AB3025CE14", "EFI_COMPONENT_NAME2_PROTOCOL_GUID"),
            entry("2F707EBB-4A1A-11D4-9A38-0090273FC14D", "EFI_PCI_ROOT_BRIDGE_IO_PROTOCOL_GUID"),
            entry("A19832B9-AC25-11D3-9A2D-0090273FC14D", "EFI_SIMPLE_NETWORK_PROTOCOL_GUID"),
            entry("03C4E603-AC28-11D3-9A2D-0090273FC14D", "EFI_PXE_BASE_CODE_PROTOCOL_GUID"),
            entry("E18541CD-F755-4F73-928D-643C8A79B229", "EFI_NETWORK_INTERFACE_IDENTIFIER_PROTOCOL_GUID"),
            entry("6302D008-7F9B-4F30-87AC-60C9FEF5DA4E", "EFI_SHELL_PROTOCOL_GUID"),
            entry("752F3136-4E16-4FDC-A22A-E5F46812F4CA", "EFI_SHELL_PARAMETERS_PROTOCOL_GUID"),
            entry("03583FF6-CB36-4940-947E-B9B39F4AFAF7", "EFI_SMBIOS_PROTOCOL_GUID"),
            entry("05AD34BA-6F02-4214-952E-4DA0398E2BB9", "EFI_DXE_SERVICES_TABLE_GUID"),
            entry("EB66918A-7EEF-402A-842E-931D21C38AE9", "EFI_RT_PROPERTIES_TABLE_GUID"),
            entry("4A67B082-0A4C-41CF-B6C7-440B29BB8C4F", "LOADER_GUID (systemd-boot's variable vendor)"),
            // the Linux EFI stub asks for these (include/linux/efi.h); EDK2 names the first gEfiConsoleOutDeviceGuid
            entry("D3B36F2C-D551-11D4-9A46-0090273FC14D", "EFI_CONSOLE_OUT_DEVICE_GUID"),
            entry("E20939BE-32D4-41BE-A150-897F85D49829", "MEMORY_ONLY_RESET_CONTROL_GUID (TCG MOR variables)"));

    private KnownGuids() {
    }

    private static Map.Entry<Guid, String> entry(String registry, String name) {
        return Map.entry(Guid.parse(registry), name);
    }

    /** The name of {@code g}: {@link Guid}'s own spec name, else one from this table, else empty. */
    public static Optional<String> name(Guid g) {
        return g.specName().or(() -> Optional.ofNullable(NAMES.get(g)));
    }

    /**
     * A trace argument that shows a GUID ({@link Guid#toString()}: spec name or registry form) as
     * {@code NAME {REGISTRY}}; other text unchanged.
     */
    public static String describe(String traceArgument) {
        Optional<Guid> g = parse(traceArgument);
        if (g.isEmpty()) {
            return traceArgument;
        }
        return name(g.get()).map(n -> n + " {" + g.get().registryForm() + "}")
                .orElse("{" + g.get().registryForm() + "} (no spec name known to efiemu)");
    }

    /** The GUID a trace argument shows, by registry form or by spec name. */
    public static Optional<Guid> parse(String traceArgument) {
        try {
            return Optional.of(Guid.parse(traceArgument));
        } catch (IllegalArgumentException e) {
            return Guid.bySpecName(traceArgument);
        }
    }
}
