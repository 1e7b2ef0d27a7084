package org.efiemu.uefi.storage;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
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
 * through their BY_CHILD_CONTROLLER opens, as on OVMF. DiskIoDxe's Supported/Start/Stop and PartitionDxe's and the FAT
 * driver's Stop run too ({@code DiskIoDriverBinding*}, {@code PartitionDriverBindingStop}, {@code FatDriverBindingStop}
 * of EDK2 2022.11): DisconnectController(disk, NULL, NULL) destroys the partition handles (their file systems first)
 * and takes the Disk I/O off the disk; a later ConnectController(disk, NULL, NULL, TRUE) installs the same interfaces on
 * new handles, as OVMF does.
 */
public final class DiskDrivers {
    /** EDK2 PartitionDxe's FFS file GUID (MdeModulePkg/Universal/Disk/PartitionDxe/PartitionDxe.inf). */
    public static final Guid PARTITION_DXE = Guid.parse("1FA1F39E-FEFF-4AAE-BD7B-38A070A3B609");
    /** EDK2 DiskIoDxe's FFS file GUID. */
    public static final Guid DISK_IO_DXE = Guid.parse("6B38F7B4-AD98-40E9-9093-ACA2B5A253C4");
    /** EDK2 Fat (FatPkg/EnhancedFatDxe/Fat.inf) FFS file GUID. */
    public static final Guid FAT = Guid.parse("961578FE-B6B7-44C3-AF35-6BC705CD2B1F");
    /**
     * {@code gPartitionDriverBinding.Version}, {@code gFatDriverBinding.Version} and {@code gDiskIoDriverBinding.Version}
     * in EDK2 2022.11.
     */
    public static final long PARTITION_VERSION = 0xB, FAT_VERSION = 0xA, DISK_IO_VERSION = 0xA;
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
    /** Every disk and partition efiemu serves, in creation order. */
    private final List<Device> devices = new ArrayList<>();
    /** Told when a FAT file system moves to a new handle (its partition was destroyed and made again). */
    private FileSystemMoves moves = (from, to) -> { };

    /** What the FAT driver's Stop and a later Start do to the volumes efiemu serves (see {@link #onVolumes}). */
    private FileSystemVolumes volumes = new FileSystemVolumes() {
        @Override
        public void abandon(long handle, long fileSystem) {
        }

        @Override
        public long remount(long fileSystem) {
            return fileSystem;
        }
    };

    /**
     * The FAT driver's volumes as EDK2 2022.11 keeps them (FatPkg/EnhancedFatDxe): {@code FatDriverBindingStop}
     * abandons the volume ({@code FatAbandonVolume}: the files open on it get a permanent error, its
     * {@code FAT_VOLUME} is freed once they are closed) and a later {@code FatDriverBindingStart} allocates a new one
     * ({@code FatAllocateVolume}: a new EFI_SIMPLE_FILE_SYSTEM_PROTOCOL interface).
     */
    public interface FileSystemVolumes {
        /** {@code FatAbandonVolume}: the Simple File System {@code fileSystem} was uninstalled from {@code handle}. */
        void abandon(long handle, long fileSystem);

        /** {@code FatAllocateVolume}: a new interface for the volume {@code fileSystem} served; returns it. */
        long remount(long fileSystem);
    }

    /** Disk I/O over a Block I/O efiemu does not serve (a guest driver's); null: DiskIoDxe does not start there. */
    private GuestDiskIo guestDiskIo;

    /**
     * EDK2 DiskIoDxe's instance on a Block I/O efiemu does not serve (a guest driver's, e.g. a RAM disk): a Disk I/O
     * (and a Disk I/O 2 when the handle has Block I/O 2) whose reads and writes call that Block I/O.
     */
    public interface GuestDiskIo {
        /** Disk I/O, and Disk I/O 2 (0 unless {@code two}), over Block I/O {@code blockIo}; null when it is unusable. */
        long[] install(long blockIo, boolean two);

