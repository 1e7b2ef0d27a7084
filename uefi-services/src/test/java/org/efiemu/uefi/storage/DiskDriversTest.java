package org.efiemu.uefi.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
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
}
