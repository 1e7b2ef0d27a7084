package org.efiemu.uefi;

import java.util.List;
import java.util.Optional;
import org.efiemu.core.memory.GuestMemory;
import org.efiemu.uefi.acpi.AcpiTables;
import org.efiemu.uefi.acpi.AcpiTablesBuilder;
import org.efiemu.uefi.firmware.FirmwareArena;
import org.efiemu.uefi.firmware.PlatformMemory;
import org.efiemu.uefi.image.DebugImageInfoTable;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.efiemu.uefi.boot.ServiceDispatcher;
import org.efiemu.uefi.tables.ConfigurationTableKind;
import org.efiemu.uefi.tables.DxeServicesTable;
import org.efiemu.uefi.tables.FirmwarePhaseTables;
import org.efiemu.uefi.tables.GcdMemorySpace;
import org.efiemu.uefi.tables.HobList;
import org.efiemu.uefi.tables.MemoryAttributesTable;
import org.efiemu.uefi.tables.MemoryTypeInformationTable;
import org.efiemu.uefi.firmware.SystemTable;
import org.efiemu.uefi.platform.PlatformDescription;
import org.efiemu.uefi.smbios.ProcessorInfo;
import org.efiemu.uefi.smbios.SmbiosTables;
import org.efiemu.uefi.smbios.SmbiosTablesBuilder;
import org.efiemu.uefi.spec.Guid;
import org.efiemu.uefi.spec.MemoryType;

/**
 * The configuration tables a real machine's firmware installs before any application runs (UEFI 2.10 §4.6), those the
 * platform lists ({@link PlatformDescription#configurationTables()}) in its order; OVMF 2022.11 on q35 has eleven: the
 * LZMA custom decompress handler, the DXE services table ({@link DxeServicesTable}, bound by {@link #bindServices}), the
 * HOB list ({@link HobList}), then the tables below, the memory status code ring and the image execution information
 * table ({@link FirmwarePhaseTables}). The tables efiemu presents without a list, in that order: memory type information (the placement bins), debug image info (the loaded images), SMBIOS (32-bit {@code _SM_} entry point)
 * and SMBIOS 3 ({@code _SM3_}) over one structure table (types 0, 1, 4, 16, 17, 19, 127 with the platform's strings
 * and RAM), ACPI 1.0 and 2.0 (one RSDP: XSDT, FADT, MADT with one Local APIC per CPU of the platform, DSDT) and the
 * memory attributes table (the map's runtime ranges). ACPI and SMBIOS are placed in memory the platform's map already
 * gives the firmware, in the types EDK2 uses (ACPI: EfiACPIReclaimMemory, else EfiACPIMemoryNVS; SMBIOS:
 * EfiRuntimeServicesData, else EfiReservedMemoryType), so free memory stays exactly
 * the platform's (the memory type information, debug image info and memory attributes tables beside SMBIOS). A platform whose map has no such descriptor below 4 GiB large enough gets no table of that kind
 * (listed by {@link #missing()}).
 */
final class PlatformTables {
    private final AcpiTables acpi;
    private final SmbiosTables smbios;
    private final DebugImageInfoTable debugImages;
    private List<String> missing;
    private HobList hobs;
    private long dxeServicesAt;
    private long lzmaAt;
    private SystemTable st;
    private GuestMemory memory;
    private List<MemoryDescriptor> memoryMap;
    private DxeServicesTable dxeServices;
    /** Images the debug image info table holds before it grows (more take firmware pool). */
    static final int DEBUG_IMAGE_SLOTS = 32;

    private PlatformTables(AcpiTables acpi, SmbiosTables smbios, DebugImageInfoTable debugImages, List<String> missing) {
        this.acpi = acpi;
        this.smbios = smbios;
        this.debugImages = debugImages;
        this.missing = missing;
    }

