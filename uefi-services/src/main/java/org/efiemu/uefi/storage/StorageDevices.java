package org.efiemu.uefi.storage;

import java.util.List;
import java.util.function.BiFunction;
import java.util.function.LongConsumer;
import java.util.function.LongUnaryOperator;
import org.efiemu.core.memory.GuestMemory;
import org.efiemu.uefi.boot.ImageServices;
import org.efiemu.uefi.boot.ServiceCall;
import org.efiemu.uefi.boot.ServiceDispatcher;
import org.efiemu.uefi.devicepath.DevicePath;
import org.efiemu.uefi.devicepath.DevicePathNode;
import org.efiemu.uefi.disk.BlockMedia;
import org.efiemu.uefi.disk.Partition;
import org.efiemu.uefi.disk.PartitionTable;
import org.efiemu.uefi.fs.EspVolume;
import org.efiemu.uefi.handle.HandleDatabase;
import org.efiemu.uefi.protocol.BlockIo;
import org.efiemu.uefi.protocol.DiskIo;
import org.efiemu.uefi.protocol.PartitionInfo;
import org.efiemu.uefi.protocol.SimpleFileSystem;
import org.efiemu.uefi.spec.EfiStatus;
import org.efiemu.uefi.spec.Guid;

/**
 * Installs disks as OVMF's drivers leave them for an application: a SATA disk on the q35 ICH9 AHCI controller
 * ({@code PciRoot(0x0)/Pci(0x1F,0x2)/Sata(Port,0xFFFF,0x0)}, what QEMU's {@code -drive if=ide} gives on q35) on one
 * handle with DevicePath, BlockIo, DiskIo and DiskIo2; each partition EDK2's PartitionDxe accepts on a child handle with
 * the disk's path plus {@code HD(n,GPT|MBR,signature,start,size)}, BlockIo (LogicalPartition, IoAlign 0), DiskIo,
 * DiskIo2 and PartitionInfo; and SimpleFileSystem wherever a FAT file system is (EDK2's FAT driver), which LoadImage
 * can read from.
 */
public final class StorageDevices {
    /** q35's ICH9 SATA (AHCI) controller: device 0x1F, function 2. */
    public static final int AHCI_DEVICE = 0x1F;
    public static final int AHCI_FUNCTION = 2;

    private final GuestMemory memory;
    private final HandleDatabase handles;
    private final LongUnaryOperator pool;
    private final ImageServices images;
    private final BlockIo blockIo;
    private final org.efiemu.uefi.protocol.BlockIo2 blockIo2;
    private final org.efiemu.uefi.protocol.DiskInfo diskInfo;
    private final DiskIo diskIo;
    private final SimpleFileSystem fileSystems;
    private DiskController controller = DiskController.Q35_AHCI;

    /**
     * @param pool     where the protocol structures and device paths go (firmware memory)
     * @param filePool EfiBootServicesData pool for the EFI_FILE_PROTOCOL structures the guest opens ({@code freePool}
     *                 frees them on Close/Delete, so they must be real pool blocks)
     */
    public StorageDevices(GuestMemory memory, ServiceDispatcher dispatcher, HandleDatabase handles, LongUnaryOperator pool,
            LongUnaryOperator filePool, LongConsumer freePool, BiFunction<ServiceCall, Long, EfiStatus> signal,
            ImageServices images) {
        this.memory = memory;
        this.handles = handles;
        this.pool = pool;
        this.images = images;
        blockIo = new BlockIo(memory, dispatcher, pool);
        blockIo2 = new org.efiemu.uefi.protocol.BlockIo2(memory, dispatcher, pool, signal);
        diskInfo = new org.efiemu.uefi.protocol.DiskInfo(memory, dispatcher, pool);
        diskIo = new DiskIo(memory, dispatcher, pool, signal);
        fileSystems = new SimpleFileSystem(memory, dispatcher, filePool, freePool, pool);
    }

    /** The Simple File System functions of the disks' FAT volumes. */
    public SimpleFileSystem fileSystems() {
        return fileSystems;
    }

    /**
     * Disk I/O (and Disk I/O 2 when {@code two}) over a guest driver's Block I/O at {@code blockIo}, as DiskIoDxe's
     * Start makes them ({@link DiskIo#installOverBlockIo}); null when that Block I/O is unusable.
     */
    public long[] diskIoOver(long blockIo, boolean two) {
        return diskIo.installOverBlockIo(blockIo, two, a -> memory.isRam(a, 1));
    }

    /** Forgets a Disk I/O {@link #diskIoOver} made. */
    public void forgetDiskIo(long diskIo) {
        this.diskIo.forget(diskIo);
    }

    /** Names disks as behind {@code c} (the platform's controller, {@link DiskController#of}); q35's AHCI by default. */
    public StorageDevices controller(DiskController c) {
        this.controller = c;
        return this;
    }

    /** The device path of the SATA disk on q35's AHCI port {@code port}. */
    public static DevicePath diskPath(int port) {
        return DevicePath.of(DevicePath.pciRoot(0), DevicePath.pci(AHCI_DEVICE, AHCI_FUNCTION),
                DevicePath.sata(port, 0xFFFF, 0));
    }

