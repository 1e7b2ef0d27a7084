package org.efiemu.uefi.tables;

/**
 * The configuration tables' and PCI protocols' section of docs/services.md (appended by
 * {@code org.efiemu.uefi.boot.ServicesDoc}).
 */
public final class PresentationDoc {
    private PresentationDoc() {
    }

    private static final String[][] TABLES = {
        {"lzma-custom-decompress", "EDK2 LZMA custom decompress GUID",
            "points at the decode handler, as EDK2's DxeExtractGuidedSectionLib installs it: the stub "
                + "`LzmaCustomDecompress.ExtractGuidedSectionDecode` returns EFI_UNSUPPORTED and is recorded (efiemu "
                + "decompresses no firmware volume)"},
        {"dxe-services", "PI 1.7 vol. 2 §9.2",
            "`DXE_SERV`, revision 0x10046, 168 bytes, 18 slots in the spec's order (`DxeServices.<Name>`): "
                + "GetMemorySpaceDescriptor, GetMemorySpaceMap (EfiBootServicesData pool the caller frees) and "
                + "SetMemorySpaceAttributes (recorded; no page table changes) over the GCD map of the platform's memory "
                + "map (`GcdMemorySpace`: RAM = SystemMemory, MMIO = MemoryMappedIo, reserved non-RAM = Reserved, gaps "
                + "NonExistent up to 2^36 or the map's top; Capabilities = the descriptor's attribute without "
                + "EFI_MEMORY_RUNTIME, Attributes = its EFI_MEMORY_RUNTIME; ImageHandle/DeviceHandle NULL); the other 15 "
                + "return EFI_UNSUPPORTED and are recorded as unimplemented calls"},
        {"hob-list", "PI 1.7 vol. 3 §5",
            "PHIT (version 9, BOOT_WITH_FULL_CONFIGURATION), CPU HOB (36 address bits unless the map reaches higher, "
                + "16 I/O bits), resource descriptors (merged RAM 0x3C07, MMIO and reserved windows 0x407, as OVMF's "
                + "PlatformPei), one memory allocation HOB per firmware-owned RAM descriptor, END; OVMF's GUID, FV and "
                + "pool HOBs and its windows the map does not show are not there (`HobList`)"},
        {"memory-type-information", "EDK2", "the placement bins"},
        {"debug-image-info", "UEFI 2.10 §18.4.3", "every image loaded on efiemu; on a profile with a captured handle "
                + "database first the captured firmware's images, one NormalImage entry each in handle order as OVMF has "
                + "them (the application at its captured place)"},
        {"memory-status-code", "EDK2 StatusCodeHandlerRuntimeDxe",
            "RecordIndex 0, NumberOfRecords 0, MaxRecordsNumber 85 (OVMF's 1 KiB ring), the ring zeroed"},
        {"smbios / smbios3", "SMBIOS 3.x", "32-bit `_SM_` / 64-bit `_SM3_` entry point over one structure table"},
        {"acpi-1.0 / acpi-2.0", "ACPI 6.x", "one RSDP (XSDT, FADT, MADT, DSDT with `\\_S5`)"},
        {"memory-attributes", "UEFI 2.10 §4.6.4", "the map's runtime ranges"},
        {"image-execution-info", "UEFI 2.10 §32.5.3.1", "NumberOfImages 0 (no image was refused; OVMF without Secure Boot has none)"},
    };

