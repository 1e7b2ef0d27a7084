package org.efiemu.uefi.storage;

import java.util.List;
import org.efiemu.uefi.devicepath.DevicePath;
import org.efiemu.uefi.pci.PciDevice;

/**
 * The disk controller a platform's disks hang on, as OVMF names the disks behind it (pure): on q35 the ICH9 AHCI
 * controller (class 01:06:01) at 00:1f.2, disks {@code PciRoot(0x0)/Pci(0x1F,0x2)/Sata(Port,0xFFFF,0x0)} (EDK2's
 * AtaAtapiPassThru in AHCI mode); on QEMU's {@code -machine pc} the PIIX3 IDE function (class 01:01) at 00:01.1,
 * disks {@code PciRoot(0x0)/Pci(0x1,0x1)/Ata(Primary|Secondary,Master|Slave,0x0)} (IDE mode: QEMU's drive index 0 is
 * the primary master, 1 the primary slave, 2 the secondary master, 3 the secondary slave). Chosen from the profile's
 * {@code pci-device} lines: the first AHCI function, else the first IDE function, else q35's AHCI controller (profiles
 * without PCI functions keep the path efiemu always gave).
 *
 * @param device PCI device number of the controller
 * @param function PCI function number
 * @param ide whether it is an IDE (parallel ATA) controller rather than AHCI
 */
public record DiskController(int device, int function, boolean ide) {
    /** q35's ICH9 AHCI controller at 00:1f.2. */
    public static final DiskController Q35_AHCI = new DiskController(0x1F, 2, false);

    /** Drives an IDE controller holds: two channels, a master and a slave on each. */
    public static final int IDE_DRIVES = 4;

    /** The controller of a platform with these PCI functions. */
    public static DiskController of(List<PciDevice> devices) {
        for (PciDevice d : devices) {
            if (d.bus() == 0 && d.classCode() == 0x010601) {
                return new DiskController(d.device(), d.function(), false);
            }
        }
        for (PciDevice d : devices) {
            if (d.bus() == 0 && (d.classCode() >>> 8) == 0x0101) {
                return new DiskController(d.device(), d.function(), true);
            }
        }
        return Q35_AHCI;
    }

    /** The device path of the disk on port {@code port} (AHCI port, or IDE drive index 0-3). */
    public DevicePath diskPath(int port) {
        if (ide && (port < 0 || port >= IDE_DRIVES)) {
            throw new IllegalArgumentException("IDE drive index " + port + ": expected 0..3 (two channels, two drives)");
        }
        return DevicePath.of(DevicePath.pciRoot(0), DevicePath.pci(device, function),
                ide ? DevicePath.ata(port / 2, port % 2, 0) : DevicePath.sata(port, 0xFFFF, 0));
    }
}