        /** DiskIoDxe's Stop uninstalled {@code diskIo} (a Disk I/O or Disk I/O 2 {@link #install} made). */
        void forget(long diskIo);
    }

    /** Where a file system efiemu serves went when its partition handle was made again. */
    @FunctionalInterface
    public interface FileSystemMoves {
        void moved(long fromHandle, long toHandle);
    }

    /**
     * One disk or partition: its current handle (0 while a Stop has destroyed it), the interfaces efiemu made for its
     * media (installed again, on a new handle, when PartitionDxe makes the partition again), its partition table's
     * children when it has one.
     */
    private static final class Device {
        long handle;
        final boolean fat;
        /** What PartitionDxe installs on a child handle: DevicePath, Block I/O, Block I/O 2, Partition Info. */
        final List<Map.Entry<Guid, Long>> partitionProtocols = new ArrayList<>();
        final long diskIo;
        final long diskIo2;
        /** The FAT volume's current Simple File System interface (a new one after each Stop and Start). */
        long fileSystem;
        boolean gpt;
        List<Device> children;
        /** The DevicePath interface PartitionDxe installs on the child (0 when it has none). */
        long devicePath() {
            return partitionProtocols.stream().filter(e -> e.getKey().equals(Guid.EFI_DEVICE_PATH_PROTOCOL_GUID))
                    .mapToLong(Map.Entry::getValue).findFirst().orElse(0);
        }

        /** {@code PARTITION_PRIVATE_DATA.InStop}. */
        boolean inStop;

        /** The handle the file system was last on (where ImageServices finds its volume). */
        long lastFileSystemHandle;

        Device(long handle, boolean fat, long diskIo, long diskIo2, long fileSystem) {
            this.handle = handle;
            this.lastFileSystemHandle = handle;
            this.fat = fat;
            this.diskIo = diskIo;
            this.diskIo2 = diskIo2;
            this.fileSystem = fileSystem;
        }
    }

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
            block(p.handle(), p.volume().isPresent(), p.partition().childTypeProtocol());
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

    /**
     * A disk or partition handle; {@code fatVolume} when efiemu serves a FAT file system on it. Its interfaces (as
     * installed now) are what DiskIoDxe, PartitionDxe and the FAT driver install again after their Stop.
     */
    public void block(long handle, boolean fatVolume) {
        block(handle, fatVolume, null);
    }

    /**
     * As {@link #block(long, boolean)} for a partition whose type GUID PartitionDxe installs with no interface
     * ({@code typeProtocol}, null when none): uninstalled by Stop and installed again with the other interfaces.
     */
    public void block(long handle, boolean fatVolume, Guid typeProtocol) {
        Device d = new Device(handle, fatVolume, db.interfacePointer(handle, Guid.EFI_DISK_IO_PROTOCOL_GUID),
                db.interfacePointer(handle, Guid.EFI_DISK_IO2_PROTOCOL_GUID),
                db.interfacePointer(handle, Guid.EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID));
        // PartitionInstallChildHandle's InstallMultipleProtocolInterfaces order
        for (Guid g : List.of(Guid.EFI_DEVICE_PATH_PROTOCOL_GUID, Guid.EFI_BLOCK_IO_PROTOCOL_GUID,
                Guid.EFI_BLOCK_IO2_PROTOCOL_GUID, Guid.EFI_PARTITION_INFO_PROTOCOL_GUID)) {
            long p = db.interfacePointer(handle, g);
            if (p != 0) {
                d.partitionProtocols.add(Map.entry(g, p));
            }
        }
        if (typeProtocol != null && db.protocolsPerHandle(handle).contains(typeProtocol)) {
            d.partitionProtocols.add(Map.entry(typeProtocol, 0L));
        }
        devices.add(d);
    }

