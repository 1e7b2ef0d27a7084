package org.efiemu.uefi.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.efiemu.uefi.handle.DriverSupport;
import org.efiemu.uefi.handle.HandleDatabase;
import org.efiemu.uefi.handle.OpenAttributes;
import org.efiemu.uefi.handle.OpenProtocolEntry;
import org.efiemu.uefi.spec.EfiStatus;
import org.efiemu.uefi.spec.Guid;
import org.junit.jupiter.api.Test;

/**
 * {@link DiskDrivers} over a bare handle database: the opens EDK2 2022.11's PartitionDxe and FAT driver make
 * (PartitionDriverBindingSupported/Start, FatDriverBindingSupported/Start) and the statuses ConnectController sees.
 */
class DiskDriversTest {
    private long next = 0x1000;
    private final HandleDatabase db = new HandleDatabase(() -> next += 0x10, e -> { }, p -> null);
    private final long partitionDxe = driver();
    private final long diskIoDxe = driver();
    private final long fat = driver();
    private final DiskDrivers drivers = new DiskDrivers(db, a -> 0, partitionDxe, diskIoDxe, fat);

    private long driver() {
        return db.installProtocolInterface(0, Guid.EFI_DRIVER_BINDING_PROTOCOL_GUID, 0x9000 + next).handle();
    }

    /** A disk or partition handle as StorageDevices makes it. */
    private long block() {
        long h = db.installProtocolInterface(0, Guid.EFI_DEVICE_PATH_PROTOCOL_GUID, 0x100 + next).handle();
        for (Guid g : List.of(Guid.EFI_BLOCK_IO_PROTOCOL_GUID, Guid.EFI_BLOCK_IO2_PROTOCOL_GUID,
                Guid.EFI_DISK_IO_PROTOCOL_GUID, Guid.EFI_DISK_IO2_PROTOCOL_GUID)) {
            db.installProtocolInterface(h, g, 0x200 + next);
        }
        return h;
    }

    private List<String> opens(long h, Guid g) {
        return db.openProtocolInformation(h, g).stream().map(this::shown).toList();
    }

    private String shown(OpenProtocolEntry e) {
        String agent = e.agentHandle() == partitionDxe ? "P" : e.agentHandle() == diskIoDxe ? "D" : e.agentHandle() == fat
                ? "F" : "?";
        return agent + " 0x" + Integer.toHexString(e.attributes()) + " x" + e.openCount() + (e.controllerHandle() == 0
                ? " NULL" : "");
    }

    @Test
    void bootConnectMakesEachPartitionAChildOfItsDiskByChildControllerOnTheDisksDiskIo() {
        long disk = block();
        long esp = block();
        long data = block();
        drivers.block(disk, false);
        drivers.block(esp, true);
        drivers.block(data, false);
        drivers.parent(disk, true, List.of(esp, data));
        drivers.bootConnect();

        List<OpenProtocolEntry> diskIo = db.openProtocolInformation(disk, Guid.EFI_DISK_IO_PROTOCOL_GUID);
        assertThat(diskIo).extracting(OpenProtocolEntry::agentHandle).containsOnly(partitionDxe);
        assertThat(diskIo).extracting(OpenProtocolEntry::attributes).containsExactly(OpenAttributes.BY_DRIVER,
                OpenAttributes.BY_CHILD_CONTROLLER, OpenAttributes.BY_CHILD_CONTROLLER);
        assertThat(diskIo).extracting(OpenProtocolEntry::controllerHandle).containsExactly(disk, esp, data);
        // OVMF's counts (part-probe): Start ran once per BDS pass on the disk, Supported reached TEST once
        assertThat(opens(disk, Guid.EFI_BLOCK_IO_PROTOCOL_GUID)).containsExactly("D 0x10 x1", "P 0x4 x1", "P 0x2 x3");
        assertThat(opens(disk, Guid.EFI_DEVICE_PATH_PROTOCOL_GUID)).containsExactly("P 0x10 x1");
        assertThat(opens(disk, Guid.EFI_DISK_IO2_PROTOCOL_GUID)).containsExactly("P 0x10 x1");
        // the FAT partition: PartitionDxe found no table and closed, the FAT driver holds Disk I/O
        assertThat(opens(esp, Guid.EFI_BLOCK_IO_PROTOCOL_GUID)).containsExactly("D 0x10 x1", "P 0x4 x1", "P 0x2 x1",
                "F 0x4 x1", "F 0x2 x1");
        assertThat(opens(esp, Guid.EFI_DISK_IO_PROTOCOL_GUID)).containsExactly("F 0x10 x1");
        // the partition without a file system: both drivers tried on every pass and closed what they opened
        assertThat(opens(data, Guid.EFI_BLOCK_IO_PROTOCOL_GUID)).containsExactly("D 0x10 x1", "P 0x4 x3", "P 0x2 x3",
                "F 0x4 x3", "F 0x2 x3");
        assertThat(opens(data, Guid.EFI_DISK_IO_PROTOCOL_GUID)).isEmpty();
    }

