package org.efiemu.uefi.storage;

/** The storage protocols' section of docs/services.md (appended by {@code ServicesDoc}). */
public final class StorageDoc {
    private StorageDoc() {
    }

    private static final String[][] ROWS = {
        {"EFI_BLOCK_IO_PROTOCOL", "§13.9", "disk and partition handles",
            "`BlockIo.Reset/ReadBlocks/WriteBlocks/FlushBlocks`; Revision 0x20001; Media as OVMF's AHCI disk reports it "
                + "(MediaId 0, BlockSize 512, IoAlign 8 on the disk and 0 on partitions, LogicalBlocksPerPhysicalBlock 1 "
                + "on the disk and 0 on partitions, ReadOnly only with `--disk-read-only` or a read-only `--esp`). "
                + "Statuses in EDK2's order: EFI_MEDIA_CHANGED (another MediaId), EFI_WRITE_PROTECTED, "
                + "EFI_INVALID_PARAMETER (NULL buffer), EFI_SUCCESS for BufferSize 0, EFI_BAD_BUFFER_SIZE (not a multiple "
                + "of 512), EFI_INVALID_PARAMETER (LBA past LastBlock, blocks straddling the end, buffer breaking IoAlign, "
                + "buffer not RAM)"},
        {"EFI_BLOCK_IO2_PROTOCOL", "§13.10", "disk and partition handles",
            "`BlockIo2.Reset/ReadBlocksEx/WriteBlocksEx/FlushBlocksEx`, Media shared with Block I/O; the same checks in "
                + "the same order; done before the call returns: with a Token whose Event is set, TransactionStatus is "
                + "written and the event signalled (also for BufferSize 0 and FlushBlocksEx, as AtaBus); OVMF completes "
                + "on a later timer tick, a loader that waits for the event sees the same result (`BlockIo2OvmfLiveTest`)"},
        {"EFI_DISK_INFO_PROTOCOL", "PI vol. 5 §12.9", "disk handles",
            "Interface EFI_DISK_INFO_AHCI_INTERFACE_GUID (EFI_DISK_INFO_IDE_INTERFACE_GUID on an IDE controller, "
                + "ovmf-pc-2g); `DiskInfo.Inquiry/SenseData` EFI_NOT_FOUND; `DiskInfo.Identify` "
                + "the 512-byte ATA IDENTIFY DEVICE data of QEMU's `ide-hd` (serial `QM0000<port+1>`, firmware `2.5+`, model "
                + "`QEMU HARDDISK`, LBA28/LBA48 sector counts), EFI_BUFFER_TOO_SMALL and the size for a smaller buffer; "
                + "`DiskInfo.WhichIde` the AHCI port and 0xFFFF, on IDE the channel and device (as AtaBus; "
                + "`BlockIo2OvmfLiveTest`, the firmware-probe's `diskinfo:` lines)"},
        {"EFI_DISK_IO_PROTOCOL", "§13.7", "disk and partition handles",
            "`DiskIo.ReadDisk/WriteDisk`: any offset and length inside the device; EFI_MEDIA_CHANGED, "
                + "EFI_WRITE_PROTECTED, EFI_INVALID_PARAMETER past the end"},
        {"EFI_DISK_IO2_PROTOCOL", "§13.8", "disk and partition handles",
            "`DiskIo2.Cancel/ReadDiskEx/WriteDiskEx/FlushDiskEx`: done before the call returns; with a Token whose Event "
                + "is set, TransactionStatus is written and the event signalled (OVMF completes on a later timer tick; a "
                + "loader that waits for the event sees the same result)"},
        {"EFI_PARTITION_INFO_PROTOCOL", "§13.18", "partition handles",
            "Revision 0x1000, Type 1 (MBR) or 2 (GPT), System 1 for an EFI System Partition, the table entry"},
        {"EFI_SIMPLE_FILE_SYSTEM_PROTOCOL", "§13.4", "ESP handle; every FAT12/16/32 partition (or bare FAT disk)",
            "`Esp.OpenVolume` (the `--esp` folder) or `Fs.OpenVolume` (FAT on a disk, fat32-lib), then `File.*` "
                + "(EFI_FILE_PROTOCOL, §13.5). LoadImage reads device-path sources from any of them"},
        {"EFI_DEVICE_PATH_PROTOCOL", "§10", "every disk and partition handle",
            "`PciRoot(0x0)/Pci(0x1F,0x2)/Sata(Port,0xFFFF,0x0)` (q35's ICH9 AHCI, QEMU `-device ide-hd,bus=ide.N`); on "
                + "a profile whose PCI functions have an IDE controller and no AHCI one (ovmf-pc-2g: PIIX3 IDE at 00:01.1) "
                + "`PciRoot(0x0)/Pci(0x1,0x1)/Ata(Primary|Secondary,Master|Slave,0x0)` as OVMF names QEMU `-machine pc` "
                + "drives, the boot volume too (`DiskController`; DiskInfo with the IDE interface), "
                + "partitions `.../HD(n,GPT,<unique GUID>,start,size)` or `.../HD(n,MBR,0x<signature>,start,size)` (n = the "
                + "MBR entry 1..4; an extended partition, type 0x05/0x0F, has a handle too), logical partitions "
                + "`.../HD(e,MBR,0x<signature>,...)/HD(k,MBR,0x00000000,start,size)` under their extended partition e, "
                + "k = 1, 2, ... along the chain of extended boot records, start absolute (`ExtendedPartitionsOvmfLiveTest`)"},
    };

    /** The Markdown section. */
    public static String render() {
        StringBuilder sb = new StringBuilder();
        sb.append("\n## Storage protocols\n\n")
                .append("Installed for `--disk IMAGE` (`UefiMachineBuilder.disk`) and `--esp DIR` as OVMF's drivers ")
                .append("(AtaBus, PartitionDxe, DiskIoDxe, Fat) leave them: one handle per disk (Sata port 0, 1, ... in ")
                .append("order; the ESP folder's disk first), one child handle per partition EDK2's PartitionDxe accepts ")
                .append("(`org.efiemu.uefi.disk.PartitionScanner`). The `disk-probe` payload prints the same lines on ")
                .append("efiemu as on QEMU q35 + OVMF for the same disk (`DiskProbePayloadTest`). On a profile holding ")
                .append("the captured images of PartitionDxe, DiskIoDxe and Fat (the OVMF profiles), each partition is a ")
                .append("BY_CHILD_CONTROLLER child of its disk (a logical partition of its extended partition) and the ")
                .append("handles carry those drivers' opens, as `part-probe` shows on OVMF (`PartitionChildrenPayloadTest`, ")
                .append("`org.efiemu.uefi.storage.DiskDrivers`); DisconnectController of a disk destroys its partition ")
                .append("handles and ConnectController makes them again, as there. FAT names are EDK2's: an 8.3 name ")
                .append("stored with the NT reserved byte's lower-case bits (mtools, Windows) reads in lower case ")
                .append("(`FatCaseFlagsPayloadTest`). Not installed: ")
                .append("EFI_ATA_PASS_THRU_PROTOCOL, EFI_STORAGE_SECURITY_COMMAND_PROTOCOL (OVMF has them).\n\n")
                .append("| Protocol | UEFI 2.10 | On | Notes |\n|---|---|---|---|\n");
        for (String[] r : ROWS) {
            sb.append("| ").append(r[0]).append(" | ").append(r[1]).append(" | ").append(r[2]).append(" | ").append(r[3])
                    .append(" |\n");
        }
        return sb.toString();
    }
}