    /** {@code handle} holds a partition table (GPT or MBR) whose partitions are {@code children}. */
    public void parent(long handle, boolean gpt, List<Long> children) {
        Device d = device(handle);
        if (d == null) {
            throw new IllegalArgumentException(String.format("handle 0x%X is no disk or partition given to block()", handle));
        }
        d.gpt = gpt;
        d.children = new ArrayList<>();
        for (long c : children) {
            Device child = device(c);
            if (child == null) {
                throw new IllegalArgumentException(String.format(
                        "partition handle 0x%X is no disk or partition given to block()", c));
            }
            d.children.add(child);
        }
    }

    /** Where the FAT file systems go when their partition is made again on a new handle. */
    public void onFileSystemMoves(FileSystemMoves moves) {
        this.moves = Objects.requireNonNull(moves, "moves");
    }

    /** DiskIoDxe on a Block I/O efiemu does not serve ({@link GuestDiskIo}). */
    public void onGuestBlockIo(GuestDiskIo guestDiskIo) {
        this.guestDiskIo = Objects.requireNonNull(guestDiskIo, "guestDiskIo");
    }

    /** What the FAT driver's Stop and Start do to the volumes' open files and interfaces. */
    public void onVolumes(FileSystemVolumes volumes) {
        this.volumes = Objects.requireNonNull(volumes, "volumes");
    }

    /** The disk or partition whose current handle is {@code handle}, or null. */
    private Device device(long handle) {
        if (handle == 0) {
            return null;
        }
        for (Device d : devices) {
            if (d.handle == handle) {
                return d;
            }
        }
        return null;
    }

