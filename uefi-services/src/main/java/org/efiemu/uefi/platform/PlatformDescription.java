package org.efiemu.uefi.platform;

import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.efiemu.uefi.pci.PciDevice;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.efiemu.uefi.tables.ConfigurationTableKind;
import org.efiemu.uefi.protocol.GraphicsOutput;
import org.efiemu.uefi.spec.PlacementSpec;
import org.efiemu.uefi.variable.VariableStoreConfig;

/**
 * Everything the firmware model needs to know about one machine: what its firmware looks like at the moment an
 * application starts. The platforms module builds it from a profile file ({@code PlatformProfile#toDescription()});
 * tests can build one directly.
 *
 * @param name short machine name, e.g. {@code dell-poweredge-r820}
 * @param memoryMap the firmware's memory map at application entry, in the order the firmware reports it
 * @param placement how the firmware places AllocatePages/AllocatePool searches
 * @param descriptorSize the DescriptorSize GetMemoryMap reports (EDK2: 48)
 * @param descriptorVersion the DescriptorVersion GetMemoryMap reports (1)
 * @param firmware vendor string, firmware revision and the UEFI revision of the system table
 * @param cpu the processors (CPUID answers, MADT)
 * @param smbios SMBIOS identity strings
 * @param acpi ACPI table identity
 * @param console text console size
 * @param variables variables present in the store at application entry
 * @param quirks named deviations from EDK2 behaviour, e.g. {@code low-alloc-first}
 * @param poolFreeBlocks free blocks on the firmware's pool free lists at application entry (pool pages its drivers
 *     had partly filled), in the order they were freed: per pool type and bin the last one is the list head
 * @param variableStore the variable store's sizes and format, as the firmware's QueryVariableInfo reports them
 * @param display the display adapter the firmware's Graphics Output Protocol drives at application entry, or null
 *     for a headless machine (no GOP handle)
 * @param configurationTables the configuration tables the firmware installs, in its order
 *     ({@link ConfigurationTableKind#DEFAULT} unless the profile says)
 * @param pciDevices the PCI functions the firmware presents as EFI_PCI_IO_PROTOCOL handles, in its handle order (none:
 *     no PCI root bridge or PciIo handle is presented)
 * @param pciRootBridges the PCI root bridges' captured facts (attributes, Configuration, apertures), by segment; none:
 *     the root bridge answers configuration space only
 * @param captured the firmware's handle database and HOB list as captured ({@link CapturedFirmware#NONE}: efiemu's
 *     own handles and a HOB list built from the memory map)
 */
