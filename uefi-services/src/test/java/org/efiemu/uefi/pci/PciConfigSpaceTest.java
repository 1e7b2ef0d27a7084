package org.efiemu.uefi.pci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import java.util.List;
import org.efiemu.uefi.devicepath.DevicePath;
import org.efiemu.uefi.spec.EfiException;
import org.efiemu.uefi.spec.EfiStatus;
import org.junit.jupiter.api.Test;

/** Configuration space reads and writes with the widths and rules of UEFI 2.10 §14.2/§14.4. */
class PciConfigSpaceTest {
    static PciDevice vga() {
        byte[] cfg = new byte[256];
        byte[] head = HexFormat.of().parseHex("34121111070000000200000300000000080000c0");
        System.arraycopy(head, 0, cfg, 0, head.length);
        return new PciDevice(0, 0, 1, 0, 0x40708, 0x4E708, 0, cfg,
                DevicePath.of(DevicePath.pciRoot(0), DevicePath.pci(1, 0), DevicePath.end()).toBytes());
    }

    @Test
    void readsByWidthFifoAndFillAndAbsentFunctionsReadAllOnes() {
        PciConfigSpace s = new PciConfigSpace(List.of(vga()));
        assertThat(HexFormat.of().formatHex(s.read("0000:00:01.0", 2, 0, 1))).isEqualTo("34121111");
        assertThat(HexFormat.of().formatHex(s.read("0000:00:01.0", 1, 0, 2))).isEqualTo("34121111");
        assertThat(HexFormat.of().formatHex(s.read("0000:00:01.0", 5, 0, 2))).as("Fifo: the address stays").isEqualTo("34123412");
        assertThat(HexFormat.of().formatHex(s.read("0000:00:02.0", 2, 0, 1))).isEqualTo("ffffffff");
        assertThat(s.device(0, 0, 1, 0)).contains(vga());
        assertThat(vga().classCode()).isEqualTo(0x030000);
        assertThat(vga().vendorId()).isEqualTo(0x1234);
    }

    @Test
    void writesChangeRegistersButNotTheIdentity() {
        PciConfigSpace s = new PciConfigSpace(List.of(vga()));
        s.write("0000:00:01.0", 2, 0, 2, HexFormat.of().parseHex("ffffffff03000000"));
        assertThat(HexFormat.of().formatHex(s.read("0000:00:01.0", 2, 0, 2))).isEqualTo("3412111103000000");
        s.write("0000:00:01.0", 10, 0x10, 2, HexFormat.of().parseHex("aabbccdd"));
        assertThat(HexFormat.of().formatHex(s.read("0000:00:01.0", 2, 0x10, 2))).as("Fill").isEqualTo("aabbccddaabbccdd");
    }

    @Test
    void misalignedOrOutOfRangeAccessesAreUnsupportedAndABadWidthInvalid() {
        assertThatThrownBy(() -> PciConfigSpace.checkAccess(2, 2, 1)).extracting(e -> ((EfiException) e).status())
                .isEqualTo(EfiStatus.UNSUPPORTED);
        assertThatThrownBy(() -> PciConfigSpace.checkAccess(2, 0xFC, 2)).extracting(e -> ((EfiException) e).status())
                .isEqualTo(EfiStatus.UNSUPPORTED);
        assertThatThrownBy(() -> PciConfigSpace.checkAccess(12, 0, 1)).extracting(e -> ((EfiException) e).status())
                .isEqualTo(EfiStatus.INVALID_PARAMETER);
        PciConfigSpace.checkAccess(2, 0xFC, 1);
        PciConfigSpace.checkAccess(6, 0xFC, 100); // Fifo: one unit's span however many
    }

    @Test
    void aDeviceWithoutTwoHundredFiftySixConfigBytesIsRefusedNamingItsLocation() {
        assertThatThrownBy(() -> new PciDevice(0, 0, 3, 0, 0, 0, 0, new byte[64],
                DevicePath.of(DevicePath.pciRoot(0), DevicePath.end()).toBytes()))
                .hasMessageContaining("0000:00:03.0").hasMessageContaining("64 bytes");
    }
}