    /**
     * The opens OVMF's drivers have made when BDS starts an application: DiskIoDxe's BY_DRIVER opens of every
     * handle's Block I/O (2) (it installed the Disk I/O there), then {@link #BOOT_CONNECT_PASSES} passes of
     * PartitionDxe's and the FAT driver's Supported/Start (by Version, as ConnectController orders them) over every
     * handle in creation order.
     */
    public void bootConnect() {
        List<Long> blocks = devices.stream().map(d -> d.handle).toList();
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
                this::partitionStart, this::partitionStop);
    }

    /** EDK2's FAT driver's driver binding (its Supported and Start do not look at RemainingDevicePath). */
    public DriverSupport.BuiltInDriver fatDriver() {
        return new Binding(fat, FAT_VERSION, "Fat", (controller, remaining) -> fatSupported(controller),
                (controller, remaining) -> fatStart(controller), (controller, children, hooks) -> fatStop(controller,
                        hooks));
    }

    /** EDK2 DiskIoDxe's driver binding (it does not look at RemainingDevicePath). */
    public DriverSupport.BuiltInDriver diskIoDriver() {
        return new Binding(diskIoDxe, DISK_IO_VERSION, "DiskIoDxe", (controller, remaining) -> diskIoSupported(controller),
                (controller, remaining) -> diskIoStart(controller), (controller, children, hooks) -> diskIoStop(controller,
                        hooks));
    }

    /** {@code Supported} or {@code Start} of a driver binding: (ControllerHandle, RemainingDevicePath) to a status. */
    @FunctionalInterface
    private interface BindingFunction {
        EfiStatus call(long controller, long remaining);
    }

    /** {@code Stop} of a driver binding. */
    @FunctionalInterface
    private interface StopFunction {
        EfiStatus call(long controller, List<Long> children, HandleDatabase.DriverHooks hooks);
    }

    /** A driver binding of this model: its handle, Version and name, and the model's Supported, Start and Stop. */
    private record Binding(long handle, long version, String name, BindingFunction supportedFunction,
            BindingFunction startFunction, StopFunction stopFunction) implements DriverSupport.BuiltInDriver {
        @Override
        public EfiStatus supported(long controller, long remaining) {
            return supportedFunction.call(controller, remaining);
        }

        @Override
        public EfiStatus start(long controller, long remaining) {
            return startFunction.call(controller, remaining);
        }

        @Override
        public EfiStatus stop(long controller, List<Long> children, HandleDatabase.DriverHooks hooks) {
            return stopFunction.call(controller, children, hooks);
        }

        @Override
        public boolean stoppable() {
            return true;
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
        Device p = device(controller);
        if (p == null || p.children == null) {
            return EfiStatus.NOT_FOUND;
        }
        for (Device child : p.children) {
            if (child.handle != 0 && db.interfacePointer(child.handle, Guid.EFI_DEVICE_PATH_PROTOCOL_GUID)
                    != child.devicePath()) {
                child.handle = 0; // its protocols were removed some other way: made again, as a new child
            }
            if (child.handle == 0) {
                // PartitionInstallChildHandle: the child's handle, then the parent's Disk I/O open BY_CHILD_CONTROLLER
                var r = db.installMultipleProtocolInterfaces(0, child.partitionProtocols);
                if (r.status().isError()) {
                    continue;
                }
                child.handle = r.handle();
                open(controller, Guid.EFI_DISK_IO_PROTOCOL_GUID, partitionDxe, child.handle,
                        OpenAttributes.BY_CHILD_CONTROLLER);
                continue;
            }
            boolean opened = false;
            for (OpenProtocolEntry e : db.openProtocolInformation(controller, Guid.EFI_DISK_IO_PROTOCOL_GUID)) {
                opened |= e.agentHandle() == partitionDxe && e.controllerHandle() == child.handle
                        && e.attributes() == OpenAttributes.BY_CHILD_CONTROLLER;
            }
            if (!opened) {
                open(controller, Guid.EFI_DISK_IO_PROTOCOL_GUID, partitionDxe, child.handle,
                        OpenAttributes.BY_CHILD_CONTROLLER);
            }
        }
        return p.gpt || !p.children.isEmpty() ? EfiStatus.SUCCESS : EfiStatus.NOT_FOUND;
    }

    /** {@code HasChildren}: a BY_CHILD_CONTROLLER open of {@code controller}'s Disk I/O remains. */
    private boolean hasChildren(long controller) {
        return db.openProtocolInformation(controller, Guid.EFI_DISK_IO_PROTOCOL_GUID).stream()
                .anyMatch(e -> (e.attributes() & OpenAttributes.BY_CHILD_CONTROLLER) != 0);
    }

    /**
     * {@code PartitionDriverBindingStop}: with no children, EFI_DEVICE_ERROR while a child remains, else the disk's
     * Disk I/O (2) and DevicePath closed; with children, each one's BY_CHILD_CONTROLLER open closed and its DevicePath,
     * Block I/O (2) and Partition Info uninstalled (which first stops the drivers holding them: DiskIoDxe, through its
     * Disk I/O the FAT driver or a guest driver); a child whose uninstall is refused is opened again and Stop is
     * EFI_DEVICE_ERROR.
     */
    EfiStatus partitionStop(long controller, List<Long> children, HandleDatabase.DriverHooks hooks) {
        if (children.isEmpty()) {
            if (hasChildren(controller)) {
                return EfiStatus.DEVICE_ERROR;
            }
            db.closeProtocol(controller, Guid.EFI_DISK_IO_PROTOCOL_GUID, partitionDxe, controller);
            db.closeProtocol(controller, Guid.EFI_DISK_IO2_PROTOCOL_GUID, partitionDxe, controller);
            db.closeProtocol(controller, Guid.EFI_DEVICE_PATH_PROTOCOL_GUID, partitionDxe, controller);
            return EfiStatus.SUCCESS;
        }
        boolean allStopped = true;
        for (long handle : children) {
            Device child = device(handle);
            if (child == null) {
                allStopped = false; // no partition this driver made: nothing it can uninstall
                continue;
            }
            if (child.inStop) {
                break; // the re-entry of a Stop already under way on this child
            }
            open(handle, Guid.EFI_BLOCK_IO_PROTOCOL_GUID, partitionDxe, controller, OpenAttributes.GET_PROTOCOL);
            open(handle, Guid.EFI_BLOCK_IO2_PROTOCOL_GUID, partitionDxe, controller, OpenAttributes.GET_PROTOCOL);
            child.inStop = true;
            db.closeProtocol(controller, Guid.EFI_DISK_IO_PROTOCOL_GUID, partitionDxe, handle);
            EfiStatus s = db.uninstallMultipleProtocolInterfaces(handle, child.partitionProtocols, hooks);
            child.inStop = false;
            if (s.isError()) {
                open(controller, Guid.EFI_DISK_IO_PROTOCOL_GUID, partitionDxe, handle, OpenAttributes.BY_CHILD_CONTROLLER);
                allStopped = false;
            } else {
                child.handle = 0; // its protocols are gone (with the last one, the handle)
            }
        }
        return allStopped ? EfiStatus.SUCCESS : EfiStatus.DEVICE_ERROR;
    }

    /**
     * {@code DiskIoDriverBindingSupported}: Block I/O BY_DRIVER opened and closed again, on the media efiemu serves and,
     * with a {@link GuestDiskIo}, on any other Block I/O.
     */
    EfiStatus diskIoSupported(long controller) {
        if (device(controller) == null && guestDiskIo == null) {
            return EfiStatus.UNSUPPORTED;
        }
        EfiStatus s = open(controller, Guid.EFI_BLOCK_IO_PROTOCOL_GUID, diskIoDxe, controller, OpenAttributes.BY_DRIVER);
        if (s.isError()) {
            return s;
        }
        db.closeProtocol(controller, Guid.EFI_BLOCK_IO_PROTOCOL_GUID, diskIoDxe, controller);
        return EfiStatus.SUCCESS;
    }

    /** {@code DiskIoDriverBindingStart}: Block I/O (2) BY_DRIVER, then the media's Disk I/O (and Disk I/O 2) installed. */
    EfiStatus diskIoStart(long controller) {
        Device d = device(controller);
        if ((d == null || d.diskIo == 0) && (d != null || guestDiskIo == null)) {
            return EfiStatus.UNSUPPORTED;
        }
        var blockIo = db.openProtocol(controller, Guid.EFI_BLOCK_IO_PROTOCOL_GUID, diskIoDxe, controller,
                OpenAttributes.BY_DRIVER);
        EfiStatus s = blockIo.status();
        if (s.isError()) {
            return s;
        }
        boolean two = !open(controller, Guid.EFI_BLOCK_IO2_PROTOCOL_GUID, diskIoDxe, controller,
                OpenAttributes.BY_DRIVER).isError();
        long diskIo;
        long diskIo2;
        if (d != null) {
            diskIo = d.diskIo;
            diskIo2 = two ? d.diskIo2 : 0;
        } else { // a Block I/O that is guest code: a new DISK_IO_PRIVATE_DATA over it
            long[] made = guestDiskIo.install(blockIo.interfacePointer(), two);
            if (made == null) {
                db.closeProtocol(controller, Guid.EFI_BLOCK_IO_PROTOCOL_GUID, diskIoDxe, controller);
                return EfiStatus.DEVICE_ERROR;
            }
            diskIo = made[0];
            diskIo2 = made[1];
        }
        List<Map.Entry<Guid, Long>> pairs = diskIo2 != 0
                ? List.of(Map.entry(Guid.EFI_DISK_IO_PROTOCOL_GUID, diskIo), Map.entry(Guid.EFI_DISK_IO2_PROTOCOL_GUID,
                        diskIo2))
                : List.of(Map.entry(Guid.EFI_DISK_IO_PROTOCOL_GUID, diskIo));
        s = db.installMultipleProtocolInterfaces(controller, pairs).status();
        if (s.isError()) {
            db.closeProtocol(controller, Guid.EFI_BLOCK_IO_PROTOCOL_GUID, diskIoDxe, controller);
        }
        return s;
    }

    /** {@code DiskIoDriverBindingStop}: Disk I/O (2) uninstalled (its holders stopped first), Block I/O (2) closed. */
    EfiStatus diskIoStop(long controller, HandleDatabase.DriverHooks hooks) {
        var io = db.openProtocol(controller, Guid.EFI_DISK_IO_PROTOCOL_GUID, diskIoDxe, controller,
                OpenAttributes.GET_PROTOCOL);
        if (io.status().isError()) {
            return io.status();
        }
        var io2 = db.openProtocol(controller, Guid.EFI_DISK_IO2_PROTOCOL_GUID, diskIoDxe, controller,
                OpenAttributes.GET_PROTOCOL);
        List<Map.Entry<Guid, Long>> pairs = io2.status().isError()
                ? List.of(Map.entry(Guid.EFI_DISK_IO_PROTOCOL_GUID, io.interfacePointer()))
                : List.of(Map.entry(Guid.EFI_DISK_IO_PROTOCOL_GUID, io.interfacePointer()),
                        Map.entry(Guid.EFI_DISK_IO2_PROTOCOL_GUID, io2.interfacePointer()));
        EfiStatus s = db.uninstallMultipleProtocolInterfaces(controller, pairs, hooks);
        if (!s.isError()) {
            if (device(controller) == null && guestDiskIo != null) {
                pairs.forEach(p -> guestDiskIo.forget(p.getValue()));
            }
            db.closeProtocol(controller, Guid.EFI_BLOCK_IO_PROTOCOL_GUID, diskIoDxe, controller);
            if (!io2.status().isError()) {
                db.closeProtocol(controller, Guid.EFI_BLOCK_IO2_PROTOCOL_GUID, diskIoDxe, controller);
            }
        }
        return s;
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
        Device d = device(controller);
        if (d != null && d.fat) {
            if (d.fileSystem != 0 && db.interfacePointer(controller, Guid.EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID) == 0) {
                // FatAllocateVolume after a Stop: a new volume (a new interface) for the contents efiemu serves, on
                // the handle (the same one, or the partition's new handle when PartitionDxe made it again)
                d.fileSystem = volumes.remount(d.fileSystem);
                db.installMultipleProtocolInterfaces(controller,
                        List.of(Map.entry(Guid.EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID, d.fileSystem)));
                if (d.lastFileSystemHandle != controller) {
                    moves.moved(d.lastFileSystemHandle, controller);
                }
            }
            d.lastFileSystemHandle = controller;
            return EfiStatus.SUCCESS;
        }
        db.closeProtocol(controller, Guid.EFI_DISK_IO_PROTOCOL_GUID, fat, controller);
        db.closeProtocol(controller, Guid.EFI_DISK_IO2_PROTOCOL_GUID, fat, controller);
        return EfiStatus.UNSUPPORTED;
    }

    /**
     * {@code FatDriverBindingStop}: the volume's Simple File System uninstalled ({@code FatAbandonVolume}; a driver
     * holding it is stopped first) and the files open on it abandoned (they answer EFI_MEDIA_CHANGED from then on:
     * the media is still present), then the Disk I/O (2) closed; no Simple File System is EFI_UNSUPPORTED.
     */
    EfiStatus fatStop(long controller, HandleDatabase.DriverHooks hooks) {
        var fs = db.openProtocol(controller, Guid.EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID, fat, controller,
                OpenAttributes.GET_PROTOCOL);
        if (fs.status().isError()) {
            return fs.status();
        }
        EfiStatus s = db.uninstallMultipleProtocolInterfaces(controller,
                List.of(Map.entry(Guid.EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID, fs.interfacePointer())), hooks);
        if (s.isError()) {
            return s;
        }
        volumes.abandon(controller, fs.interfacePointer());
        db.closeProtocol(controller, Guid.EFI_DISK_IO2_PROTOCOL_GUID, fat, controller);
        db.closeProtocol(controller, Guid.EFI_DISK_IO_PROTOCOL_GUID, fat, controller);
        return EfiStatus.SUCCESS;
    }
}
