package org.efiemu.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.efiemu.platform.capture.FirmwareProbeFacts;
import org.efiemu.uefi.pci.PciBar;
import org.efiemu.uefi.pci.PciDevice;
import org.junit.jupiter.api.Test;

/**
 * {@code pci-rom:} and {@code pci-bar:} profile lines (docs/profiles.md) and the firmware-probe's {@code pci-rom:} and
 * {@code pci: bar} lines they are imported from.
 */
class PciRomAndBarLinesTest {
    private static final String HEAD = "name: t\n";
    private static final String MAP = "memory-map:\n"
            + "EfiConventionalMemory     0x0000000000000000-0x000000000009FFFF 0xF\n";
    private static final String CONFIG = "34121111070000000200000300000000" + "00".repeat(240);
    private static final String VGA = "pci-device: 0000:00:01.0 attributes=0x40708 supported=0x4E708 rom-size=1024 "
            + "path=02010c00d041030a000000000101060000017fff0400 config=" + CONFIG + "\n";
    private static final String RESOURCES = "8a2b000000002000000000000000001001c100000000ff0f00000000000000000000000000"
            + "0000100000000000007900";
    private static final String BAR = "pci-bar: 0000:00:01.0 index=2 supports=0x0 resources=" + RESOURCES
            + " read=00ffffffffffff00\n";
    private static final byte[] ROM = rom();

    private static byte[] rom() {
        byte[] b = new byte[1024];
        b[0] = 0x55;
        b[1] = (byte) 0xAA;
        b[2] = 2;
        for (int i = 3; i < b.length; i++) {
            b[i] = (byte) (i * 7);
        }
        return b;
    }

    private static String romLine(int size, String digest, String text) {
        return "pci-rom: 0000:00:01.0 size=" + size + " sha256=" + digest + " deflate-base64=" + text + "\n";
    }

    private static String goodRom() {
        return romLine(1024, PciRomText.sha256(ROM), PciRomText.encode(ROM));
    }

    @Test
    void romAndBarLinesRoundTripAndGiveTheBytesAndDescriptors() {
        PlatformProfile p = ProfileParser.parse(HEAD + VGA + goodRom() + BAR + MAP, "t.profile");
        PciDevice d = p.pciDevices().get(0);
        assertThat(d.romImage()).isEqualTo(ROM);
        assertThat(d.bars()).singleElement().satisfies(b -> {
            assertThat(b.index()).isEqualTo(2);
            assertThat(b.io()).isFalse();
            assertThat(b.base()).isEqualTo(0xC1011000L);
            assertThat(b.length()).isEqualTo(0x1000);
            assertThat(b.head()).hasSize(8);
        });
        String written = ProfileWriter.write(p);
        assertThat(written).contains(VGA.strip() + "\npci-rom: 0000:00:01.0 size=1024 sha256=" + PciRomText.sha256(ROM))
                .contains(BAR);
        assertThat(ProfileParser.parse(written, "w.profile")).isEqualTo(p);
        assertThat(p.toDescription().pciDevices()).isEqualTo(p.pciDevices());
    }

