package org.efiemu.uefi.storage;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.LongToIntFunction;
import org.efiemu.uefi.handle.DriverSupport;
import org.efiemu.uefi.handle.HandleDatabase;
import org.efiemu.uefi.handle.OpenAttributes;
import org.efiemu.uefi.handle.OpenProtocolEntry;
import org.efiemu.uefi.spec.EfiStatus;
import org.efiemu.uefi.spec.Guid;

/**
 * The driver-model side of efiemu's disks, as OVMF's drivers leave it (UEFI 2.10 §7.3.9 OpenProtocol, §7.3.12
 * ConnectController, §11.1 EFI Driver Binding Protocol, §13.7-13.9 Block I/O and Disk I/O): each partition is a child
 * handle of its disk (or of its extended partition) that EDK2's PartitionDxe made, and the disk's and partitions'
 * protocols are open as PartitionDxe, DiskIoDxe and the FAT driver ({@code FatPkg/EnhancedFatDxe}) open them. The
 * agents are the captured firmware's image handles of those three drivers (a profile's {@code handle:} lines with
 * their FvFile paths); PartitionDxe's and the FAT driver's Supported and Start run in Java (the opens, closes and
 * statuses of EDK2 2022.11's {@code PartitionDriverBindingSupported/Start}, {@code FatDriverBindingSupported/Start}),
 * so ConnectController(disk, NULL, NULL, TRUE) succeeds on a disk with a partition table and reaches its partitions
 * through their BY_CHILD_CONTROLLER opens, as on OVMF. Their Stop is not modelled: DisconnectController treats them as
 * a captured firmware's drivers (not run, the handles stay).
 */
public final class DiskDrivers {
    /** EDK2 PartitionDxe's FFS file GUID (MdeModulePkg/Universal/Disk/PartitionDxe/PartitionDxe.inf). */
    public static final Guid PARTITION_DXE = Guid.parse("1FA1F39E-FEFF-4AAE-BD7B-38A070A3B609");
    /** EDK2 DiskIoDxe's FFS file GUID. */
    public static final Guid DISK_IO_DXE = Guid.parse("6B38F7B4-AD98-40E9-9093-ACA2B5A253C4");
    /** EDK2 Fat (FatPkg/EnhancedFatDxe/Fat.inf) FFS file GUID. */
    public static final Guid FAT = Guid.parse("961578FE-B6B7-44C3-AF35-6BC705CD2B1F");
    /** {@code gPartitionDriverBinding.Version} and {@code gFatDriverBinding.Version} in EDK2 2022.11. */
    public static final long PARTITION_VERSION = 0xB, FAT_VERSION = 0xA;
    /**
     * How many times OVMF's BDS has connected every disk handle when an application starts, as the open counts
     * QEMU + OVMF show (part-probe: PartitionDxe's GET_PROTOCOL count 3 on a GPT disk, TEST_PROTOCOL and
     * GET_PROTOCOL 3 on a partition no driver takes): measured, not derived from BDS's code.
     */
    public static final int BOOT_CONNECT_PASSES = 3;

    private static final int HARDDRIVE_NODE_LENGTH = 42;

    private final HandleDatabase db;
    /** A guest byte (the RemainingDevicePath node Supported looks at). */
    private final LongToIntFunction byteAt;
    private final long partitionDxe;
    private final long diskIoDxe;
    private final long fat;
    /** Disks and extended partitions with a partition table: their child handles, and whether the table is GPT. */
    private final Map<Long, Parent> parents = new LinkedHashMap<>();
    /** Every disk and partition handle, in creation order. */
    private final Set<Long> blocks = new LinkedHashSet<>();
    /** The handles whose FAT file system efiemu serves (the FAT driver's Start finds a volume there). */
    private final Set<Long> fatVolumes = new LinkedHashSet<>();

    private record Parent(boolean gpt, List<Long> children) {}