    @Test
    void partitionDxeSupportedIsSuccessOnADiskItAlreadyManagesAndItsStartFindsTheExistingChildren() {
        long disk = block();
        long part = block();
        drivers.block(disk, false);
        drivers.block(part, false);
        drivers.parent(disk, false, List.of(part));
        drivers.bootConnect();
        DriverSupport.BuiltInDriver p = drivers.partitionDriver();
        assertThat(p.supported(disk, 0)).isEqualTo(EfiStatus.SUCCESS);
        assertThat(p.start(disk, 0)).isEqualTo(EfiStatus.SUCCESS);
        assertThat(db.openProtocolInformation(disk, Guid.EFI_DISK_IO_PROTOCOL_GUID)).filteredOn(
                e -> e.attributes() == OpenAttributes.BY_CHILD_CONTROLLER).hasSize(1);
        // on a partition without a table Start fails (EFI_NOT_FOUND) and leaves no BY_DRIVER open
        assertThat(p.supported(part, 0)).isEqualTo(EfiStatus.SUCCESS);
        assertThat(p.start(part, 0)).isEqualTo(EfiStatus.NOT_FOUND);
        assertThat(db.isManagedByDriver(part)).as("only DiskIoDxe's Block I/O opens").isTrue();
        assertThat(db.openProtocolInformation(part, Guid.EFI_DISK_IO_PROTOCOL_GUID)).isEmpty();
    }

    @Test
    void anMbrDiskWithoutPartitionsIsNotFoundWhereAGptWithoutPartitionsIsSuccess() {
        long mbr = block();
        long gpt = block();
        drivers.block(mbr, false);
        drivers.block(gpt, false);
        drivers.parent(mbr, false, List.of());
        drivers.parent(gpt, true, List.of());
        assertThat(drivers.partitionDriver().start(mbr, 0)).isEqualTo(EfiStatus.NOT_FOUND);
        assertThat(drivers.partitionDriver().start(gpt, 0)).isEqualTo(EfiStatus.SUCCESS);
    }

    @Test
    void theFatDriverIsDeniedADiskPartitionDxeHoldsAndAlreadyStartedOnItsOwnVolume() {
        long disk = block();
        long esp = block();
        drivers.block(disk, false);
        drivers.block(esp, true);
        drivers.parent(disk, true, List.of(esp));
        drivers.bootConnect();
        assertThat(drivers.fatDriver().supported(disk, 0)).isEqualTo(EfiStatus.ACCESS_DENIED);
        assertThat(drivers.fatDriver().supported(esp, 0)).isEqualTo(EfiStatus.ALREADY_STARTED);
    }

    @Test
    void partitionDxeSupportedRefusesARemainingPathThatIsNoHardDriveNode() {
        long disk = block();
        DiskDrivers withPath = new DiskDrivers(db, a -> a == 0x500 ? 3 : 0x10, partitionDxe, diskIoDxe, fat);
        assertThat(withPath.partitionDriver().supported(disk, 0x500)).isEqualTo(EfiStatus.UNSUPPORTED);
    }

    /** The driver model over the three built-in drivers, as DriverAbi runs them (no guest code). */
    private final DriverSupport model = new DriverSupport(db);
    private final Map<Long, DriverSupport.BuiltInDriver> builtIns = new LinkedHashMap<>();
    private final List<long[]> moves = new ArrayList<>();

    private final HandleDatabase.DriverHooks hooks = new HandleDatabase.DriverHooks() {
        @Override
        public EfiStatus disconnect(long controller, long agent) {
            return model.disconnectForExclusiveOpen(controller, agent, calls, new ArrayList<>());
        }

        @Override
        public void connect(long handle) {
            model.connectController(handle, null, 0, false, true, calls);
        }
    };