    /**
     * Builds the tables into firmware memory and installs them in {@code st}; {@code currentMap} is the map
     * GetMemoryMap reports now (free pages of special bins under the bin's type), the memory attributes table's source;
     * {@code bins} are the memory type information bins of the platform's placement (the memory map's rule, already
     * parsed from {@code p.placement()}).
     */
    static PlatformTables install(PlatformDescription p, FirmwareArena arena, FirmwareArena.Region bootData,
            GuestMemory memory, SystemTable st, List<MemoryDescriptor> currentMap,
            List<org.efiemu.uefi.memory.MemoryTypeBin> bins, java.util.function.LongUnaryOperator pool) {
        PlatformDescription.Acpi id = p.acpi();
        AcpiTablesBuilder ab = new AcpiTablesBuilder().oemId(pad(id.oemId(), 6)).oemTableId(pad(id.oemTableId(), 8))
                .cpuCount(Math.max(1, p.cpu().count()));
        int acpiSize = ab.size();
        Optional<FirmwareArena.Region> acpiRegion = region(arena, acpiSize, "ACPI tables",
                MemoryType.EfiACPIReclaimMemory, MemoryType.EfiACPIMemoryNVS);
        AcpiTables acpi = null;
        if (acpiRegion.isPresent()) {
            long base = acpiRegion.get().take("ACPI tables (FACS, RSDP, XSDT, FADT, DSDT, MADT)", acpiSize, 64);
            acpi = ab.build(base);
            memory.write(base, acpi.bytes());
        }
        PlatformDescription.Smbios s = p.smbios();
        PlatformDescription.Cpu cpu = p.cpu();
        int signature = (cpu.family() > 15 ? 0xF00 | ((cpu.family() - 15) << 20) : cpu.family() << 8)
                | ((cpu.model() & 0xF) << 4) | ((cpu.model() >> 4) << 16) | (cpu.stepping() & 0xF);
        SmbiosTablesBuilder sb = new SmbiosTablesBuilder().bios(s.biosVendor(), s.biosVersion(), s.biosDate())
                .system(s.manufacturer(), s.product(), s.version(), s.serialNumber(), Guid.ZERO, "", "")
                .socket(new ProcessorInfo("CPU0", cpu.vendor(), cpu.brand(), signature, 0x0789_FBFF, 0x01, 2000, 2000,
                        Math.max(1, cpu.count()), Math.max(1, cpu.count())));
        installedMemory(p).ifPresent(m -> sb.memory(m.bytes(), m.ranges()));
        int smbiosSize = sb.build(0).bytes().length;
        byte[] typeInfo = MemoryTypeInformationTable.build(bins);
        byte[] mat = MemoryAttributesTable.build(currentMap, p.descriptorSize());
        // the memory type information and memory attributes tables share the SMBIOS region (one page for all three
        // on the built-in platforms), so nothing else the firmware places moves
        int debugSize = DebugImageInfoTable.bytesFor(DEBUG_IMAGE_SLOTS);
        boolean withSmbios = p.configurationTables().contains(ConfigurationTableKind.SMBIOS)
                || p.configurationTables().contains(ConfigurationTableKind.SMBIOS3);
        int smbiosRoom = (withSmbios ? ((smbiosSize + 15) & ~15) : 0) + ((typeInfo.length + 15) & ~15)
                + ((mat.length + 15) & ~15) + debugSize;
        Optional<FirmwareArena.Region> smbiosRegion = region(arena, smbiosRoom, "SMBIOS tables",
                MemoryType.EfiRuntimeServicesData, MemoryType.EfiReservedMemoryType);
        SmbiosTables smbios = null;
        long typeInfoAt;
        long matAt;
        long debugAt;
        if (smbiosRegion.isPresent()) {
            if (withSmbios) {
                long base = smbiosRegion.get().take("SMBIOS entry points (_SM3_, _SM_) and structure table", smbiosSize, 16);
                smbios = sb.build(base);
                memory.write(base, smbios.bytes());
            }
            typeInfoAt = smbiosRegion.get().take("memory type information table", typeInfo.length, 16);
            matAt = smbiosRegion.get().take("memory attributes table", mat.length, 16);
            debugAt = smbiosRegion.get().take("debug image info table", debugSize, 16);
        } else {
            typeInfoAt = bootData.take("memory type information table", typeInfo.length, 16);
            matAt = bootData.take("memory attributes table", mat.length, 16);
            debugAt = bootData.take("debug image info table", debugSize, 16);
        }
        DebugImageInfoTable debugImages = new DebugImageInfoTable(memory, debugAt,
                debugAt + DebugImageInfoTable.HEADER_SIZE, debugAt + DebugImageInfoTable.HEADER_SIZE + DEBUG_IMAGE_SLOTS * 8L,
                DEBUG_IMAGE_SLOTS, pool);
        memory.write(typeInfoAt, typeInfo);
        memory.write(matAt, mat);
        List<ConfigurationTableKind> kinds = p.configurationTables();
        List<String> missing = new java.util.ArrayList<>();
        // the tables of the DXE core and PEI (only when the platform lists them): their own regions of the types EDK2
        // uses, carved after the others so nothing placed before moves
        HobList hobs = HobList.of(p.memoryMap());
        long dxeServicesAt = 0;
        long hobListAt = 0;
        long lzmaAt = 0;
        if (kinds.contains(ConfigurationTableKind.DXE_SERVICES) || kinds.contains(ConfigurationTableKind.HOB_LIST)
                || kinds.contains(ConfigurationTableKind.LZMA_CUSTOM_DECOMPRESS)) {
            // a captured HOB list (the profile's hob: lines) is presented as captured; else one is built from the map
            List<byte[]> captured = p.captured().hobs();
            int hobSize = captured.isEmpty() ? hobs.size() : org.efiemu.uefi.tables.CapturedHobList.size(captured);
            int size = DxeServicesTable.SIZE + 16 + hobSize + 64;
            Optional<FirmwareArena.Region> dxe = region(arena, size, "DXE core tables", MemoryType.EfiBootServicesData);
            if (dxe.isPresent()) {
                dxeServicesAt = dxe.get().take("DXE services table", DxeServicesTable.SIZE, 16);
                DxeServicesTable.writeHeader(memory, dxeServicesAt);
                lzmaAt = dxe.get().take("LZMA custom decompress handler (bound to its stub before the image starts)", 16, 16);
                hobListAt = dxe.get().take(captured.isEmpty() ? "HOB list" : "HOB list (captured)", hobSize, 8);
                memory.write(hobListAt, captured.isEmpty() ? hobs.build(hobListAt)
                        : org.efiemu.uefi.tables.CapturedHobList.build(captured));
            } else {
                missing.add("DXE services, HOB list, LZMA decompress: no EfiBootServicesData descriptor below 4 GiB holds "
                        + size + " bytes");
            }
        }
        long statusCodeAt = 0;
        long imageExecutionAt = 0;
        if (kinds.contains(ConfigurationTableKind.MEMORY_STATUS_CODE) || kinds.contains(ConfigurationTableKind.IMAGE_EXECUTION_INFO)) {
            byte[] codes = FirmwarePhaseTables.memoryStatusCode();
            byte[] exec = FirmwarePhaseTables.imageExecutionInfo();
            int size = codes.length + exec.length + 32;
            Optional<FirmwareArena.Region> rt = region(arena, size, "runtime status tables", MemoryType.EfiRuntimeServicesData);
            if (rt.isPresent()) {
                statusCodeAt = rt.get().take("memory status code table", codes.length, 16);
                memory.write(statusCodeAt, codes);
                imageExecutionAt = rt.get().take("image execution information table", exec.length, 16);
                memory.write(imageExecutionAt, exec);
            } else {
                missing.add("memory status code, image execution information: no EfiRuntimeServicesData descriptor below "
                        + "4 GiB holds " + size + " bytes");
            }
        }
        // in the platform's order (OVMF 2022.11: DxeCore's tables first, then SmbiosDxe, AcpiTableDxe, the ReadyToBoot
        // MAT and the image verification's table)
        for (ConfigurationTableKind k : kinds) {
            long at = switch (k) {
                case LZMA_CUSTOM_DECOMPRESS -> lzmaAt;
                case DXE_SERVICES -> dxeServicesAt;
                case HOB_LIST -> hobListAt;
                case MEMORY_TYPE_INFORMATION -> typeInfoAt;
                case DEBUG_IMAGE_INFO -> debugAt;
                case MEMORY_STATUS_CODE -> statusCodeAt;
                case SMBIOS -> smbios != null ? smbios.entryPoint32Address() : 0;
                case SMBIOS3 -> smbios != null ? smbios.entryPointAddress() : 0;
                // EDK2 AcpiTableDxe publishes the RSDP under both GUIDs (ACPI 1.0 first), as OVMF 2022.11 does
                case ACPI_10, ACPI_20 -> acpi != null ? acpi.rsdpAddress() : 0;
                case MEMORY_ATTRIBUTES -> matAt;
                case IMAGE_EXECUTION_INFO -> imageExecutionAt;
            };
            if (at != 0) {
                st.installConfigurationTable(k.guid(), at);
            }
        }
        PlatformTables t = new PlatformTables(acpi, smbios, debugImages, null);
        t.hobs = hobListAt != 0 ? hobs : null;
        t.dxeServicesAt = dxeServicesAt;
        t.lzmaAt = lzmaAt;
        t.st = st;
        t.memory = memory;
        t.memoryMap = p.memoryMap();
        if (acpi == null && (kinds.contains(ConfigurationTableKind.ACPI_10) || kinds.contains(ConfigurationTableKind.ACPI_20))) {
            missing.add("ACPI: no EfiACPIReclaimMemory/EfiACPIMemoryNVS descriptor below 4 GiB holds " + acpiSize + " bytes");
        }
        if (smbios == null && (kinds.contains(ConfigurationTableKind.SMBIOS) || kinds.contains(ConfigurationTableKind.SMBIOS3))) {
            missing.add("SMBIOS: no EfiRuntimeServicesData/EfiReservedMemoryType descriptor below 4 GiB holds "
                    + smbiosSize + " bytes");
        }
        t.missing = List.copyOf(missing);
        return t;
    }

