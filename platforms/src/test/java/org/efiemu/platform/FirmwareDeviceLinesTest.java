package org.efiemu.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.efiemu.platform.capture.FirmwareProbeFacts;
import org.efiemu.uefi.pci.PciDevice;
import org.efiemu.uefi.tables.ConfigurationTableKind;
import org.junit.jupiter.api.Test;

/**
 * {@code configuration-tables:} and {@code pci-device:} lines (docs/profiles.md) and where the OVMF built-ins get them:
 * the firmware-probe captures ({@link FirmwareProbeFacts}).
 */
class FirmwareDeviceLinesTest {
    private static final String HEAD = "name: t\n";
    private static final String MAP = "memory-map:\n"
            + "EfiConventionalMemory     0x0000000000000000-0x000000000009FFFF 0xF\n";
    private static final String CONFIG = "8680c029070000000000000600000000" + "00".repeat(240);
    private static final String HOST = "pci-device: 0000:00:00.0 attributes=0x4700 supported=0xE700 rom-size=0 "
            + "path=02010c00d041030a000000000101060000007fff0400 config=" + CONFIG + "\n";

    private static String capture(String name) throws IOException {
        try (InputStream in = FirmwareDeviceLinesTest.class.getResourceAsStream("/org/efiemu/platform/captures/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void configurationTablesAndPciDeviceLinesRoundTripCanonically() {
        String text = HEAD + "configuration-tables: dxe-services hob-list smbios acpi-2.0\n" + HOST + MAP;
        PlatformProfile p = ProfileParser.parse(text, "t.profile");
        assertThat(p.configurationTables()).containsExactly(ConfigurationTableKind.DXE_SERVICES,
                ConfigurationTableKind.HOB_LIST, ConfigurationTableKind.SMBIOS, ConfigurationTableKind.ACPI_20);
        assertThat(p.pciDevices()).singleElement().satisfies(d -> {
            assertThat(d.location()).isEqualTo("0000:00:00.0");
            assertThat(d.vendorId()).isEqualTo(0x8086);
            assertThat(d.deviceId()).isEqualTo(0x29C0);
            assertThat(d.classCode()).isEqualTo(0x060000);
        });
        String written = ProfileWriter.write(p);
        assertThat(written).contains("configuration-tables: dxe-services hob-list smbios acpi-2.0\n").contains(HOST);
        assertThat(ProfileParser.parse(written, "w.profile")).isEqualTo(p);
        assertThat(p.toDescription().configurationTables()).isEqualTo(p.configurationTables());
        assertThat(p.toDescription().pciDevices()).isEqualTo(p.pciDevices());
    }

    @Test
    void aProfileWithoutTheKeysGetsEfiemusDefaultTablesAndNoPciDevice() {
        PlatformProfile p = ProfileParser.parse(HEAD + MAP, "t.profile");
        assertThat(p.configurationTables()).isNull();
        assertThat(ProfileWriter.write(p)).doesNotContain("configuration-tables").doesNotContain("pci-device");
        assertThat(p.toDescription().configurationTables()).isEqualTo(ConfigurationTableKind.DEFAULT);
        assertThat(p.toDescription().pciDevices()).isEmpty();
    }

    @Test
    void badLinesAreRefusedNamingFileLineAndWhatWasExpected() {
        assertThatThrownBy(() -> ProfileParser.parse(HEAD + "configuration-tables: hob-list acpi\n" + MAP, "t.profile"))
                .isInstanceOf(ProfileFormatException.class).hasMessageStartingWith("t.profile:2:")
                .hasMessageContaining("'acpi'").hasMessageContaining("dxe-services");
        assertThatThrownBy(() -> ProfileParser.parse(HEAD + "configuration-tables: hob-list hob-list\n" + MAP, "t.profile"))
                .hasMessageStartingWith("t.profile:2:").hasMessageContaining("named twice");
        assertThatThrownBy(() -> ProfileParser.parse(HEAD + HOST.replace(CONFIG, CONFIG.substring(8)) + MAP, "t.profile"))
                .hasMessageStartingWith("t.profile:2:").hasMessageContaining("252 bytes; expected 256");
        assertThatThrownBy(() -> ProfileParser.parse(HEAD + HOST.replace("0000:00:00.0", "0000:00:20.0") + MAP, "t.profile"))
                .hasMessageStartingWith("t.profile:2:").hasMessageContaining("out of range");
        assertThatThrownBy(() -> ProfileParser.parse(HEAD + HOST.replace("path=0201", "path=0x0201") + MAP, "t.profile"))
                .hasMessageStartingWith("t.profile:2:").hasMessageContaining("hex digits");
        assertThatThrownBy(() -> ProfileParser.parse(HEAD + HOST.replace("7fff0400 ", "7fff04 ") + MAP, "t.profile"))
                .hasMessageStartingWith("t.profile:2:").hasMessageContaining("device path");
        assertThatThrownBy(() -> ProfileParser.parse(HEAD + HOST + HOST + MAP, "t.profile"))
                .hasMessageContaining("same location");
    }

    @Test
    void theCommittedQ35CapturesGiveOvmfsElevenTablesAndFivePciFunctionsAndTheBuiltInsRecordThem() throws IOException {
        for (String name : List.of("ovmf-q35-2g", "ovmf-q35-512m")) {
            FirmwareProbeFacts f = FirmwareProbeFacts.parse(capture(name + ".firmware.txt"), name + ".firmware.txt");
            assertThat(f.configurationTables()).as(name).isEqualTo(ConfigurationTableKind.OVMF_Q35);
            assertThat(f.pciDevices()).extracting(PciDevice::location).containsExactly("0000:00:00.0", "0000:00:01.0",
                    "0000:00:1f.0", "0000:00:1f.2", "0000:00:1f.3");
            assertThat(f.pciDevices()).extracting(PciDevice::vendorId).containsExactly(0x8086, 0x1234, 0x8086, 0x8086, 0x8086);
            assertThat(f.notes()).isEmpty();
            PlatformProfile builtIn = ProfileRegistry.builtIn(name);
            assertThat(builtIn.configurationTables()).as(name).isEqualTo(f.configurationTables());
            assertThat(builtIn.pciDevices()).as(name).isEqualTo(f.pciDevices());
        }
    }

    @Test
    void theCommittedPcCaptureGivesTheSameElevenTablesAndI440fxsFivePciFunctionsAndTheBuiltInRecordsThem() throws IOException {
        FirmwareProbeFacts f = FirmwareProbeFacts.parse(capture("ovmf-pc-2g.firmware.txt"), "ovmf-pc-2g.firmware.txt");
        assertThat(f.configurationTables()).isEqualTo(ConfigurationTableKind.OVMF_Q35);
        assertThat(f.pciDevices()).extracting(PciDevice::location).containsExactly("0000:00:00.0", "0000:00:01.0",
                "0000:00:01.1", "0000:00:01.3", "0000:00:02.0");
        assertThat(f.pciDevices()).extracting(PciDevice::deviceId).containsExactly(0x1237, 0x7000, 0x7010, 0x7113, 0x1111);
        PlatformProfile builtIn = ProfileRegistry.builtIn("ovmf-pc-2g");
        assertThat(builtIn.configurationTables()).isEqualTo(f.configurationTables());
        assertThat(builtIn.pciDevices()).isEqualTo(f.pciDevices());
    }

    @Test
    void aCaptureFromBeforeThePciLinesGivesNoDevicesWithANoteAndABrokenOneIsRefusedNamingLineAndField() throws IOException {
        String full = capture("ovmf-q35-2g.firmware.txt");
        String old = full.lines().filter(l -> !l.startsWith("pci") && !l.startsWith("cfg-data"))
                .collect(java.util.stream.Collectors.joining("\n", "", "\n"));
        FirmwareProbeFacts f = FirmwareProbeFacts.parse(old, "old.firmware.txt");
        assertThat(f.pciDevices()).isEmpty();
        assertThat(f.configurationTables()).hasSize(11);
        assertThat(f.notes()).singleElement().asString().contains("no pci: lines");
        assertThatThrownBy(() -> FirmwareProbeFacts.parse(full.substring(0, full.indexOf("handle: count")), "cut.txt"))
                .isInstanceOf(ProfileFormatException.class).hasMessageContaining("cut.txt:").hasMessageContaining("field 'end'");
        String noConfig = full.replaceFirst("pci-config: [0-9a-f]+\n", "");
        assertThatThrownBy(() -> FirmwareProbeFacts.parse(noConfig, "x.txt")).hasMessageContaining("field 'pci-config:'");
        assertThatThrownBy(() -> FirmwareProbeFacts.parse(full.replace("pci: devices=5", "pci: devices=6"), "x.txt"))
                .hasMessageContaining("field 'pci: devices': 6 declared, 5");
        assertThatThrownBy(() -> FirmwareProbeFacts.parse(full.replace("cfg: count=11", "cfg: count=12"), "x.txt"))
                .hasMessageContaining("field 'cfg: count'");
        String unknown = full.replace("cfg: d719b2cb-3d3a-4596-a3bc-dad00e67656f", "cfg: 11111111-2222-3333-4444-555555555555");
        assertThat(FirmwareProbeFacts.parse(unknown, "u.txt").notes()).singleElement().asString()
                .contains("11111111-2222-3333-4444-555555555555").contains("left out");
    }
}
