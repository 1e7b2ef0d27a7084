package org.efiemu.uefi.devicepath;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import org.efiemu.uefi.spec.Guid;
import org.junit.jupiter.api.Test;

class DevicePathTest {

    static final Guid PART = Guid.parse("A1B2C3D4-0000-4000-8000-112233445566");
    static final String BOOT_TEXT = "PciRoot(0x0)/Pci(0x1F,0x2)/Sata(0x0,0xFFFF,0x0)/HD(1,GPT,"
            + "A1B2C3D4-0000-4000-8000-112233445566,0x800,0x100000)/\\EFI\\BOOT\\BOOTX64.EFI";

    static DevicePath bootPath() {
        return DevicePath.of(DevicePath.pciRoot(0), DevicePath.pci(0x1F, 2), DevicePath.sata(0, 0xFFFF, 0),
                DevicePath.hardDriveGpt(1, 0x800, 0x100000, PART), DevicePath.filePath("\\EFI\\BOOT\\BOOTX64.EFI"));
    }

    @Test
    void bootPathPrintsInTheSpecTextForm() {
        assertThat(bootPath()).hasToString(BOOT_TEXT);
    }

    @Test
    void textFormParsesBackToTheSameBytes() {
        assertThat(DevicePath.fromText(BOOT_TEXT).toBytes()).isEqualTo(bootPath().toBytes());
    }

    @Test
    void nodesHaveTheSpecLengthsAndLayout() {
        byte[] b = bootPath().toBytes();
        // ACPI 12 + PCI 6 + SATA 10 + HD 42 + FilePath 4+2*22 + End 4
        assertThat(b).hasSize(12 + 6 + 10 + 42 + 48 + 4);
        assertThat(HexFormat.of().formatHex(b, 0, 18)).isEqualTo("02010c00d041030a00000000" + "010106000" + "21f");
        assertThat(HexFormat.of().formatHex(b, b.length - 4, b.length)).isEqualTo("7fff0400");
        assertThat(b[28 + 40]).isEqualTo((byte) 2);
        assertThat(b[28 + 41]).isEqualTo((byte) 2);
    }

    @Test
    void bytesRoundTripThroughParse() {
        byte[] b = bootPath().toBytes();
        DevicePath p = DevicePath.parse(b);
        assertThat(p).isEqualTo(bootPath());
        assertThat(p.size()).isEqualTo(b.length);
    }

    @Test
    void nodeShorterThanHeaderIsRejectedNamingTheOffset() {
        byte[] b = {1, 1, 6, 0, 0, 0x1F, 4, 4, 2, 0, 0x7F, (byte) 0xFF, 4, 0};
        assertThatThrownBy(() -> DevicePath.parse(b)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("offset 6").hasMessageContaining("Length 2, expected >= 4");
    }

    @Test
    void pathWithoutEndWithinTheLimitIsRejected() {
        byte[] b = {1, 1, 6, 0, 0, 0x1F, 1, 1, 6, 0, 0, 0x1E};
        assertThatThrownBy(() -> DevicePath.parse(b)).hasMessageContaining("no End node within 12 bytes");
        byte[] overlong = {1, 1, 60, 0, 0, 0x1F, 0x7F, (byte) 0xFF, 4, 0};
        assertThatThrownBy(() -> DevicePath.parse(overlong)).hasMessageContaining("runs past");
        byte[] fine = {1, 1, 6, 0, 0, 0x1F, 0x7F, (byte) 0xFF, 4, 0, 9, 9};
        assertThatThrownBy(() -> DevicePath.parse(fine, 0, 8)).hasMessageContaining("no End node");
        assertThat(DevicePath.parse(fine, 0, 10).size()).isEqualTo(10);
    }

    @Test
    void unknownNodesPrintGenerically() {
        DevicePath p = DevicePath.of(new DevicePathNode(0x03, 0x99, new byte[] {(byte) 0xAB}));
        assertThat(p).hasToString("Path(3,153,AB)");
    }

    @Test
    void vendorAndMbrNodesRoundTrip() {
        String text = "VenHw(93E34C7E-B50E-11DF-9223-2443DFD72085,00FF)/HD(2,MBR,0x12345678,0x3F,0x1000)";
        assertThat(DevicePath.fromText(text)).hasToString(text);
        assertThat(DevicePath.fromText("Acpi(PNP0A08,0x1)")).hasToString("PcieRoot(0x1)");
    }

    @Test
    void malformedTextNodeIsRejectedNamingIt() {
        assertThatThrownBy(() -> DevicePath.fromText("PciRoot(0x0)/Pci(0x40,0x0)"))
                .hasMessageContaining("Pci(0x40,0x0)").hasMessageContaining("device 0..31");
        assertThatThrownBy(() -> DevicePath.fromText("Sata(0x0)")).hasMessageContaining("expected 3 arguments");
    }

    @Test
    void appendDropsTheFirstEndNodeAndPrefixIsDetected() {
        DevicePath disk = DevicePath.of(DevicePath.pciRoot(0), DevicePath.pci(0x1F, 2));
        DevicePath file = DevicePath.of(DevicePath.filePath("\\x.efi"));
        DevicePath full = disk.append(file);
        assertThat(full).hasToString("PciRoot(0x0)/Pci(0x1F,0x2)/\\x.efi");
        assertThat(disk.isPrefixOf(full)).isTrue();
        assertThat(file.isPrefixOf(full)).isFalse();
    }
}