    private static final String[][] PCI = {
        {"EFI_PCI_ROOT_BRIDGE_IO_PROTOCOL", "§14.2", "one handle per PCI segment, device path PciRoot(0xN)",
            "`PciRootBridgeIo.Pci.Read/Write` (EFI_PCI_ADDRESS; widths Uint8-64, Fifo, Fill; misaligned or past 256 bytes "
                + "EFI_UNSUPPORTED; a function no device answers reads all ones; the extended register field EFI_UNSUPPORTED: "
                + "only 256 bytes are modelled), `Flush`; SegmentNumber; ParentHandle = its own handle. With the profile's "
                + "`pci-root-bridge` line (`PciRootBridge`, `PciRootBridgeIo`, as EDK2 PciHostBridgeDxe on OVMF): "
                + "`GetAttributes` (OVMF's Supports/Attributes 0x70069; both NULL EFI_INVALID_PARAMETER), `SetAttributes` "
                + "(outside Supports EFI_UNSUPPORTED), `Configuration` (the captured ACPI descriptors of the allocated I/O, "
                + "MMIO and bus ranges, in a buffer the root bridge owns); `Mem.Read/Write`, `Io.Read/Write` (RootBridgeIo"
                + "CheckParameter: NULL Buffer, width, 64-bit overflow, outside the apertures of OVMF's platform information "
                + "HOB EFI_INVALID_PARAMETER, misaligned EFI_UNSUPPORTED; legacy I/O below 0x1000 and VGA memory allowed by "
                + "the attributes): an address in a function's BAR reads and writes what PciIo would, any other reads all "
                + "ones; `PollMem/PollIo`, `CopyMem` (backwards when overlapping), `Map/Unmap/AllocateBuffer/FreeBuffer` "
                + "(shared with PciIo; the 64-bit operations as the 32-bit ones: no DMA above 4 GiB). Without the line "
                + "those slots return EFI_UNSUPPORTED, recorded"},
        {"EFI_PCI_IO_PROTOCOL", "§14.4", "one handle per `pci-device` line, with its device path, in the profile's order",
            "`PciIo.Pci.Read/Write` over the captured 256 bytes (writes change all but the IDs, class/revision and header "
                + "type; a BAR register with a `pci-bar-masks` mask changes only in its writable bits: all ones written "
                + "read back the real size mask, `PciBarMasks`), `GetLocation`, `Attributes` (Get, Supported, Set/Enable/Disable "
                + "within Supported, else EFI_UNSUPPORTED), `Flush`. RomSize/RomImage: the `pci-rom` bytes, copied into "
                + "EfiBootServicesData of the platform's map (a region carved after every other firmware structure, as OVMF's "
                + "PCI bus driver keeps the ROM in boot-services pool); without a `pci-rom` line RomSize 0 and RomImage NULL. "
                + "`GetBarAttributes`: the `pci-bar` Supports and a copy of its ACPI descriptors in EfiBootServicesData pool the "
                + "caller frees; a BAR without a line EFI_UNSUPPORTED; both OUT pointers NULL EFI_INVALID_PARAMETER. "
                + "`Mem.Read/Write`, `Io.Read/Write` (EDK2 PciBusDxe's checks: width, NULL Buffer EFI_INVALID_PARAMETER; no such "
                + "BAR, the other space, past the BAR or misaligned EFI_UNSUPPORTED): a memory BAR inside the GOP framebuffer "
                + "(stdvga BAR 0) reads and writes the framebuffer; otherwise reads give the bytes QEMU answered at BDS time "
                + "(`pci-bar read=`: whole register BARs up to 4 KiB, e.g. the stdvga MMIO BAR's EDID, VGA and Bochs registers, "
                + "AHCI's ABAR, I/O BARs; else the first 64 bytes) and all ones beyond "
                + "them, writes are accepted and dropped (device registers are not modelled). DMA as PciBusDxe + "
                + "PciHostBridgeDxe on OVMF (no IOMMU, no DMA above 4 GiB): `Map` of a range below 4 GiB is the identity with "
                + "Mapping NO_MAPPING ((VOID*)-1), above 4 GiB a bounce buffer below 4 GiB (CommonBuffer there EFI_UNSUPPORTED); "
                + "`Unmap` (copy back for BusMasterWrite; an unknown Mapping EFI_INVALID_PARAMETER); `AllocateBuffer` (only "
                + "MEMORY_WRITE_COMBINE/MEMORY_CACHED, else EFI_UNSUPPORTED; EfiBootServicesData or EfiRuntimeServicesData, else "
                + "EFI_INVALID_PARAMETER; pages by AllocatePages(AllocateMaxAddress 0xFFFFFFFF), Type ignored as EDK2 ignores "
                + "it); `FreeBuffer` (FreePages' status). Every OUT pointer not RAM or misaligned: EFI_INVALID_PARAMETER "
                + "(`PciIoAbiTest`). `PollMem/PollIo` (EDK2's order: width, BAR check EFI_UNSUPPORTED, Fifo/Fill "
                + "EFI_INVALID_PARAMETER, Result NULL EFI_INVALID_PARAMETER, misaligned EFI_UNSUPPORTED; a match or Delay 0 "
                + "EFI_SUCCESS, else the location is read again after each timer tick inside the Delay (whose notifications "
                + "may write it: a match there is EFI_SUCCESS at that tick) and EFI_TIMEOUT after Delay x 100 ns of virtual "
                + "time; only the width's bytes of *Result "
                + "written, `PciPolling`), `CopyMem` (Fifo/Fill EFI_INVALID_PARAMETER, either range outside its memory BAR "
                + "EFI_UNSUPPORTED, backwards when overlapping), `SetBarAttributes` (Offset/Length NULL EFI_INVALID_PARAMETER; "
                + "no BAR, any attribute (PciBusDxe sets none), an I/O BAR or a range leaving the BAR EFI_UNSUPPORTED)"},
    };

    /** The Markdown section. */
    public static String render() {
        StringBuilder sb = new StringBuilder();
        sb.append("\n## Configuration tables\n\nInstalled in the order of the profile's `configuration-tables:` line ")
                .append("(docs/profiles.md; without one: memory-type-information debug-image-info smbios smbios3 acpi-1.0 ")
                .append("acpi-2.0 memory-attributes; the OVMF q35 profiles list OVMF 2022.11's eleven) ")
                .append("(`PlatformTables`, builders in `org.efiemu.uefi.tables`).\n\n")
                .append("| Table (profile name) | Spec | Content |\n|---|---|---|\n");
        for (String[] r : TABLES) {
            sb.append("| ").append(r[0]).append(" | ").append(r[1]).append(" | ").append(r[2]).append(" |\n");
        }
        sb.append("\n## PCI protocols\n\nInstalled from the profile's `pci-root-bridge`, `pci-device`, `pci-rom`, `pci-bar` and ")
                .append("`pci-bar-masks` lines (captured ")
                .append("from OVMF by the firmware-probe; `org.efiemu.uefi.pci.PciProtocols` over the pure `PciConfigSpace`, ")
                .append("`PciBarSpace` and `PciDma`). A profile ")
                .append("without them has no PCI handle.\n\n")
                .append("| Protocol | UEFI 2.10 | On | Notes |\n|---|---|---|---|\n");
        for (String[] r : PCI) {
            sb.append("| ").append(r[0]).append(" | ").append(r[1]).append(" | ").append(r[2]).append(" | ").append(r[3])
                    .append(" |\n");
        }
        return sb.toString();
    }
}
