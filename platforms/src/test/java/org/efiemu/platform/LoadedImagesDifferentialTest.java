package org.efiemu.platform;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The firmware's loaded images as a loader sees them on efiemu and on real QEMU 7.2 + OVMF 2022.11: every driver
 * image's EFI_LOADED_IMAGE_PROTOCOL ImageBase and ImageSize (the firmware-probe's {@code image:} lines; the captured
 * load addresses, {@code image-base:} profile lines) and the EFI_DEBUG_IMAGE_INFO_TABLE (UEFI 2.10 §18.4.3; its
 * {@code debug-image:} lines: UpdateStatus, TableSize, one NormalImage entry per loaded image in handle order, each
 * naming the image's handle and its EFI_LOADED_IMAGE_PROTOCOL). Handle indexes are renumbered without the capture run's
 * boot media on both sides. OVMF's drivers that can be unloaded have Unload set (30 on these machines); efiemu presents
 * a non-NULL Unload for the same drivers (the captured UnloadImage outcome, {@code image-unload:} profile lines).
 */
class LoadedImagesDifferentialTest {

    /** The image: and debug-image: lines with handle indexes renumbered; the application's image: line left out. */
    private static List<String> images(List<String> lines) {
        int[] r = FirmwareProbeRun.handleIndexesWithoutBootMedia(lines);
        List<String> out = new ArrayList<>();
        List<String> images = lines.stream().filter(l -> l.startsWith("image: ")).toList();
        String application = images.get(images.size() - 1); // the image BDS started: the last handle with one
        for (String l : lines) {
            if (l.startsWith("image: ") && !l.equals(application)) {
                String[] f = l.split(" ", 3);
                out.add("image: " + String.format("%03d", r[Integer.parseInt(f[1])]) + " " + f[2]);
            } else if (l.startsWith("debug-image: ")) {
                java.util.regex.Matcher m = java.util.regex.Pattern.compile(" handle=(\\d{3,})").matcher(l);
                out.add(m.find() ? m.replaceFirst(" handle=" + String.format("%03d", r[Integer.parseInt(m.group(1))])) : l);
            }
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"ovmf-q35-2g", "ovmf-q35-512m", "ovmf-pc-2g"})
    void driverImageBasesSizesAndTheDebugImageTableAreOvmfs(String profile) {
        List<String> real = images(FirmwareProbeRun.captured(profile));
        List<String> emu = images(FirmwareProbeRun.efiemu(profile));
        assertThat(real).hasSizeGreaterThan(200).contains("debug-image: update-status=0x2 table-size=101");
        assertThat(emu).containsExactlyElementsOf(real);
        assertThat(real.stream().filter(l -> l.endsWith(" unload=set")).count()).isEqualTo(30);
        assertThat(real).allMatch(l -> !l.startsWith("image: ") || !l.contains(" base=0x0 "));
    }
}