    /**
     * Binds the guest-callable parts once the service dispatcher exists (before the image starts): the DXE services
     * table's slots ({@link DxeServicesTable}) over the GCD memory space of the platform's map, and the LZMA custom
     * decompress entry, which EDK2 points at its decode handler: here a stub that returns EFI_UNSUPPORTED and is
     * recorded (efiemu decompresses no firmware volume).
     */
    void bindServices(ServiceDispatcher dispatcher, java.util.function.LongUnaryOperator pool) {
        if (dxeServicesAt != 0) {
            GcdMemorySpace space = GcdMemorySpace.of(memoryMap, HobList.of(memoryMap).memorySpaceBits());
            dxeServices = DxeServicesTable.bind(memory, dxeServicesAt, dispatcher, space, pool);
        }
        if (lzmaAt != 0 && st.configurationTables().contains(ConfigurationTableKind.LZMA_CUSTOM_DECOMPRESS.guid())) {
            long handler = dispatcher.registerBootTime("LzmaCustomDecompress.ExtractGuidedSectionDecode", 4, null);
            st.installConfigurationTable(ConfigurationTableKind.LZMA_CUSTOM_DECOMPRESS.guid(), handler);
        }
    }

    /** The DXE services table's model, when the platform presents the table. */
    Optional<DxeServicesTable> dxeServices() {
        return Optional.ofNullable(dxeServices);
    }