    /** The HardDrive node of {@code p} (UEFI 2.10 §10.3.5.1). */
    public static DevicePathNode hardDrive(Partition p) {
        return p.scheme() == PartitionTable.Scheme.GPT
                ? DevicePath.hardDriveGpt(p.number(), p.startLba(), p.blocks(), p.uniqueGuid())
                : DevicePath.hardDriveMbr(p.number(), p.startLba(), p.blocks(), p.mbrSignature());
    }

    /** Installs {@code disk} as the SATA disk on {@code port}: its handle, then one child handle per partition. */
    public void install(AttachedDisk disk, int port) {
        DevicePath path = controller.diskPath(port);
        long h = handles.installProtocolInterface(0, Guid.EFI_DEVICE_PATH_PROTOCOL_GUID, devicePath(path)).handle();
        disk.handle = h;
        blockDevice(h, disk.media());
        diskInfo(h, port, disk.media());
        disk.wholeDiskVolume().ifPresent(v -> fileSystem(h, v));
        for (AttachedDisk.Part part : disk.parts()) {
            Partition partition = part.partition();
            DevicePath pp = partition.isLogical() // a child of the extended partition's handle, as PartitionDxe
                    ? path.append(DevicePath.of(hardDrive(partition.extended()), hardDrive(partition)))
                    : path.append(DevicePath.of(hardDrive(partition)));
            long ph = handles.installProtocolInterface(0, Guid.EFI_DEVICE_PATH_PROTOCOL_GUID, devicePath(pp)).handle();
            part.handle = ph;
            blockDevice(ph, part.media());
            handles.installProtocolInterface(ph, Guid.EFI_PARTITION_INFO_PROTOCOL_GUID,
                    PartitionInfo.install(memory, pool, part.partition()));
            typeProtocol(ph, partition);
            part.volume().ifPresent(v -> fileSystem(ph, v));
        }
    }

    /**
     * Adds Block I/O (and the partition's protocols) to an existing handle whose file system is served another way —
     * the {@code --esp} folder's partition, whose SimpleFileSystem stays the host folder.
     */
    public void installPartitionBlocks(long handle, BlockMedia media, Partition partition) {
        blockDevice(handle, media);
        handles.installProtocolInterface(handle, Guid.EFI_PARTITION_INFO_PROTOCOL_GUID,
                PartitionInfo.install(memory, pool, partition));
        typeProtocol(handle, partition);
    }

    /** The partition's type GUID as a protocol with no interface, last, as PartitionDxe installs it. */
    private void typeProtocol(long handle, Partition partition) {
        Guid type = partition.childTypeProtocol();
        if (type != null) {
            handles.installProtocolInterface(handle, type, 0);
        }
    }

    /** A disk handle with DevicePath, BlockIo, DiskIo and DiskIo2 for {@code media}; returns the handle. */
    /** A disk handle for {@code media} on AHCI {@code port} (its path {@link #diskPath}). */
    public long installDisk(int port, BlockMedia media) {
        long h = handles.installProtocolInterface(0, Guid.EFI_DEVICE_PATH_PROTOCOL_GUID, devicePath(controller.diskPath(port)))
                .handle();
        blockDevice(h, media);
        diskInfo(h, port, media);
        return h;
    }

    /** EFI_DISK_INFO_PROTOCOL on a disk handle (AtaBus installs it with Block I/O; partitions have none). */
    private void diskInfo(long handle, int port, BlockMedia media) {
        handles.installProtocolInterface(handle, Guid.EFI_DISK_INFO_PROTOCOL_GUID,
                diskInfo.install(port, media.lastBlock() + 1, controller.ide()));
    }

    private void blockDevice(long handle, BlockMedia media) {
        long b = blockIo.install(media);
        handles.installProtocolInterface(handle, Guid.EFI_BLOCK_IO_PROTOCOL_GUID, b);
        // AtaBus gives the disk's Block I/O and Block I/O 2 one EFI_BLOCK_IO_MEDIA; PartitionDxe gives a partition's
        // Block I/O 2 its own copy (Media2), as the blockio2-probe shows on OVMF
        long media1 = memory.u64(b + 8);
        long media2 = media1;
        if (media.logicalPartition()) {
            media2 = pool.applyAsLong(48);
            memory.write(media2, memory.read(media1, 48));
        }
        handles.installProtocolInterface(handle, Guid.EFI_BLOCK_IO2_PROTOCOL_GUID, blockIo2.install(media, media2));
        handles.installProtocolInterface(handle, Guid.EFI_DISK_IO_PROTOCOL_GUID, diskIo.install(media));
        handles.installProtocolInterface(handle, Guid.EFI_DISK_IO2_PROTOCOL_GUID, diskIo.install2(media));
    }

    private void fileSystem(long handle, EspVolume volume) {
        handles.installProtocolInterface(handle, Guid.EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID, fileSystems.addVolume(volume));
        images.volume(handle, volume);
    }

    private long devicePath(DevicePath path) {
        byte[] bytes = path.toBytes();
        long at = pool.applyAsLong(bytes.length);
        memory.write(at, bytes);
        return at;
    }

    /** Every disk's notes, in order. */
    public static List<String> notes(List<AttachedDisk> disks) {
        return disks.stream().flatMap(d -> d.notes().stream()).toList();
    }
}