    private final DriverSupport.DriverCalls calls = new DriverSupport.DriverCalls() {
        @Override
        public DriverSupport.Binding binding(long handle) {
            DriverSupport.BuiltInDriver d = builtIns.get(handle);
            return d == null ? null : new DriverSupport.Binding(handle, db.interfacePointer(handle,
                    Guid.EFI_DRIVER_BINDING_PROTOCOL_GUID), 0, 0, 0, d.version(), handle, handle, d.name());
        }

        @Override
        public EfiStatus supported(DriverSupport.Binding b, long controller, long remaining) {
            return builtIns.get(b.handle()).supported(controller, remaining);
        }

        @Override
        public EfiStatus start(DriverSupport.Binding b, long controller, long remaining) {
            return builtIns.get(b.handle()).start(controller, remaining);
        }

        @Override
        public EfiStatus stop(DriverSupport.Binding b, long controller, List<Long> children) {
            return builtIns.get(b.handle()).stop(controller, children, hooks);
        }

        @Override
        public List<Long> platformOverrides(long controller) {
            return List.of();
        }

        @Override
        public List<Long> busSpecificOverrides(long controller) {
            return List.of();
        }

        @Override
        public OptionalLong familyOverrideVersion(long handle) {
            return OptionalLong.empty();
        }

        @Override
        public boolean anyFamilyOverride() {
            return false;
        }
    };

    /** A GPT disk with a FAT ESP (Simple File System installed) and a data partition, connected as at boot. */
    private long[] connectedGptDisk() {
        long disk = block();
        long esp = block();
        db.installProtocolInterface(esp, Guid.EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID, 0x7700);
        long data = block();
        drivers.block(disk, false);
        drivers.block(esp, true);
        drivers.block(data, false);
        drivers.parent(disk, true, List.of(esp, data));
        drivers.bootConnect();
        drivers.onFileSystemMoves((from, to) -> moves.add(new long[] {from, to}));
        for (DriverSupport.BuiltInDriver d : List.of(drivers.partitionDriver(), drivers.fatDriver(),
                drivers.diskIoDriver())) {
            builtIns.put(d.handle(), d);
        }
        return new long[] {disk, esp, data};
    }

    @Test
    void disconnectOfADiskDestroysItsPartitionsAndTakesItsDiskIoAndConnectMakesThemOnNewHandles() {
        long[] h = connectedGptDisk();
        long disk = h[0];
        long espPath = db.interfacePointer(h[1], Guid.EFI_DEVICE_PATH_PROTOCOL_GUID);
        long dataPath = db.interfacePointer(h[2], Guid.EFI_DEVICE_PATH_PROTOCOL_GUID);

        assertThat(model.disconnectController(disk, 0, 0, calls).status()).isEqualTo(EfiStatus.SUCCESS);
        assertThat(db.isValid(h[1])).isFalse();
        assertThat(db.isValid(h[2])).isFalse();
        assertThat(db.interfacePointer(disk, Guid.EFI_DISK_IO_PROTOCOL_GUID)).as("DiskIoDxe's Stop").isZero();
        assertThat(db.interfacePointer(disk, Guid.EFI_DISK_IO2_PROTOCOL_GUID)).isZero();
        // what OVMF leaves (part-probe's "pq: after-disconnect" lines): PartitionDxe's TEST/GET opens only
        assertThat(opens(disk, Guid.EFI_BLOCK_IO_PROTOCOL_GUID)).containsExactly("P 0x4 x1", "P 0x2 x3");
        assertThat(opens(disk, Guid.EFI_DEVICE_PATH_PROTOCOL_GUID)).isEmpty();
        assertThat(db.isManagedByDriver(disk)).isFalse();

        assertThat(model.connectController(disk, null, 0, false, true, calls).status()).isEqualTo(EfiStatus.SUCCESS);
        List<Long> children = db.openProtocolInformation(disk, Guid.EFI_DISK_IO_PROTOCOL_GUID).stream()
                .filter(e -> e.attributes() == OpenAttributes.BY_CHILD_CONTROLLER).map(OpenProtocolEntry::controllerHandle)
                .toList();
        assertThat(children).hasSize(2).doesNotContain(h[1], h[2]);
        long esp = children.get(0);
        assertThat(db.interfacePointer(esp, Guid.EFI_DEVICE_PATH_PROTOCOL_GUID)).isEqualTo(espPath);
        assertThat(db.interfacePointer(children.get(1), Guid.EFI_DEVICE_PATH_PROTOCOL_GUID)).isEqualTo(dataPath);
        assertThat(db.interfacePointer(esp, Guid.EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID)).isEqualTo(0x7700);
        assertThat(moves).singleElement().satisfies(m -> assertThat(m).containsExactly(h[1], esp));
        // one connect pass on the new ESP: DiskIoDxe, then PartitionDxe (no table), then the FAT driver
        assertThat(opens(esp, Guid.EFI_BLOCK_IO_PROTOCOL_GUID)).containsExactly("D 0x10 x1", "P 0x4 x1", "P 0x2 x1",
                "F 0x4 x1", "F 0x2 x1");
        assertThat(opens(esp, Guid.EFI_DISK_IO_PROTOCOL_GUID)).containsExactly("F 0x10 x1");
        assertThat(opens(disk, Guid.EFI_BLOCK_IO_PROTOCOL_GUID)).containsExactly("P 0x4 x2", "P 0x2 x4", "D 0x10 x1");
    }