    /** The HOB list, when the platform presents it. */
    Optional<HobList> hobList() {
        return Optional.ofNullable(hobs);
    }

    /** Installed memory as SMBIOS describes it: RAM below 4 GiB up to its end, plus RAM above, in whole MiB. */
    record InstalledMemory(long bytes, List<SmbiosTablesBuilder.MappedRange> ranges) {}

    static Optional<InstalledMemory> installedMemory(PlatformDescription p) {
        long fourGib = 0x1_0000_0000L;
        long mib = 0xFFFFF;
        long below = 0;
        long aboveEnd = fourGib;
        boolean anyBelow = false;
        boolean anyAbove = false;
        for (MemoryDescriptor d : p.memoryMap()) { // one pass (the streams' max of each side)
            if (!PlatformMemory.isRam(d)) {
                continue;
            }
            long end = d.end();
            if (end <= fourGib) {
                below = anyBelow ? Math.max(below, end) : end;
                anyBelow = true;
            } else if (!anyAbove || end > aboveEnd) {
                aboveEnd = end;
                anyAbove = true;
            }
        }
        below = (below + mib) & ~mib;
        aboveEnd = (aboveEnd + mib) & ~mib;
        long above = aboveEnd - fourGib;
        if (below + above == 0) {
            return Optional.empty();
        }
        List<SmbiosTablesBuilder.MappedRange> ranges = new java.util.ArrayList<>();
        if (below > 0) {
            ranges.add(new SmbiosTablesBuilder.MappedRange(0, below));
        }
        if (above > 0) {
            ranges.add(new SmbiosTablesBuilder.MappedRange(fourGib, aboveEnd));
        }
        return Optional.of(new InstalledMemory(below + above, List.copyOf(ranges)));
    }

    private static String pad(String s, int n) {
        String t = s.length() > n ? s.substring(0, n) : s;
        return t;
    }

    private static Optional<FirmwareArena.Region> region(FirmwareArena arena, int size, String purpose, MemoryType... types) {
        for (MemoryType t : types) { // the first type with room; else the next type the firmware could have used
            FirmwareArena.Region r = arena.findRegion(t, size);
            if (r != null) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }

    Optional<AcpiTables> acpi() {
        return Optional.ofNullable(acpi);
    }

    /** The debug image info table (every loaded image is added to it). */
    DebugImageInfoTable debugImages() {
        return debugImages;
    }

    Optional<SmbiosTables> smbios() {
        return Optional.ofNullable(smbios);
    }

    List<String> missing() {
        return missing;
    }
}