    /**
     * @param partitionDxe PartitionDxe's image handle (its DriverBindingHandle)
     * @param diskIoDxe DiskIoDxe's image handle
     * @param fat the FAT driver's image handle
     * @param byteAt reads one guest byte (for a RemainingDevicePath)
     */
    public DiskDrivers(HandleDatabase db, LongToIntFunction byteAt, long partitionDxe, long diskIoDxe, long fat) {
        this.db = Objects.requireNonNull(db, "db");
        this.byteAt = Objects.requireNonNull(byteAt, "byteAt");
        this.partitionDxe = partitionDxe;
        this.diskIoDxe = diskIoDxe;
        this.fat = fat;
    }

    /** Adds every handle of {@code disk} (installed by {@link StorageDevices#install}): the disk, then its partitions. */
    public void add(AttachedDisk disk) {
        List<Long> primary = new ArrayList<>();
        Map<org.efiemu.uefi.disk.Partition, List<Long>> logical = new LinkedHashMap<>();
        block(disk.handle(), disk.wholeDiskVolume().isPresent());
        for (AttachedDisk.Part p : disk.parts()) {
            block(p.handle(), p.volume().isPresent());
            if (p.partition().isLogical()) {
                logical.computeIfAbsent(p.partition().extended(), k -> new ArrayList<>()).add(p.handle());
            } else {
                primary.add(p.handle());
            }
        }
        if (disk.table().scheme() != org.efiemu.uefi.disk.PartitionTable.Scheme.NONE) {
            parent(disk.handle(), disk.table().scheme() == org.efiemu.uefi.disk.PartitionTable.Scheme.GPT, primary);
        }
        for (AttachedDisk.Part p : disk.parts()) {
            List<Long> inside = logical.get(p.partition());
            if (inside != null) {
                parent(p.handle(), false, inside);
            }
        }
    }

    /** A disk or partition handle; {@code fatVolume} when efiemu serves a FAT file system on it. */
    public void block(long handle, boolean fatVolume) {
        blocks.add(handle);
        if (fatVolume) {
            fatVolumes.add(handle);
        }
    }

    /** {@code handle} holds a partition table (GPT or MBR) whose partitions are {@code children}. */
    public void parent(long handle, boolean gpt, List<Long> children) {
        parents.put(handle, new Parent(gpt, List.copyOf(children)));
    }

    /**
     * The opens OVMF's drivers have made when BDS starts an application: DiskIoDxe's BY_DRIVER opens of every
     * handle's Block I/O (2) (it installed the Disk I/O there), then {@link #BOOT_CONNECT_PASSES} passes of
     * PartitionDxe's and the FAT driver's Supported/Start (by Version, as ConnectController orders them) over every
     * handle in creation order.
     */
    public void bootConnect() {
        for (long h : blocks) {
            for (Guid g : List.of(Guid.EFI_BLOCK_IO_PROTOCOL_GUID, Guid.EFI_BLOCK_IO2_PROTOCOL_GUID)) {
                db.openProtocol(h, g, diskIoDxe, h, OpenAttributes.BY_DRIVER);
            }
        }
        List<DriverSupport.BuiltInDriver> byVersion = List.of(partitionDriver(), fatDriver());
        for (int pass = 0; pass < BOOT_CONNECT_PASSES; pass++) {
            for (long h : blocks) {
                for (DriverSupport.BuiltInDriver d : byVersion) {
                    if (!d.supported(h, 0).isError()) {
                        d.start(h, 0);
                    }
                }
            }
        }
    }

    /** EDK2 PartitionDxe's driver binding. */
    public DriverSupport.BuiltInDriver partitionDriver() {
        return new Binding(partitionDxe, PARTITION_VERSION, "PartitionDxe", this::partitionSupported,
                this::partitionStart);
    }

    /** EDK2's FAT driver's driver binding (its Supported and Start do not look at RemainingDevicePath). */
    public DriverSupport.BuiltInDriver fatDriver() {
        return new Binding(fat, FAT_VERSION, "Fat", (controller, remaining) -> fatSupported(controller),
                (controller, remaining) -> fatStart(controller));
    }