    @Test
    void aPartitionWhoseUninstallIsRefusedStaysAChildAndPartitionDxeStopIsDeviceError() {
        long[] h = connectedGptDisk();
        long disk = h[0];
        // an agent that is no driver holds the data partition's Device Path BY_DRIVER: its uninstall is refused
        long app = db.installProtocolInterface(0, Guid.EFI_LOADED_IMAGE_PROTOCOL_GUID, 0x6600).handle();
        assertThat(db.openProtocol(h[2], Guid.EFI_DEVICE_PATH_PROTOCOL_GUID, app, h[2], OpenAttributes.BY_DRIVER)
                .status()).isEqualTo(EfiStatus.SUCCESS);

        EfiStatus stop = drivers.partitionDriver().stop(disk, List.of(h[1], h[2]), hooks);

        assertThat(stop).isEqualTo(EfiStatus.DEVICE_ERROR);
        assertThat(db.isValid(h[1])).as("the ESP went").isFalse();
        assertThat(db.isValid(h[2])).as("the refused child stays").isTrue();
        assertThat(db.interfacePointer(h[2], Guid.EFI_BLOCK_IO_PROTOCOL_GUID)).isNotZero();
        assertThat(db.openProtocolInformation(disk, Guid.EFI_DISK_IO_PROTOCOL_GUID)).filteredOn(
                e -> e.attributes() == OpenAttributes.BY_CHILD_CONTROLLER).extracting(OpenProtocolEntry::controllerHandle)
                .containsExactly(h[2]);
        // Stop with no children while one remains (HasChildren)
        assertThat(drivers.partitionDriver().stop(disk, List.of(), hooks)).isEqualTo(EfiStatus.DEVICE_ERROR);
    }

    @Test
    void anExclusiveOpenOfAPartitionsBlockIoStopsDiskIoDxeAndThroughItTheFatDriver() {
        long[] h = connectedGptDisk();
        long esp = h[1];
        long app = db.installProtocolInterface(0, Guid.EFI_LOADED_IMAGE_PROTOCOL_GUID, 0x6600).handle();
        // CoreOpenProtocol: CoreDisconnectController(Handle, holder, NULL) of each BY_DRIVER holder, then the open
        var r = db.openProtocol(esp, Guid.EFI_BLOCK_IO_PROTOCOL_GUID, app, esp, OpenAttributes.EXCLUSIVE, hooks);
        assertThat(r.status()).isEqualTo(EfiStatus.SUCCESS);
        assertThat(db.interfacePointer(esp, Guid.EFI_DISK_IO_PROTOCOL_GUID)).as("DiskIoDxe's Stop").isZero();
        assertThat(db.interfacePointer(esp, Guid.EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID)).as("Fat's Stop").isZero();
        // the drivers' TEST/GET entries stay (not BY_DRIVER), DiskIoDxe's BY_DRIVER went, the application's is last
        assertThat(opens(esp, Guid.EFI_BLOCK_IO_PROTOCOL_GUID)).containsExactly("P 0x4 x1", "P 0x2 x1", "F 0x4 x1",
                "F 0x2 x1", "? 0x20 x1");
    }

