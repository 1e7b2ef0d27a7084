package org.efiemu.uefi.pci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.efiemu.uefi.devicepath.DevicePath;
import org.junit.jupiter.api.Test;

/** BAR sizing in configuration space with the size masks captured from QEMU 7.2 + OVMF 2022.11 (PCI 3.0 §6.2.5.1). */
class PciBarMasksTest {
    /** q35's stdvga as OVMF left it: BAR 0 0xC0000008 (16 MiB prefetchable), BAR 2 0xC1011000 (4 KiB), ROM BAR off. */
    private static final Map<Integer, Integer> STDVGA = Map.of(0x10, 0xFF000008, 0x14, 0, 0x18, 0xFFFFF000, 0x1C, 0,
            0x20, 0, 0x24, 0, 0x30, 0xFFFF0001);

    private static PciDevice device(String configHead, Map<Integer, Integer> masks) {
        byte[] cfg = new byte[256];
        byte[] head = HexFormat.of().parseHex(configHead);
        System.arraycopy(head, 0, cfg, 0, head.length);
        return new PciDevice(0, 0, 1, 0, 0, 0, 0, cfg,
                DevicePath.of(DevicePath.pciRoot(0), DevicePath.pci(1, 0), DevicePath.end()).toBytes()).withBarMasks(masks);
    }

    private static PciDevice stdvga() {
        return device("34121111070000000200000300000000080000c000000000001001c1", STDVGA);
    }

    private static String u32(PciConfigSpace s, int register) {
        return HexFormat.of().formatHex(s.read("0000:00:01.0", 2, register, 1));
    }

    private static void write32(PciConfigSpace s, int register, String littleEndian) {
        s.write("0000:00:01.0", 2, register, 1, HexFormat.of().parseHex(littleEndian));
    }

    @Test
    void allOnesWrittenToABarReadBackTheCapturedSizeMaskAndTheBaseWrittenBackRestoresIt() {
        PciConfigSpace s = new PciConfigSpace(List.of(stdvga()));
        write32(s, 0x10, "ffffffff");
        assertThat(u32(s, 0x10)).as("16 MiB, prefetchable 32-bit memory").isEqualTo("080000ff");
        write32(s, 0x10, "080000c0");
        assertThat(u32(s, 0x10)).isEqualTo("080000c0");
        write32(s, 0x18, "ffffffff");
        assertThat(u32(s, 0x18)).as("4 KiB").isEqualTo("00f0ffff");
        write32(s, 0x30, "ffffffff");
        assertThat(u32(s, 0x30)).as("the 64 KiB expansion ROM BAR with its enable bit").isEqualTo("0100ffff");
    }

    @Test
    void aBarTheFunctionDoesNotImplementStaysZeroWhateverIsWritten() {
        PciConfigSpace s = new PciConfigSpace(List.of(stdvga()));
        write32(s, 0x14, "ffffffff");
        write32(s, 0x24, "12345678");
        assertThat(u32(s, 0x14)).isEqualTo("00000000");
        assertThat(u32(s, 0x24)).isEqualTo("00000000");
    }

    @Test
    void typeBitsOfAMemoryBarKeepTheirValueWhenZeroIsWritten() {
        PciConfigSpace s = new PciConfigSpace(List.of(stdvga()));
        write32(s, 0x10, "00000000");
        assertThat(u32(s, 0x10)).as("prefetchable bit 3 stays").isEqualTo("08000000");
    }

    @Test
    void anIoBarKeepsItsIoBitAndByteWritesChangeOnlyWritableBits() {
        // ICH9 SMBus: BAR 4 = I/O 0x6000, 64 bytes (mask 0xFFFFFFC1)
        PciConfigSpace s = new PciConfigSpace(List.of(device("86803029070000000200050c00008000"
                + "00000000000000000000000000000000" + "01600000", Map.of(0x20, 0xFFFFFFC1))));
        write32(s, 0x20, "ffffffff");
        assertThat(u32(s, 0x20)).isEqualTo("c1ffffff");
        s.write("0000:00:01.0", 0, 0x20, 1, new byte[] {0});
        assertThat(u32(s, 0x20)).as("bit 0 (I/O) is read-only, bits 1-5 read as zero").isEqualTo("01ffffff");
    }

    @Test
    void theUpperHalfOfA64BitBarIsWholeAddressBits() {
        // a 64-bit memory BAR at 0x10 (bits 2:1 = 10b), 1 MiB: the upper dword at 0x14 takes any value
        byte[] cfgHead = HexFormat.of().parseHex("3412111107000000020000030000000004000080");
        PciDevice d = device(HexFormat.of().formatHex(cfgHead), Map.of(0x10, 0xFFF0000C, 0x14, 0xFFFFFFFF));
        assertThat(PciBarMasks.typeBits(d.config(), 0x10)).isEqualTo(0xF);
        assertThat(PciBarMasks.typeBits(d.config(), 0x14)).isZero();
        PciConfigSpace s = new PciConfigSpace(List.of(d));
        write32(s, 0x14, "ffffffff");
        write32(s, 0x10, "ffffffff");
        assertThat(u32(s, 0x14)).isEqualTo("ffffffff");
        assertThat(u32(s, 0x10)).isEqualTo("0c00f0ff");
    }

    @Test
    void withoutCapturedMasksBarsStayPlainBytes() {
        PciConfigSpace s = new PciConfigSpace(List.of(stdvga().withBarMasks(Map.of())));
        write32(s, 0x10, "ffffffff");
        assertThat(u32(s, 0x10)).isEqualTo("ffffffff");
    }

    @Test
    void aMaskForARegisterThatIsNoBarOfTheHeaderIsRefused() {
        assertThatThrownBy(() -> stdvga().withBarMasks(Map.of(0x38, 0))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("register 0x38");
    }
}