    /** {@code Supported} or {@code Start} of a driver binding: (ControllerHandle, RemainingDevicePath) to a status. */
    @FunctionalInterface
    private interface BindingFunction {
        EfiStatus call(long controller, long remaining);
    }

    /** A driver binding of this model: its handle, Version and name, and the model's Supported and Start. */
    private record Binding(long handle, long version, String name, BindingFunction supportedFunction,
            BindingFunction startFunction) implements DriverSupport.BuiltInDriver {
        @Override
        public EfiStatus supported(long controller, long remaining) {
            return supportedFunction.call(controller, remaining);
        }

        @Override
        public EfiStatus start(long controller, long remaining) {
            return startFunction.call(controller, remaining);
        }
    }

    private EfiStatus open(long handle, Guid g, long agent, long controller, int attributes) {
        return db.openProtocol(handle, g, agent, controller, attributes).status();
    }

    private boolean isEnd(long path) {
        return byteAt.applyAsInt(path) == 0x7F && byteAt.applyAsInt(path + 1) == 0xFF;
    }

    /** {@code PartitionDriverBindingSupported}. */
    EfiStatus partitionSupported(long controller, long remaining) {
        if (remaining != 0 && !isEnd(remaining)) {
            // only a HardDrive node (UEFI 2.10 §10.3.5.1) names a partition this driver can make
            if (byteAt.applyAsInt(remaining) != 4 || byteAt.applyAsInt(remaining + 1) != 1 || (byteAt.applyAsInt(remaining + 2)
                    | byteAt.applyAsInt(remaining + 3) << 8) != HARDDRIVE_NODE_LENGTH) {
                return EfiStatus.UNSUPPORTED;
            }
        }
        for (Guid g : List.of(Guid.EFI_DISK_IO_PROTOCOL_GUID, Guid.EFI_DEVICE_PATH_PROTOCOL_GUID)) {
            EfiStatus s = open(controller, g, partitionDxe, controller, OpenAttributes.BY_DRIVER);
            if (s == EfiStatus.ALREADY_STARTED) {
                return EfiStatus.SUCCESS;
            }
            if (s.isError()) {
                return s;
            }
            db.closeProtocol(controller, g, partitionDxe, controller);
        }
        return open(controller, Guid.EFI_BLOCK_IO_PROTOCOL_GUID, partitionDxe, controller, OpenAttributes.TEST_PROTOCOL);
    }

    /** {@code PartitionDriverBindingStart}: the partition detect routines find the children efiemu installed. */
    EfiStatus partitionStart(long controller, long remaining) {
        if (remaining != 0 && isEnd(remaining)) {
            return EfiStatus.SUCCESS;
        }
        EfiStatus s = open(controller, Guid.EFI_BLOCK_IO_PROTOCOL_GUID, partitionDxe, controller,
                OpenAttributes.GET_PROTOCOL);
        if (s.isError()) {
            return s;
        }
        open(controller, Guid.EFI_BLOCK_IO2_PROTOCOL_GUID, partitionDxe, controller, OpenAttributes.GET_PROTOCOL);
        s = open(controller, Guid.EFI_DEVICE_PATH_PROTOCOL_GUID, partitionDxe, controller, OpenAttributes.BY_DRIVER);
        if (s.isError() && s != EfiStatus.ALREADY_STARTED) {
            return s;
        }
        EfiStatus openStatus = open(controller, Guid.EFI_DISK_IO_PROTOCOL_GUID, partitionDxe, controller,
                OpenAttributes.BY_DRIVER);
        if (openStatus.isError() && openStatus != EfiStatus.ALREADY_STARTED) {
            db.closeProtocol(controller, Guid.EFI_DEVICE_PATH_PROTOCOL_GUID, partitionDxe, controller);
            return openStatus;
        }
        open(controller, Guid.EFI_DISK_IO2_PROTOCOL_GUID, partitionDxe, controller, OpenAttributes.BY_DRIVER);
        // efiemu's media are always present: GPT, then UDF, then MBR (mPartitionDetectRoutineTable)
        EfiStatus status = detect(controller);
        if (status.isError() && !openStatus.isError()) {
            db.closeProtocol(controller, Guid.EFI_DISK_IO_PROTOCOL_GUID, partitionDxe, controller);
            db.closeProtocol(controller, Guid.EFI_DISK_IO2_PROTOCOL_GUID, partitionDxe, controller);
            db.closeProtocol(controller, Guid.EFI_DEVICE_PATH_PROTOCOL_GUID, partitionDxe, controller);
        }
        return status;
    }

