package org.efiemu.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.efiemu.platform.capture.FirmwareProbeFacts;
import org.efiemu.uefi.pci.PciRootBridge;
import org.junit.jupiter.api.Test;

/**
 * {@code pci-root-bridge:} and {@code pci-bar-masks:} profile lines (docs/profiles.md) and the firmware-probe lines they
 * are imported from ({@code pci-rb: attributes}, {@code pci-rb: configuration}, {@code pci: bar-masks}, OVMF's platform
 * information HOB for the apertures).
 */
class PciRootBridgeAndBarMaskLinesTest {
    private static final String HEAD = "name: t\n";
    private static final String MAP = "memory-map:\n"
            + "EfiConventionalMemory     0x0000000000000000-0x000000000009FFFF 0xF\n";
    private static final String CONFIG = "34121111070000000200000300000000080000c000000000001001c1" + "00".repeat(228);
    private static final String VGA = "pci-device: 0000:00:01.0 attributes=0x40708 supported=0x4E708 rom-size=0 "
            + "path=02010c00d041030a000000000101060000017fff0400 config=" + CONFIG + "\n";
    private static final String MASKS = "pci-bar-masks: 0000:00:01.0 10=ff000008 14=00000000 18=fffff000 1c=00000000 "
            + "20=00000000 24=00000000 30=ffff0001\n";
    private static final String ROOT = "pci-root-bridge: 0000 supports=0x70069 attributes=0x70069 io=0x6000-0xFFFF "
            + "mem=0xC0000000-0xFBFFFFFF mem64=none configuration=7900\n";

    @Test
    void rootBridgeAndBarMaskLinesRoundTripCanonically() {
        String text = HEAD + ROOT + VGA + MASKS + MAP;
        PlatformProfile p = ProfileParser.parse(text, "t.profile");
        assertThat(p.pciRootBridges()).singleElement().satisfies(r -> {
            assertThat(r.attributes()).isEqualTo(0x70069);
            assertThat(r.io()).isEqualTo(new PciRootBridge.Aperture(0x6000, 0xFFFF));
            assertThat(r.mem64().exists()).isFalse();
        });
        assertThat(p.pciDevices().get(0).barMasks()).containsEntry(0x10, 0xFF000008).containsEntry(0x30, 0xFFFF0001)
                .hasSize(7);
        assertThat(ProfileParser.parse(ProfileWriter.write(p), "again.profile")).isEqualTo(p);
        assertThat(ProfileWriter.write(p)).contains(ROOT.strip(), MASKS.strip());
        assertThat(p.toDescription().pciRootBridges()).isEqualTo(p.pciRootBridges());
    }

    @Test
    void aMaskLineNamingNoDeviceOrAMalformedMaskIsAnErrorNamingTheLine() {
        assertThatThrownBy(() -> ProfileParser.parse(HEAD + MASKS + VGA + MAP, "t.profile"))
                .hasMessageContaining("t.profile:2").hasMessageContaining("no pci-device line before it");
        assertThatThrownBy(() -> ProfileParser.parse(HEAD + VGA + "pci-bar-masks: 0000:00:01.0 10=ff00\n" + MAP,
                "t.profile")).hasMessageContaining("t.profile:3").hasMessageContaining("RR=XXXXXXXX");
        assertThatThrownBy(() -> ProfileParser.parse(HEAD + VGA + "pci-bar-masks: 0000:00:01.0 38=00000000\n" + MAP,
                "t.profile")).hasMessageContaining("t.profile:3").hasMessageContaining("register 0x38");
    }

    @Test
    void aRootBridgeLineWithABadApertureOrConfigurationIsAnErrorNamingTheLine() {
        assertThatThrownBy(() -> ProfileParser.parse(HEAD + ROOT.replace("io=0x6000-0xFFFF", "io=0xFFFF-0x6000") + MAP,
                "t.profile")).hasMessageContaining("t.profile:2").hasMessageContaining("io=0xFFFF-0x6000");
        assertThatThrownBy(() -> ProfileParser.parse(HEAD + ROOT.replace("configuration=7900", "configuration=8a2b00")
                + MAP, "t.profile")).hasMessageContaining("t.profile:2").hasMessageContaining("end tag");
    }

    @Test
    void theOvmfCapturesGiveTheRootBridgeWithOvmfsAperturesAndEveryFunctionsMasks() throws java.io.IOException {
        for (String name : new String[] {"ovmf-q35-2g", "ovmf-pc-2g"}) {
            String capture;
            try (java.io.InputStream in = getClass().getResourceAsStream("/org/efiemu/platform/captures/" + name
                    + ".firmware.txt")) {
                capture = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
            }
            FirmwareProbeFacts f = FirmwareProbeFacts.parse(capture, name);
            PciRootBridge r = f.pciRootBridges().get(0);
            // OVMF's PciHostBridgeLib: IDE, ISA 16-bit, VGA memory/I/O/palette 16-bit, ISA motherboard I/O
            assertThat(r.supports()).isEqualTo(0x70069);
            // PlatformInitLib: q35 I/O from 0x6000, pc from 0xC000; 32-bit MMIO up to 0xFBFFFFFF
            assertThat(r.io().base()).isEqualTo(name.contains("q35") ? 0x6000 : 0xC000);
            assertThat(r.mem().limit()).isEqualTo(0xFBFFFFFFL);
            assertThat(f.pciDevices()).allSatisfy(d -> assertThat(d.barMasks()).hasSize(7));
            assertThat(f.pciDevices()).anySatisfy(d -> assertThat(d.barMasks()).containsAllEntriesOf(Map.of(0x10,
                    0xFF000008, 0x30, 0xFFFF0001)));
        }
    }
}
