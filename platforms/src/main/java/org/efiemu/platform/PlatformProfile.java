package org.efiemu.platform;

import com.google.common.collect.ImmutableRangeSet;
import com.google.common.collect.Range;
import com.google.common.collect.RangeSet;
import com.google.common.collect.TreeRangeSet;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import org.efiemu.uefi.pci.PciDevice;
import org.efiemu.uefi.platform.CapturedFirmware;
import org.efiemu.uefi.tables.ConfigurationTableKind;
import java.util.regex.Pattern;
import org.efiemu.uefi.protocol.GraphicsOutput;
import org.efiemu.uefi.variable.VariableStoreConfig;
import org.efiemu.uefi.platform.PlatformDescription;
import org.efiemu.uefi.platform.PlatformDescription.Acpi;
import org.efiemu.uefi.platform.PlatformDescription.Console;
import org.efiemu.uefi.platform.PlatformDescription.Cpu;
import org.efiemu.uefi.platform.PlatformDescription.Firmware;
import org.efiemu.uefi.platform.PlatformDescription.PoolFreeBlock;
import org.efiemu.uefi.platform.PlatformDescription.Smbios;
import org.efiemu.uefi.platform.PlatformDescription.Variable;
import org.efiemu.uefi.spec.Guid;
import org.efiemu.uefi.spec.MemoryAttribute;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.efiemu.uefi.spec.MemoryType;
import org.efiemu.uefi.spec.PlacementSpec;

/**
 * One real machine as its firmware looks when a UEFI application starts: the memory map GetMemoryMap would return
 * (UEFI 2.10 §7.2), in the firmware's order, the AllocatePages placement rule and the identity facts. Immutable;
 * the text form is described in {@code docs/profiles.md} ({@link ProfileParser}, {@link ProfileWriter}).
 *
 * @param name short machine name ({@code [a-z0-9][a-z0-9.-]*})
 * @param description one line for listings
 * @param sources where the data came from and what was inferred, one entry per fact
 * @param placement the AllocatePages placement rule
 * @param descriptorSize DescriptorSize GetMemoryMap reports (at least 40, a multiple of 8)
 * @param descriptorVersion DescriptorVersion GetMemoryMap reports
 * @param firmware FirmwareVendor, FirmwareRevision and the system table Revision
 * @param cpu CPUID identity and processor count
 * @param smbios SMBIOS type 0/1 strings
 * @param acpi ACPI OEM identity
 * @param console text console size
 * @param variables variables present at application entry
 * @param quirks named deviations from EDK2 behaviour, no duplicates, in the order given
 * @param memoryMap descriptors in the order the firmware reports them
 * @param poolFreeBlocks the firmware's free pool blocks at application entry ({@code pool-free} lines), in the
 *     order they were freed
 * @param screens graphics (GOP) and text console modes the firmware offers ({@code gop-mode}, {@code text-mode}
 *     lines; {@link Screens#NONE} when the profile does not record them)
 * @param variableStore the variable store's sizes and format ({@code variable-store:}), or null for the firmware
 *     model's default ({@link VariableStoreConfig#ovmf()})
 * @param display the display adapter the firmware's GOP drives at application entry ({@code display:}), or null
 *     for a headless machine
 * @param configurationTables the configuration tables the firmware installs, in its order
 *     ({@code configuration-tables:}), or null for efiemu's default ({@link ConfigurationTableKind#DEFAULT})
 * @param pciDevices the PCI functions the firmware presents with EFI_PCI_IO_PROTOCOL ({@code pci-device:} lines), in its
 *     handle order
 * @param pciRootBridges the PCI root bridges' facts ({@code pci-root-bridge:} lines: attributes, Configuration,
 *     apertures), by segment
 * @param captured the firmware's whole handle database ({@code handle:} lines) and HOB list ({@code hob:} lines) as the
 *     firmware-probe captured them; {@link CapturedFirmware#NONE} when the profile records neither
 */