    /**
     * The detect routines' outcome: a valid GPT is EFI_SUCCESS; an MBR (or an extended partition's chain) is
     * EFI_SUCCESS when it has a partition ({@code PartitionInstallChildHandle} of an existing child is
     * EFI_ALREADY_STARTED, which it turns into EFI_SUCCESS); otherwise EFI_NOT_FOUND. A child made for the first time
     * is opened BY_CHILD_CONTROLLER on the parent's Disk I/O.
     */
    private EfiStatus detect(long controller) {
        Parent p = parents.get(controller);
        if (p == null) {
            return EfiStatus.NOT_FOUND;
        }
        for (long child : p.children()) {
            if (!db.isValid(child)) {
                continue;
            }
            boolean opened = false;
            for (OpenProtocolEntry e : db.openProtocolInformation(controller, Guid.EFI_DISK_IO_PROTOCOL_GUID)) {
                opened |= e.agentHandle() == partitionDxe && e.controllerHandle() == child
                        && e.attributes() == OpenAttributes.BY_CHILD_CONTROLLER;
            }
            if (!opened) {
                open(controller, Guid.EFI_DISK_IO_PROTOCOL_GUID, partitionDxe, child, OpenAttributes.BY_CHILD_CONTROLLER);
            }
        }
        return p.gpt() || !p.children().isEmpty() ? EfiStatus.SUCCESS : EfiStatus.NOT_FOUND;
    }

    /** {@code FatDriverBindingSupported}. */
    EfiStatus fatSupported(long controller) {
        EfiStatus s = open(controller, Guid.EFI_DISK_IO_PROTOCOL_GUID, fat, controller, OpenAttributes.BY_DRIVER);
        if (s.isError()) {
            return s;
        }
        db.closeProtocol(controller, Guid.EFI_DISK_IO_PROTOCOL_GUID, fat, controller);
        return open(controller, Guid.EFI_BLOCK_IO_PROTOCOL_GUID, fat, controller, OpenAttributes.TEST_PROTOCOL);
    }

    /**
     * {@code FatDriverBindingStart}: on a handle whose FAT file system efiemu serves, the volume (its Simple File
     * System is already installed); elsewhere {@code FatAllocateVolume} fails (EFI_UNSUPPORTED) and the Disk I/O opens
     * are closed.
     */
    EfiStatus fatStart(long controller) {
        EfiStatus s = open(controller, Guid.EFI_BLOCK_IO_PROTOCOL_GUID, fat, controller, OpenAttributes.GET_PROTOCOL);
        if (s.isError()) {
            return s;
        }
        s = open(controller, Guid.EFI_DISK_IO_PROTOCOL_GUID, fat, controller, OpenAttributes.BY_DRIVER);
        if (s.isError()) {
            return s;
        }
        open(controller, Guid.EFI_DISK_IO2_PROTOCOL_GUID, fat, controller, OpenAttributes.BY_DRIVER);
        if (fatVolumes.contains(controller)) {
            return EfiStatus.SUCCESS;
        }
        db.closeProtocol(controller, Guid.EFI_DISK_IO_PROTOCOL_GUID, fat, controller);
        db.closeProtocol(controller, Guid.EFI_DISK_IO2_PROTOCOL_GUID, fat, controller);
        return EfiStatus.UNSUPPORTED;
    }
}
