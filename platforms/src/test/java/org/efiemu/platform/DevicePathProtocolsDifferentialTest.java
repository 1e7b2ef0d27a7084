package org.efiemu.platform;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.efiemu.uefi.BootResult;
import org.efiemu.uefi.protocol.ConsoleListener;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * EFI_DEVICE_PATH_UTILITIES / TO_TEXT / FROM_TEXT (UEFI 2.10 §10.5-10.6) on efiemu against real QEMU 7.2 + OVMF
 * 2022.11's DevicePathDxe: the firmware-probe's {@code dpt:} lines (every handle's device path and loaded image device
 * path to text, display-only with shortcuts, back from text, size, multi-instance, duplicate; the console variables'
 * multi-instance paths instance by instance; fixed texts to bytes, back to text and node by node; NULL and invalid
 * paths) equal the capture's line for line, except the device paths of the capture run's boot media (QEMU's
 * {@code fat:} drive: an MBR disk on OVMF, efiemu's GPT boot volume), which are compared by their round trip only.
 */
class DevicePathProtocolsDifferentialTest {

    private static List<String> dpt(String text) {
        return Arrays.stream(text.replace("\r", "").split("\n")).filter(l -> l.startsWith("dpt: ")).toList();
    }

    private static List<String> efiemu(String profile) {
        BootResult r = FirmwareProbeRun.run(profile);
        assertThat(r.unimplementedCalls()).as("no device path function fell back to a stub")
                .noneMatch(u -> u.toString().contains("DevicePath"));
        return dpt(r.console().text(ConsoleListener.Source.SERIAL));
    }

    /** A handle's three lines (text, display, size/back/dup) on a device of the boot media. */
    private static boolean bootMedia(String textLine) {
        return textLine.contains("/Sata(") || textLine.contains("/Ata(") || textLine.contains("/HD(")
                || textLine.contains("/CDROM(");
    }

    /** The lines without the boot media's handle groups; those groups go to {@code media}. */
    private static List<String> machine(List<String> lines, List<List<String>> media) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i);
            boolean handleGroup = (l.startsWith("dpt: path text=") || l.startsWith("dpt: image text=")) && i + 2 < lines.size();
            if (handleGroup && bootMedia(l)) {
                media.add(lines.subList(i, i + 3));
                i += 2;
                continue;
            }
            out.add(l);
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"ovmf-q35-2g", "ovmf-q35-512m", "ovmf-pc-2g"})
    void devicePathTextAndUtilitiesAnswerAsOvmfsDevicePathDxeLineForLine(String profile) {
        List<String> real = dpt(FirmwareProbeRun.resource("/org/efiemu/platform/captures/" + profile + ".firmware.txt"));
        List<String> emu = efiemu(profile);
        List<List<String>> realMedia = new ArrayList<>();
        List<List<String>> emuMedia = new ArrayList<>();
        List<String> realLines = machine(real, realMedia);
        List<String> emuLines = machine(emu, emuMedia);
        assertThat(realLines).as("the capture has the dpt: lines").hasSizeGreaterThan(400)
                .contains("dpt: protocols utilities=EFI_SUCCESS to-text=EFI_SUCCESS from-text=EFI_SUCCESS");
        for (int i = 0; i < Math.min(realLines.size(), emuLines.size()); i++) {
            assertThat(emuLines.get(i)).as("dpt: line %d of %s", i, profile).isEqualTo(realLines.get(i));
        }
        assertThat(emuLines).hasSameSizeAs(realLines);
        // the boot media: OVMF's disk, CD-ROM and partition, efiemu's boot volume; each converts back to its bytes
        assertThat(realMedia).isNotEmpty();
        assertThat(emuMedia).isNotEmpty();
        for (List<List<String>> media : List.of(realMedia, emuMedia)) {
            for (List<String> g : media) {
                assertThat(g.get(2)).as("%s", g).endsWith(" back=same dup=same");
            }
        }
    }
}