public record PlatformProfile(
        String name,
        String description,
        List<String> sources,
        PlacementSpec placement,
        int descriptorSize,
        int descriptorVersion,
        Firmware firmware,
        Cpu cpu,
        Smbios smbios,
        Acpi acpi,
        Console console,
        List<Variable> variables,
        List<String> quirks,
        List<MemoryDescriptor> memoryMap,
        List<PoolFreeBlock> poolFreeBlocks,
        Screens screens,
        VariableStoreConfig variableStore,
        GraphicsOutput.Display display,
        List<ConfigurationTableKind> configurationTables,
        List<PciDevice> pciDevices,
        CapturedFirmware captured,
        List<org.efiemu.uefi.pci.PciRootBridge> pciRootBridges) {

    /**
     * One EFI_GRAPHICS_OUTPUT_PROTOCOL mode (UEFI 2.10 §12.9, QueryMode): number, resolution and pixel format name
     * ({@code PixelRedGreenBlueReserved8BitPerColor}, {@code PixelBlueGreenRedReserved8BitPerColor},
     * {@code PixelBitMask}, {@code PixelBltOnly}).
     */
    public record GraphicsMode(int mode, int width, int height, String pixelFormat) {
        public static final List<String> PIXEL_FORMATS = List.of("PixelRedGreenBlueReserved8BitPerColor",
                "PixelBlueGreenRedReserved8BitPerColor", "PixelBitMask", "PixelBltOnly");
    }

    /** One EFI_SIMPLE_TEXT_OUTPUT_PROTOCOL mode (UEFI 2.10 §12.4, QueryMode): number, columns and rows. */
    public record TextMode(int mode, int columns, int rows) {}

    /**
     * The display modes a firmware offers at application entry and which one is current (-1: none recorded).
     * Modes are listed by ascending mode number; a text mode QueryMode rejects is absent.
     */
    public record Screens(List<GraphicsMode> graphicsModes, int graphicsCurrent, List<TextMode> textModes,
            int textCurrent) {
        public static final Screens NONE = new Screens(List.of(), -1, List.of(), -1);

        public Screens {
            graphicsModes = List.copyOf(graphicsModes);
            textModes = List.copyOf(textModes);
            for (int i = 1; i < graphicsModes.size(); i++) {
                if (graphicsModes.get(i).mode() <= graphicsModes.get(i - 1).mode()) {
                    throw new IllegalArgumentException("gop-mode " + graphicsModes.get(i).mode()
                            + ": expected ascending, distinct mode numbers");
                }
            }
            for (int i = 1; i < textModes.size(); i++) {
                if (textModes.get(i).mode() <= textModes.get(i - 1).mode()) {
                    throw new IllegalArgumentException("text-mode " + textModes.get(i).mode()
                            + ": expected ascending, distinct mode numbers");
                }
            }
            for (GraphicsMode g : graphicsModes) {
                if (g.width() < 1 || g.height() < 1 || !GraphicsMode.PIXEL_FORMATS.contains(g.pixelFormat())) {
                    throw new IllegalArgumentException("gop-mode " + g.mode() + " " + g.width() + "x" + g.height() + " "
                            + g.pixelFormat() + ": expected a positive size and one of " + GraphicsMode.PIXEL_FORMATS);
                }
            }
            final int gc = graphicsCurrent;
            if (gc != -1 && graphicsModes.stream().noneMatch(g -> g.mode() == gc)) {
                throw new IllegalArgumentException("gop-current " + gc + ": expected the number of a gop-mode line");
            }
            final int tc = textCurrent;
            if (tc != -1 && textModes.stream().noneMatch(t -> t.mode() == tc)) {
                throw new IllegalArgumentException("text-current " + tc + ": expected the number of a text-mode line");
            }
        }

        // equals and hashCode as the record's own (component by component, 31 * h + each), written out: the record's
        // are made at run time by java.lang.runtime.ObjectMethods, whose method-handle trees a short hunt's first
        // scenario otherwise pays for (docs/performance.md, "A short hunt's first second")
        @Override
        public boolean equals(Object other) {
            return other instanceof Screens o && graphicsModes.equals(o.graphicsModes)
                    && graphicsCurrent == o.graphicsCurrent && textModes.equals(o.textModes) && textCurrent == o.textCurrent;
        }

        @Override
        public int hashCode() {
            int h = 0;
            h = 31 * h + graphicsModes.hashCode();
            h = 31 * h + graphicsCurrent;
            h = 31 * h + textModes.hashCode();
            h = 31 * h + textCurrent;
            return h;
        }
    }

    /** Profile names: lower case letters, digits, '.', '-'; used as file names and {@code --platform} values. */
    public static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9.-]*");
    /** Placement rule names the firmware model knows ({@link PlacementSpec}). */
    public static final List<String> PLACEMENT_NAMES = List.of("edk2-topdown", "bottom-up", "low-first");
    /** Quirk names known to the firmware model (docs/profiles.md); others are rejected to catch typos. */
    public static final List<String> KNOWN_QUIRKS = List.of("low-alloc-first", "page0-not-ram", "unsorted-map");

    public PlatformProfile {
        Objects.requireNonNull(name, "name");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("profile name '" + name + "': expected [a-z0-9][a-z0-9.-]*");
        }
        description = Objects.requireNonNullElse(description, "");
        sources = List.copyOf(sources);
        Objects.requireNonNull(placement, "placement");
        if (!PLACEMENT_NAMES.contains(placement.name())) {
            throw new IllegalArgumentException("profile " + name + ": placement '" + placement.name()
                    + "': expected one of " + PLACEMENT_NAMES);
        }
        if (descriptorSize < MemoryDescriptor.SPEC_SIZE || descriptorSize % 8 != 0) {
            throw new IllegalArgumentException("profile " + name + ": descriptor-size " + descriptorSize
                    + ": expected a multiple of 8 that is at least 40");
        }
        Objects.requireNonNull(firmware, "firmware");
        Objects.requireNonNull(cpu, "cpu");
        if (cpu.count() < 1) {
            throw new IllegalArgumentException("profile " + name + ": cpu-count " + cpu.count() + ": expected at least 1");
        }
        Objects.requireNonNull(smbios, "smbios");
        Objects.requireNonNull(acpi, "acpi");
        if (acpi.oemId().length() > 6 || acpi.oemTableId().length() > 8) {
            throw new IllegalArgumentException("profile " + name + ": ACPI OEM ID '" + acpi.oemId() + "' / table id '"
                    + acpi.oemTableId() + "': expected at most 6 / 8 characters");
        }
        Objects.requireNonNull(console, "console");
        if (console.columns() < 1 || console.rows() < 1) {
            throw new IllegalArgumentException("profile " + name + ": console " + console.columns() + "x"
                    + console.rows() + ": expected positive columns and rows");
        }
        variables = List.copyOf(variables);
        for (Variable v : variables) {
            Guid.parse(v.vendorGuid());
        }
        quirks = List.copyOf(new LinkedHashSet<>(quirks));
        for (String q : quirks) {
            if (!KNOWN_QUIRKS.contains(q)) {
                throw new IllegalArgumentException("profile " + name + ": quirk '" + q + "': expected one of " + KNOWN_QUIRKS);
            }
        }
        memoryMap = List.copyOf(memoryMap);
        poolFreeBlocks = List.copyOf(poolFreeBlocks);
        if (configurationTables != null) {
            configurationTables = List.copyOf(configurationTables);
            if (new java.util.HashSet<>(configurationTables).size() != configurationTables.size()) {
                throw new IllegalArgumentException("profile " + name + ": configuration-tables " + configurationTables
                        + ": a table is named twice");
            }
        }
        pciDevices = List.copyOf(pciDevices);
        if (pciDevices.stream().map(PciDevice::location).distinct().count() != pciDevices.size()) {
            throw new IllegalArgumentException("profile " + name + ": two pci-device lines name the same location");
        }
        java.util.Objects.requireNonNull(captured, "captured");
        pciRootBridges = List.copyOf(pciRootBridges);
        if (pciRootBridges.stream().map(org.efiemu.uefi.pci.PciRootBridge::segment).distinct().count()
                != pciRootBridges.size()) {
            throw new IllegalArgumentException("profile " + name + ": two pci-root-bridge lines name the same segment");
        }
        // one key set: the QueryMode view is derived from console and display (ScreenKeys)
        screens = ScreenKeys.derive(console, display);
        for (PoolFreeBlock f : poolFreeBlocks) {
            MemoryDescriptor d = memoryMap.stream().filter(m -> f.head() >= m.physicalStart()
                    && f.head() - m.physicalStart() < m.numberOfPages() * 4096).findFirst().orElse(null);
            if (d == null || d.type() == MemoryType.EfiConventionalMemory.value()) {
                throw new IllegalArgumentException(String.format("profile %s: pool-free block at 0x%X: expected an "
                        + "address inside an allocated memory map descriptor, found %s", name, f.head(),
                        d == null ? "no descriptor" : "EfiConventionalMemory"));
            }
        }
        List<MemoryMapCheck.Problem> problems = MemoryMapCheck.check(memoryMap);
        if (!problems.isEmpty()) {
            MemoryMapCheck.Problem p = problems.get(0);
            throw new IllegalArgumentException("profile " + name + ": memory map descriptor " + (p.index() + 1) + ": "
                    + p.message());
        }
    }

    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** A builder holding this profile's values, to derive a changed copy. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /**
     * The machine for the firmware model. Every field maps one to one; defaults for keys a profile file omits
     * were applied when it was read (see {@link Builder} and docs/profiles.md).
     */
    public PlatformDescription toDescription() {
        return new PlatformDescription(name, memoryMap, placement, descriptorSize, descriptorVersion, firmware, cpu,
                smbios, acpi, console, variables, new LinkedHashSet<>(quirks), poolFreeBlocks,
                variableStore != null ? variableStore : VariableStoreConfig.ovmf(), display,
                configurationTables != null ? configurationTables : ConfigurationTableKind.DEFAULT, pciDevices, captured,
                pciRootBridges);
    }

    public boolean hasQuirk(String quirk) {
        return quirks.contains(quirk);
    }

    /**
     * True for descriptors that describe devices rather than RAM: MMIO and MMIO port space, and reserved memory
     * without the WB attribute (firmware marks reserved RAM cacheable, device windows such as PCIe ECAM UC only).
     */
    public static boolean isDeviceRange(MemoryDescriptor d) {
        int t = d.type();
        return t == MemoryType.EfiMemoryMappedIO.value() || t == MemoryType.EfiMemoryMappedIOPortSpace.value()
                || (t == MemoryType.EfiReservedMemoryType.value() && (d.attribute() & MemoryAttribute.WB) == 0);
    }

    /** RAM of the machine: every descriptor that is not a device range, coalesced, as half-open byte ranges. */
    public RangeSet<Long> ramRanges() {
        return ranges(false);
    }

    /** MMIO and device-reserved ranges, coalesced, as half-open byte ranges. */
    public RangeSet<Long> mmioRanges() {
        return ranges(true);
    }

    private RangeSet<Long> ranges(boolean device) {
        TreeRangeSet<Long> set = TreeRangeSet.create();
        for (MemoryDescriptor d : memoryMap) {
            if (isDeviceRange(d) == device) {
                set.add(Range.closedOpen(d.physicalStart(), d.end()));
            }
        }
        return ImmutableRangeSet.copyOf(set);
    }

    /** Sum of NumberOfPages over descriptors of the raw type {@code type}. */
    public long pagesOfType(int type) {
        return memoryMap.stream().filter(d -> d.type() == type).mapToLong(MemoryDescriptor::numberOfPages).sum();
    }

    /** Sum of NumberOfPages over descriptors of {@code type}. */
    public long pagesOfType(MemoryType type) {
        return pagesOfType(type.value());
    }

    /** Bytes of RAM (per {@link #ramRanges()}). */
    public long ramBytes() {
        return ramRanges().asRanges().stream().mapToLong(r -> r.upperEndpoint() - r.lowerEndpoint()).sum();
    }

    /** Descriptors that lie (at least partly) below {@code limit}, in firmware order. */
    public List<MemoryDescriptor> descriptorsBelow(long limit) {
        List<MemoryDescriptor> out = new ArrayList<>();
        for (MemoryDescriptor d : memoryMap) {
            if (Long.compareUnsigned(d.physicalStart(), limit) < 0) {
                out.add(d);
            }
        }
        return out;
    }

    /** {@code "dell-poweredge-r820: 254 descriptors, 96 GiB RAM, edk2-topdown"}. */
    @Override
    public String toString() {
        return String.format("%s: %d descriptors, %d MiB RAM, %s", name, memoryMap.size(), ramBytes() >> 20, placement);
    }

    /** Builds a profile; unset fields take the defaults documented in docs/profiles.md. */
    public static final class Builder {
        private String name;
        private String description = "";
        private final List<String> sources = new ArrayList<>();
        private PlacementSpec placement = PlacementSpec.EDK2_TOPDOWN;
        private int descriptorSize = 48;
        private int descriptorVersion = 1;
        private Firmware firmware = new Firmware("EDK II", 0x10000, Firmware.UEFI_2_70);
        private Cpu cpu = new Cpu("GenuineIntel", 6, 45, 7, "Intel(R) Xeon(R) CPU", 1);
        private Smbios smbios;
        private Acpi acpi = new Acpi("EFIEMU", "EFIEMU01");
        private Console console = new Console(80, 25);
        private final List<Variable> variables = new ArrayList<>();
        private final List<String> quirks = new ArrayList<>();
        private final List<MemoryDescriptor> memoryMap = new ArrayList<>();
        private final List<PoolFreeBlock> poolFreeBlocks = new ArrayList<>();
        private Screens screens = Screens.NONE;
        private VariableStoreConfig variableStore;
        private GraphicsOutput.Display display;
        private List<ConfigurationTableKind> configurationTables;
        private final List<PciDevice> pciDevices = new ArrayList<>();
        private CapturedFirmware captured = CapturedFirmware.NONE;
        private final List<org.efiemu.uefi.pci.PciRootBridge> pciRootBridges = new ArrayList<>();

        private Builder(String name) {
            this.name = name;
        }

        private Builder(PlatformProfile p) {
            name = p.name;
            description = p.description;
            sources.addAll(p.sources);
            placement = p.placement;
            descriptorSize = p.descriptorSize;
            descriptorVersion = p.descriptorVersion;
            firmware = p.firmware;
            cpu = p.cpu;
            smbios = p.smbios;
            acpi = p.acpi;
            console = p.console;
            variables.addAll(p.variables);
            quirks.addAll(p.quirks);
            memoryMap.addAll(p.memoryMap);
            poolFreeBlocks.addAll(p.poolFreeBlocks);
            screens = Screens.NONE; // derived from console and display
            variableStore = p.variableStore;
            display = p.display;
            configurationTables = p.configurationTables;
            pciDevices.addAll(p.pciDevices);
            captured = p.captured;
            pciRootBridges.addAll(p.pciRootBridges);
        }

        public Builder name(String v) { name = v; return this; }
        public Builder description(String v) { description = v; return this; }
        public Builder source(String v) { sources.add(v); return this; }
        public Builder clearSources() { sources.clear(); return this; }
        public Builder placement(PlacementSpec v) { placement = v; return this; }
        public Builder descriptorSize(int v) { descriptorSize = v; return this; }
        public Builder descriptorVersion(int v) { descriptorVersion = v; return this; }
        public Builder firmware(Firmware v) { firmware = v; return this; }
        public Builder cpu(Cpu v) { cpu = v; return this; }
        public Builder smbios(Smbios v) { smbios = v; return this; }
        public Builder acpi(Acpi v) { acpi = v; return this; }
        private boolean consoleGiven;

        public Builder console(Console v) { console = v; consoleGiven = true; return this; }
        public Builder variable(Variable v) { variables.add(v); return this; }
        public Builder quirk(String v) { quirks.add(v); return this; }
        public Builder clearQuirks() { quirks.clear(); return this; }
        public Builder descriptor(MemoryDescriptor d) { memoryMap.add(d); return this; }
        public Builder memoryMap(List<MemoryDescriptor> map) { memoryMap.clear(); memoryMap.addAll(map); return this; }
        public Builder poolFree(PoolFreeBlock v) { poolFreeBlocks.add(v); return this; }
        public Builder clearPoolFree() { poolFreeBlocks.clear(); return this; }
        /**
         * Deprecated {@code gop-mode}/{@code gop-current}/{@code text-mode}/{@code text-current} values: converted into
         * {@link #display} and {@link #console} by {@link #build()} (a {@code source:} line says so).
         */
        public Builder screens(Screens v) { screens = v; return this; }
        public Builder variableStore(VariableStoreConfig v) { variableStore = v; return this; }
        public Builder display(GraphicsOutput.Display v) { display = v; return this; }
        public Builder clearVariables() { variables.clear(); return this; }
        /** The configuration tables in the firmware's order; null for efiemu's default. */
        public Builder configurationTables(List<ConfigurationTableKind> v) { configurationTables = v; return this; }
        public Builder pciDevice(PciDevice v) { pciDevices.add(v); return this; }
        public Builder clearPciDevices() { pciDevices.clear(); return this; }
        /** A PCI root bridge's facts ({@code pci-root-bridge:}). */
        public Builder pciRootBridge(org.efiemu.uefi.pci.PciRootBridge v) { pciRootBridges.add(v); return this; }
        public Builder clearPciRootBridges() { pciRootBridges.clear(); return this; }
        /** The captured handle database and HOB list ({@code handle:}, {@code hob:} lines). */
        public Builder captured(CapturedFirmware v) { captured = java.util.Objects.requireNonNull(v, "captured"); return this; }

        public Firmware firmware() { return firmware; }
        public Smbios smbios() { return smbios != null ? smbios : defaultSmbios(); }
        public List<MemoryDescriptor> memoryMap() { return memoryMap; }

        private Smbios defaultSmbios() {
            return new Smbios("efiemu", "0.1", "01/01/2024", "efiemu", name, "1", "0");
        }

        public PlatformProfile build() {
            if (screens != null && !screens.equals(Screens.NONE)) {
                ScreenKeys.Converted c = ScreenKeys.fromLegacy(screens, console, consoleGiven, display);
                console = c.console();
                display = c.display();
                if (c.note() != null && !sources.contains(c.note())) {
                    sources.add(c.note());
                }
                screens = Screens.NONE;
            }
            return new PlatformProfile(name, description, sources, placement, descriptorSize, descriptorVersion,
                    firmware, cpu, smbios(), acpi, console, variables, quirks, memoryMap, poolFreeBlocks, screens,
                    variableStore, display, configurationTables, pciDevices, captured, pciRootBridges);
        }
    }
}