public record PlatformDescription(
        String name,
        List<MemoryDescriptor> memoryMap,
        PlacementSpec placement,
        int descriptorSize,
        int descriptorVersion,
        Firmware firmware,
        Cpu cpu,
        Smbios smbios,
        Acpi acpi,
        Console console,
        List<Variable> variables,
        Set<String> quirks,
        List<PoolFreeBlock> poolFreeBlocks,
        VariableStoreConfig variableStore,
        GraphicsOutput.Display display,
        List<ConfigurationTableKind> configurationTables,
        List<PciDevice> pciDevices,
        CapturedFirmware captured,
        List<org.efiemu.uefi.pci.PciRootBridge> pciRootBridges) {

    public PlatformDescription {
        pciRootBridges = List.copyOf(pciRootBridges);
        Objects.requireNonNull(name, "name");
        memoryMap = List.copyOf(memoryMap);
        Objects.requireNonNull(placement, "placement");
        Objects.requireNonNull(firmware, "firmware");
        Objects.requireNonNull(cpu, "cpu");
        Objects.requireNonNull(smbios, "smbios");
        Objects.requireNonNull(acpi, "acpi");
        Objects.requireNonNull(console, "console");
        variables = List.copyOf(variables);
        quirks = Set.copyOf(quirks);
        poolFreeBlocks = List.copyOf(poolFreeBlocks);
        Objects.requireNonNull(variableStore, "variableStore");
        configurationTables = List.copyOf(configurationTables);
        if (new java.util.HashSet<>(configurationTables).size() != configurationTables.size()) {
            throw new IllegalArgumentException("configuration tables " + configurationTables + " name one table twice");
        }
        pciDevices = List.copyOf(pciDevices);
        Objects.requireNonNull(captured, "captured");
    }

    /** A machine without captured PCI root bridge facts. */
    public PlatformDescription(String name, List<MemoryDescriptor> memoryMap, PlacementSpec placement, int descriptorSize,
            int descriptorVersion, Firmware firmware, Cpu cpu, Smbios smbios, Acpi acpi, Console console,
            List<Variable> variables, Set<String> quirks, List<PoolFreeBlock> poolFreeBlocks,
            VariableStoreConfig variableStore, GraphicsOutput.Display display,
            List<ConfigurationTableKind> configurationTables, List<PciDevice> pciDevices, CapturedFirmware captured) {
        this(name, memoryMap, placement, descriptorSize, descriptorVersion, firmware, cpu, smbios, acpi, console,
                variables, quirks, poolFreeBlocks, variableStore, display, configurationTables, pciDevices, captured,
                List.of());
    }

    /** This machine with these PCI root bridges' captured facts (the profile's {@code pci-root-bridge} lines). */
    public PlatformDescription withPciRootBridges(List<org.efiemu.uefi.pci.PciRootBridge> bridges) {
        return new PlatformDescription(name, memoryMap, placement, descriptorSize, descriptorVersion, firmware, cpu,
                smbios, acpi, console, variables, quirks, poolFreeBlocks, variableStore, display, configurationTables,
                pciDevices, captured, bridges);
    }

    /** A machine without a captured handle database or HOB list ({@link CapturedFirmware#NONE}). */
    public PlatformDescription(String name, List<MemoryDescriptor> memoryMap, PlacementSpec placement, int descriptorSize,
            int descriptorVersion, Firmware firmware, Cpu cpu, Smbios smbios, Acpi acpi, Console console,
            List<Variable> variables, Set<String> quirks, List<PoolFreeBlock> poolFreeBlocks,
            VariableStoreConfig variableStore, GraphicsOutput.Display display,
            List<ConfigurationTableKind> configurationTables, List<PciDevice> pciDevices) {
        this(name, memoryMap, placement, descriptorSize, descriptorVersion, firmware, cpu, smbios, acpi, console,
                variables, quirks, poolFreeBlocks, variableStore, display, configurationTables, pciDevices,
                CapturedFirmware.NONE);
    }

    /** This machine with another captured handle database and HOB list. */
    public PlatformDescription withCaptured(CapturedFirmware c) {
        return new PlatformDescription(name, memoryMap, placement, descriptorSize, descriptorVersion, firmware, cpu,
                smbios, acpi, console, variables, quirks, poolFreeBlocks, variableStore, display, configurationTables,
                pciDevices, c, pciRootBridges);
    }

    /** A machine with efiemu's default configuration tables and no PCI devices. */
    public PlatformDescription(String name, List<MemoryDescriptor> memoryMap, PlacementSpec placement, int descriptorSize,
            int descriptorVersion, Firmware firmware, Cpu cpu, Smbios smbios, Acpi acpi, Console console,
            List<Variable> variables, Set<String> quirks, List<PoolFreeBlock> poolFreeBlocks,
            VariableStoreConfig variableStore, GraphicsOutput.Display display) {
        this(name, memoryMap, placement, descriptorSize, descriptorVersion, firmware, cpu, smbios, acpi, console,
                variables, quirks, poolFreeBlocks, variableStore, display, ConfigurationTableKind.DEFAULT, List.of());
    }

    /** This machine with other configuration tables and PCI devices. */
    public PlatformDescription withFirmwareDevices(List<ConfigurationTableKind> tables, List<PciDevice> devices) {
        return new PlatformDescription(name, memoryMap, placement, descriptorSize, descriptorVersion, firmware, cpu,
                smbios, acpi, console, variables, quirks, poolFreeBlocks, variableStore, display, tables, devices, captured,
                pciRootBridges);
    }

    /** A headless machine with OVMF's variable store ({@link VariableStoreConfig#ovmf()}). */
    public PlatformDescription(String name, List<MemoryDescriptor> memoryMap, PlacementSpec placement, int descriptorSize,
            int descriptorVersion, Firmware firmware, Cpu cpu, Smbios smbios, Acpi acpi, Console console,
            List<Variable> variables, Set<String> quirks, List<PoolFreeBlock> poolFreeBlocks) {
        this(name, memoryMap, placement, descriptorSize, descriptorVersion, firmware, cpu, smbios, acpi, console,
                variables, quirks, poolFreeBlocks, VariableStoreConfig.ovmf(), null);
    }

    /** This machine with other presentation facts (variables, variable store, display). */
    public PlatformDescription withPresentation(List<Variable> newVariables, VariableStoreConfig newStore,
            GraphicsOutput.Display newDisplay, Console newConsole) {
        return new PlatformDescription(name, memoryMap, placement, descriptorSize, descriptorVersion, firmware, cpu,
                smbios, acpi, newConsole, newVariables, quirks, poolFreeBlocks, newStore, newDisplay, configurationTables,
                pciDevices, captured, pciRootBridges);
    }

    /** A machine whose pool free lists are empty at application entry. */
    public PlatformDescription(String name, List<MemoryDescriptor> memoryMap, PlacementSpec placement, int descriptorSize,
            int descriptorVersion, Firmware firmware, Cpu cpu, Smbios smbios, Acpi acpi, Console console,
            List<Variable> variables, Set<String> quirks) {
        this(name, memoryMap, placement, descriptorSize, descriptorVersion, firmware, cpu, smbios, acpi, console,
                variables, quirks, List.of());
    }

    /**
     * One free pool block the firmware left on a free list ({@code POOL_FREE} in EDK2
     * {@code MdeModulePkg/Core/Dxe/Mem/Pool.c}): the raw pool type, the block's head address and its bin size.
     */
    public record PoolFreeBlock(int poolType, long head, int size) {}

    public boolean hasQuirk(String quirk) {
        return quirks.contains(quirk);
    }

    /**
     * @param vendor FirmwareVendor string of the system table, e.g. {@code EDK II}
     * @param revision FirmwareRevision of the system table
     * @param uefiRevision the system table header's Revision, e.g. {@code 0x00020046} for 2.70
     */
    public record Firmware(String vendor, long revision, int uefiRevision) {
        public static final int UEFI_2_70 = (2 << 16) | 70;
    }

    /** @param vendor CPUID vendor string ({@code GenuineIntel}); family/model/stepping as CPUID leaf 1 reports */
    public record Cpu(String vendor, int family, int model, int stepping, String brand, int count) {}

    public record Smbios(String biosVendor, String biosVersion, String biosDate, String manufacturer, String product,
            String version, String serialNumber) {}

    /** @param oemId 6-character ACPI OEMID; @param oemTableId 8-character OEM table id */
    public record Acpi(String oemId, String oemTableId) {}

    public record Console(int columns, int rows) {}

    /**
     * A variable in the store at application entry.
     *
     * @param name variable name
     * @param vendorGuid vendor GUID in registry form ({@code 8BE4DF61-93CA-11D2-AA0D-00E098032B8C})
     * @param attributes EFI_VARIABLE_* bits
     * @param data the value bytes
     */
    public record Variable(String name, String vendorGuid, int attributes, byte[] data) {
        public Variable {
            data = data.clone();
        }

        @Override
        public byte[] data() {
            return data.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Variable v && v.name.equals(name) && v.vendorGuid.equalsIgnoreCase(vendorGuid)
                    && v.attributes == attributes && java.util.Arrays.equals(v.data, data);
        }

        @Override
        public int hashCode() {
            return Objects.hash(name, vendorGuid.toUpperCase(java.util.Locale.ROOT), attributes, java.util.Arrays.hashCode(data));
        }
    }
}
