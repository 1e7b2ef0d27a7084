package org.efiemu.uefi.devicepath;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The pure device path text and utility models against EDK2's forms (the live comparison is in platforms). */
class Edk2DevicePathTextTest {

    private static byte[] hex(String h) {
        return HexFormat.of().parseHex(h);
    }

    private static String text(String pathHex, boolean display, boolean shortcuts) {
        return Edk2DevicePathToText.path(hex(pathHex), display, shortcuts).text();
    }

    @Test
    void hexDigitsAreUpperCaseAndSerialTerminalUsesShortcutsOnlyWhenAllowed() {
        String com1 = "02010c00d041030a0000000001010600001f02010c00d041010500000000030e13000000000000c20100000000000801"
                + "01030a14005347c1e0bef9d2119a0c0090273fc14d7fff0400";
        assertThat(text(com1, false, false))
                .isEqualTo("PciRoot(0x0)/Pci(0x1F,0x0)/Serial(0x0)/Uart(115200,8,N,1)/VenMsg(E0C14753-F9BE-11D2-9A0C-0090273FC14D)");
        assertThat(text(com1, true, true)).isEqualTo("PciRoot(0x0)/Pci(0x1F,0x0)/Serial(0x0)/Uart(115200,8,N,1)/VenPcAnsi()");
    }

    @Test
    void anInstanceAfterTheFirstStartsWithASlashAsEdk2PrintsIt() {
        byte[] p = Edk2DevicePathFromText.path("Sata(0x0,0x0,0x0),PciRoot(0x0)/Pci(0x2,0x0)").bytes();
        assertThat(Edk2DevicePathToText.path(p, false, false).text()).isEqualTo("Sata(0x0,0x0,0x0),/PciRoot(0x0)/Pci(0x2,0x0)");
        assertThat(Edk2DevicePathUtilities.multiInstance(p)).isTrue();
    }

    @Test
    void missingSataMultiplierReadsAsDirectAndDecimalNumbersAreAccepted() {
        assertThat(HexFormat.of().formatHex(Edk2DevicePathFromText.path("PciRoot(0)/Pci(31,2)/Sata(0,,0)").bytes()))
                .isEqualTo("02010c00d041030a0000000001010600021f03120a000000ffff00007fff0400");
    }

    @Test
    void unbalancedParenthesesEndTheConversionWithAnEmptyPath() {
        assertThat(Edk2DevicePathFromText.path("Pci(0x1F").bytes()).containsExactly(0x7F, 0xFF, 4, 0);
    }

    @Test
    void usbClassNodesPrintUnderTheirClassNames() {
        byte[] p = Edk2DevicePathFromText.path("UsbHID(0xFFFF,0xFFFF,0x1,0x1)/UsbClass(0x1,0x2,0xFE,0x3,0x4)").bytes();
        assertThat(Edk2DevicePathToText.path(p, false, false).text())
                .isEqualTo("UsbHID(0xFFFF,0xFFFF,0x1,0x1)/UsbTestAndMeasurement(0x1,0x2,0x4)");
    }

    @Test
    void nodesEdk2ParsesButEfiemuDoesNotModelAreRefusedNotGuessed() {
        assertThatThrownBy(() -> Edk2DevicePathFromText.path("PciRoot(0x0)/IPv4(192.168.0.1)"))
                .isInstanceOf(Edk2DevicePathFromText.NotModelled.class).hasMessageContaining("IPv4");
    }

    @Test
    void theTextBufferGrowsByReallocatePoolAsCatPrintGrowsIt() {
        // "PciRoot(0x0)" (12 chars): capacity (0 + 13 * 2) * 2 = 52 bytes, which "/Pci(0x1,0x0)" still fits (26 * 2);
        // the next "/" needs 54: (25 + 2 * 2) * 2 = 58; the next "Pci(0x2,0x0)" needs 78: (26 + 13 * 2) * 2 = 104
        Edk2DevicePathToText.Result r = Edk2DevicePathToText.path(
                hex("02010c00d041030a00000000" + "010106000001" + "010106000002" + "7fff0400"), false, false);
        assertThat(r.text()).isEqualTo("PciRoot(0x0)/Pci(0x1,0x0)/Pci(0x2,0x0)");
        List<PoolTrace.Op> ops = r.pool().ops();
        // node copy, string, free copy | copy, free copy | "/" grows (new, free old), copy, grows, free copy
        assertThat(ops).extracting(PoolTrace.Op::alloc)
                .containsExactly(true, true, false, true, false, true, false, true, true, false, false);
        assertThat(ops).filteredOn(PoolTrace.Op::zero).extracting(PoolTrace.Op::size).containsExactly(52L, 58L, 104L);
        assertThat(r.capacity()).isEqualTo(104);
    }

    @Test
    void invalidPathsHaveSizeZeroAndAreNotMultiInstance() {
        assertThat(Edk2DevicePathUtilities.size(hex("0404080041004200" + "7fff0400"))).isZero(); // no NUL in the file path
        assertThat(Edk2DevicePathUtilities.size(hex("010106000000" + "7fff0500"))).isZero(); // End node of 5 bytes
        assertThat(Edk2DevicePathUtilities.size(hex("010106000000" + "7fff0400"))).isEqualTo(10);
        assertThat(Edk2DevicePathUtilities.duplicate(Edk2DevicePathUtilities.INVALID).bytes()).isNull();
    }

    @Test
    void nextInstanceCopiesOneInstanceEndedAsAWholePath() {
        byte[] p = Edk2DevicePathFromText.path("Pci(0x1,0x0),Pci(0x2,0x0)").bytes();
        Edk2DevicePathUtilities.Instance first = Edk2DevicePathUtilities.nextInstance(p);
        assertThat(HexFormat.of().formatHex(first.copy().bytes())).isEqualTo("0101060000017fff0400");
        assertThat(first.size()).isEqualTo(10);
        assertThat(first.next()).isEqualTo(10);
        byte[] rest = java.util.Arrays.copyOfRange(p, first.next(), p.length);
        assertThat(Edk2DevicePathUtilities.nextInstance(rest).next()).isEqualTo(-1);
    }
}