    @Test
    void theFatDriversStopAbandonsTheVolumeAndTheNextStartInstallsANewInterface() {
        long[] h = connectedGptDisk();
        long esp = h[1];
        List<long[]> abandoned = new ArrayList<>();
        drivers.onVolumes(new DiskDrivers.FileSystemVolumes() {
            @Override
            public void abandon(long handle, long fileSystem) {
                abandoned.add(new long[] {handle, fileSystem});
            }

            @Override
            public long remount(long fileSystem) {
                return fileSystem + 0x100;
            }
        });

        // DisconnectController(ESP): DiskIoDxe's Stop uninstalls its Disk I/O, which stops the FAT driver first
        assertThat(model.disconnectController(esp, 0, 0, calls).status()).isEqualTo(EfiStatus.SUCCESS);
        assertThat(abandoned).singleElement().satisfies(a -> assertThat(a).containsExactly(esp, 0x7700));
        assertThat(db.interfacePointer(esp, Guid.EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID)).isZero();

        // FatAllocateVolume: a new FAT_VOLUME, so a new interface, on the same handle
        assertThat(model.connectController(esp, null, 0, false, true, calls).status()).isEqualTo(EfiStatus.SUCCESS);
        assertThat(db.interfacePointer(esp, Guid.EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID)).isEqualTo(0x7800);
        assertThat(moves).as("the volume stays on its handle").isEmpty();

        // a second round: the disk's disconnect destroys the ESP, the abandoned interface is the new one
        assertThat(model.disconnectController(h[0], 0, 0, calls).status()).isEqualTo(EfiStatus.SUCCESS);
        assertThat(abandoned).hasSize(2).last().satisfies(a -> assertThat(a).containsExactly(esp, 0x7800));
        assertThat(model.connectController(h[0], null, 0, false, true, calls).status()).isEqualTo(EfiStatus.SUCCESS);
        long newEsp = moves.get(0)[1];
        assertThat(db.interfacePointer(newEsp, Guid.EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID)).isEqualTo(0x7900);
    }

    @Test
    void diskIoDxeStartsOnAGuestDriversBlockIoWithADiskIoOverItAndItsStopForgetsIt() {
        connectedGptDisk();
        long ramDisk = db.installProtocolInterface(0, Guid.EFI_DEVICE_PATH_PROTOCOL_GUID, 0x4400).handle();
        db.installProtocolInterface(ramDisk, Guid.EFI_BLOCK_IO_PROTOCOL_GUID, 0x4500);
        assertThat(drivers.diskIoDriver().supported(ramDisk, 0)).as("no Disk I/O to put there yet")
                .isEqualTo(EfiStatus.UNSUPPORTED);
        List<Long> made = new ArrayList<>();
        List<Long> forgotten = new ArrayList<>();
        drivers.onGuestBlockIo(new DiskDrivers.GuestDiskIo() {
            @Override
            public long[] install(long blockIo, boolean two) {
                made.add(blockIo);
                return new long[] {0x5500 + made.size(), two ? 0x5600 : 0};
            }

            @Override
            public void forget(long diskIo) {
                forgotten.add(diskIo);
            }
        });

        assertThat(model.connectController(ramDisk, null, 0, false, true, calls).status()).isEqualTo(EfiStatus.SUCCESS);
        assertThat(made).containsExactly(0x4500L);
        assertThat(db.interfacePointer(ramDisk, Guid.EFI_DISK_IO_PROTOCOL_GUID)).isEqualTo(0x5501);
        assertThat(db.interfacePointer(ramDisk, Guid.EFI_DISK_IO2_PROTOCOL_GUID)).as("no Block I/O 2").isZero();
        // DiskIoDxe holds the Block I/O; PartitionDxe (no table) and Fat (no FAT) left their TEST/GET opens only
        assertThat(opens(ramDisk, Guid.EFI_BLOCK_IO_PROTOCOL_GUID)).containsExactly("D 0x10 x1", "P 0x4 x1", "P 0x2 x1",
                "F 0x4 x1", "F 0x2 x1");
        assertThat(opens(ramDisk, Guid.EFI_DISK_IO_PROTOCOL_GUID)).isEmpty();

        assertThat(model.disconnectController(ramDisk, 0, 0, calls).status()).isEqualTo(EfiStatus.SUCCESS);
        assertThat(db.interfacePointer(ramDisk, Guid.EFI_DISK_IO_PROTOCOL_GUID)).isZero();
        assertThat(forgotten).containsExactly(0x5501L);
        assertThat(model.connectController(ramDisk, null, 0, false, true, calls).status()).isEqualTo(EfiStatus.SUCCESS);
        assertThat(db.interfacePointer(ramDisk, Guid.EFI_DISK_IO_PROTOCOL_GUID)).as("a new instance").isEqualTo(0x5502);
    }
}