    @Test
    void badRomAndBarLinesAreRefusedNamingFileLineAndWhatWasExpected() {
        String other = PciRomText.encode(new byte[1024]);
        assertThatThrownBy(() -> ProfileParser.parse(HEAD + goodRom() + VGA + MAP, "t.profile"))
                .isInstanceOf(ProfileFormatException.class).hasMessageStartingWith("t.profile:2:")
                .hasMessageContaining("no pci-device line before it");
        assertThatThrownBy(() -> ProfileParser.parse(HEAD + VGA + romLine(1024, PciRomText.sha256(ROM), other) + MAP,
                "t.profile")).hasMessageStartingWith("t.profile:3:").hasMessageContaining("sha256");
        assertThatThrownBy(() -> ProfileParser.parse(HEAD + VGA + romLine(512, PciRomText.sha256(ROM),
                PciRomText.encode(ROM)) + MAP, "t.profile")).hasMessageStartingWith("t.profile:3:")
                .hasMessageContaining("rom-size 1024");
        assertThatThrownBy(() -> ProfileParser.parse(HEAD + VGA.replace("rom-size=1024", "rom-size=2048")
                + romLine(2048, PciRomText.sha256(ROM), PciRomText.encode(ROM)) + MAP, "t.profile"))
                .hasMessageStartingWith("t.profile:3:").hasMessageContaining("inflates to 1024 bytes; expected 2048");
        assertThatThrownBy(() -> ProfileParser.parse(HEAD + VGA + romLine(1024, "00", "%%%") + MAP, "t.profile"))
                .hasMessageStartingWith("t.profile:3:").hasMessageContaining("not Base64");
        assertThatThrownBy(() -> ProfileParser.parse(HEAD + VGA + romLine(1024, "00", "AAAA") + MAP, "t.profile"))
                .hasMessageStartingWith("t.profile:3:").hasMessageContaining("zlib");
        assertThatThrownBy(() -> ProfileParser.parse(HEAD + VGA + goodRom() + goodRom() + MAP, "t.profile"))
                .hasMessageStartingWith("t.profile:4:").hasMessageContaining("given twice");
        assertThatThrownBy(() -> ProfileParser.parse(HEAD + VGA + goodRom().replace(" sha256=", " digest=") + MAP,
                "t.profile")).hasMessageStartingWith("t.profile:3:").hasMessageContaining("[size, sha256, deflate-base64]");
        assertThatThrownBy(() -> ProfileParser.parse(HEAD + VGA + BAR.replace("index=2", "index=6") + MAP, "t.profile"))
                .hasMessageStartingWith("t.profile:3:").hasMessageContaining("out of range 0-5");
        assertThatThrownBy(() -> ProfileParser.parse(HEAD + VGA + BAR.replace("resources=8a2b", "resources=892b") + MAP,
                "t.profile")).hasMessageStartingWith("t.profile:3:").hasMessageContaining("QWORD address space descriptor");
        assertThatThrownBy(() -> ProfileParser.parse(HEAD + VGA + BAR + BAR + MAP, "t.profile"))
                .hasMessageStartingWith("t.profile:4:").hasMessageContaining("BAR index is given twice");
        assertThatThrownBy(() -> ProfileParser.parse(HEAD + VGA + BAR.replace("read=00ff", "read=0xff") + MAP,
                "t.profile")).hasMessageStartingWith("t.profile:3:").hasMessageContaining("hex digits");
    }

    @Test
    void theQ35CaptureHoldsQemusStdvgaRomAndTheBarsOvmfDescribes() throws IOException {
        String name = "/org/efiemu/platform/captures/ovmf-q35-2g.firmware.txt";
        String text;
        try (InputStream in = getClass().getResourceAsStream(name)) {
            text = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
        FirmwareProbeFacts f = FirmwareProbeFacts.parse(text, name);
        PciDevice vga = f.pciDevices().get(1);
        assertThat(vga.location()).isEqualTo("0000:00:01.0");
        assertThat(vga.romImage()).hasSize(39_936).startsWith(0x55, 0xAA);
        assertThat(PciRomText.sha256(vga.romImage()))
                .isEqualTo("cc2f735f19b6318922ac3de9506dee498f149a6b75534f7e5c176d4441a7fa4a");
        assertThat(vga.bars()).extracting(PciBar::toString).containsExactly("BAR 0 memory 0xC0000000+0x1000000",
                "BAR 2 memory 0xC1011000+0x1000");
        assertThat(f.pciDevices().get(3).bars()).extracting(PciBar::toString).containsExactly("BAR 4 I/O 0x6040+0x20",
                "BAR 5 memory 0xC1010000+0x1000");
        // the built-in profile holds the same bytes (its pci-rom line was imported from this capture)
        assertThat(ProfileRegistry.builtIn("ovmf-q35-2g").pciDevices()).isEqualTo(f.pciDevices());
        // a truncated ROM in a capture is refused at the pci: rom line
        String cut = text.replaceFirst("\npci-rom: [0-9a-f]+\n", "\n");
        assertThatThrownBy(() -> FirmwareProbeFacts.parse(cut, "c.txt")).isInstanceOf(ProfileFormatException.class)
                .hasMessageContaining("c.txt:").hasMessageContaining("size=39936 (rom-size=39936) but 39424 bytes");
    }
}
