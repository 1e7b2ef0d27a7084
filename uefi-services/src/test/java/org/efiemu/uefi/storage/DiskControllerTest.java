package org.efiemu.uefi.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import java.util.List;
import org.efiemu.uefi.devicepath.DevicePath;
import org.efiemu.uefi.pci.PciDevice;
import org.junit.jupiter.api.Test;

/** Which controller a platform's disks hang on, from its PCI functions, and the device paths OVMF gives them. */
class DiskControllerTest {
    private static PciDevice function(int device, int function, int classCode) {
        byte[] config = new byte[256];
        config[0x09] = (byte) classCode;
        config[0x0A] = (byte) (classCode >>> 8);
        config[0x0B] = (byte) (classCode >>> 16);
        return new PciDevice(0, 0, device, function, 0, 0, 0, config, HexFormat.of().parseHex(String.format(
                "02010c00d041030a0000000001010600%02x%02x7fff0400", function, device)));
    }

    @Test
    void q35DisksAreSataPortsOfTheAhciFunction() {
        DiskController c = DiskController.of(List.of(function(0, 0, 0x060000), function(0x1F, 2, 0x010601)));
        assertThat(c).isEqualTo(DiskController.Q35_AHCI);
        assertThat(c.diskPath(1).toString()).isEqualTo("PciRoot(0x0)/Pci(0x1F,0x2)/Sata(0x1,0xFFFF,0x0)");
    }

    @Test
    void pcDisksAreIdeDrivesOfThePiix3Function() {
        DiskController c = DiskController.of(List.of(function(0, 0, 0x060000), function(1, 0, 0x060100),
                function(1, 1, 0x010180)));
        assertThat(c.ide()).isTrue();
        assertThat(c.diskPath(0).toString()).isEqualTo("PciRoot(0x0)/Pci(0x1,0x1)/Ata(Primary,Master,0x0)");
        assertThat(c.diskPath(3).toString()).isEqualTo("PciRoot(0x0)/Pci(0x1,0x1)/Ata(Secondary,Slave,0x0)");
        // OVMF's bytes for the primary master (the ovmf-pc-2g capture's fw: image device-path)
        assertThat(HexFormat.of().formatHex(c.diskPath(0).toBytes()))
                .isEqualTo("02010c00d041030a0000000001010600010103010800000000007fff0400");
        assertThat(DevicePath.fromText("PciRoot(0x0)/Pci(0x1,0x1)/Ata(Primary,Master,0x0)")).isEqualTo(c.diskPath(0));
        assertThatThrownBy(() -> c.diskPath(4)).hasMessageContaining("expected 0..3");
    }

    @Test
    void aPlatformWithoutPciFunctionsKeepsQ35sAhciController() {
        assertThat(DiskController.of(List.of())).isEqualTo(DiskController.Q35_AHCI);
    }
}
