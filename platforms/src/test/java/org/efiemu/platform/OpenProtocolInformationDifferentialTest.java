package org.efiemu.platform;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The firmware's open entries (UEFI 2.10 §7.3.11 OpenProtocolInformation) and its drivers' Unload (§7.4.6 UnloadImage)
 * on efiemu against real QEMU 7.2 + OVMF 2022.11, the firmware-probe's lines on both:
 * <ul>
 * <li>{@code open:} every open entry of every handle's protocols when BDS starts the application (the drivers'
 * BY_DRIVER and BY_CHILD_CONTROLLER opens, the core's BY_HANDLE_PROTOCOL opens with their counts);
 * <li>{@code open-check:} per BY_DRIVER entry, OpenProtocol BY_DRIVER by the application (EFI_ACCESS_DENIED) and by
 * the entry's own agent and controller (EFI_ALREADY_STARTED, the interface returned), as EDK2's CoreOpenProtocol;
 * <li>{@code open-after:} the same dump after the probe's own HandleProtocol calls (counted on the core image's
 * entries as EDK2 does);
 * <li>{@code unload:} UnloadImage of the 30 drivers whose Unload is set, in handle order: status and handles removed;
 * {@code open-unloaded:} the dump after them, equal but for one documented difference: the core's HandleProtocol count
 * on each EFI_DRIVER_BINDING_PROTOCOL handle is 17 higher on OVMF, where 17 of the drivers' Unload functions look up
 * every driver binding (efiemu runs none of the drivers' code; it applies the captured outcome).
 * </ul>
 * Handle indexes are renumbered without the capture run's boot media on both sides, and entries that name a boot media
 * handle (the drivers' opens of QEMU's {@code fat:} drive on OVMF; efiemu's boot volume has none) are left out; the
 * handle counts of the totals and {@code unload:} lines are left out for the same reason.
 */
class OpenProtocolInformationDifferentialTest {

    private static final Pattern INDEX = Pattern.compile("(^ |agent=|controller=|gone=|,)(\\d{3,})");

    /** The lines of the open and unload sections, renumbered; null for a line naming a boot media handle. */
    private static List<String> section(List<String> lines, String... prefixes) {
        int[] r = FirmwareProbeRun.handleIndexesWithoutBootMedia(lines);
        List<String> out = new ArrayList<>();
        for (String l : lines) {
            String prefix = null;
            for (String p : prefixes) {
                if (l.startsWith(p + ": ")) {
                    prefix = p;
                }
            }
            if (prefix == null || l.contains(" entries=")) {
                continue;
            }
            String body = l.substring(prefix.length() + 1).replaceFirst(" handles=\\d+", "");
            Matcher m = INDEX.matcher(body);
            StringBuilder sb = new StringBuilder();
            boolean media = false;
            while (m.find()) {
                int at = r[Integer.parseInt(m.group(2))];
                media |= at < 0;
                m.appendReplacement(sb, m.group(1) + (at < 0 ? "media" : String.format("%03d", at)));
            }
            m.appendTail(sb);
            String renumbered = sb.toString();
            if (prefix.equals("unload")) { // the removed handles without the boot media's
                renumbered = renumbered.replaceAll(",?media", "").replace("gone=,", "gone=");
                out.add(prefix + ":" + renumbered);
            } else if (!media) {
                out.add(prefix + ":" + renumbered);
            }
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"ovmf-q35-2g", "ovmf-q35-512m", "ovmf-pc-2g"})
    void openProtocolInformationAndByDriverOpensEqualRealOvmfs(String profile) {
        List<String> captured = FirmwareProbeRun.captured(profile);
        List<String> real = section(captured, "open", "open-check", "open-after");
        List<String> emu = section(FirmwareProbeRun.efiemu(profile), "open", "open-check", "open-after");
        assertThat(captured).contains("open: entries=424 by-driver=36 by-child-controller=19 handles=183");
        assertThat(real).filteredOn(l -> l.startsWith("open-check:")).hasSizeGreaterThan(20)
                .allMatch(l -> l.contains("by-driver (EFI_ACCESS_DENIED) interface=null same (EFI_ALREADY_STARTED)"));
        assertThat(real).anyMatch(l -> l.startsWith("open:") && l.contains(" attributes=0x8 "))
                .anyMatch(l -> l.startsWith("open:") && l.contains(" attributes=0x10 "));
        assertThat(emu).containsExactlyElementsOf(real);
    }

    @ParameterizedTest
    @ValueSource(strings = {"ovmf-q35-2g", "ovmf-q35-512m", "ovmf-pc-2g"})
    void unloadImageOfOvmfsUnloadableDriversGivesOvmfsStatusAndRemovesItsHandles(String profile) {
        List<String> captured = FirmwareProbeRun.captured(profile);
        List<String> real = section(captured, "unload", "open-unloaded");
        List<String> emu = section(FirmwareProbeRun.efiemu(profile), "unload", "open-unloaded");
        assertThat(real.stream().filter(l -> l.startsWith("unload:")).count()).isEqualTo(30);
        assertThat(real).filteredOn(l -> l.startsWith("unload:")).allMatch(l -> l.contains("(EFI_SUCCESS)"));
        assertThat(withoutBindingLookups(emu)).containsExactlyElementsOf(withoutBindingLookups(real));
        // the documented difference: 17 of the drivers' Unload functions look up every EFI_DRIVER_BINDING_PROTOCOL
        // with HandleProtocol (counted on the core's entry of each driver binding handle); efiemu runs none of them
        List<String> realCounts = real.stream().filter(OpenProtocolInformationDifferentialTest::bindingLookup).toList();
        List<String> emuCounts = emu.stream().filter(OpenProtocolInformationDifferentialTest::bindingLookup).toList();
        assertThat(emuCounts).hasSameSizeAs(realCounts).hasSizeGreaterThan(30);
        for (int i = 0; i < realCounts.size(); i++) {
            assertThat(count(realCounts.get(i)) - count(emuCounts.get(i))).as(realCounts.get(i)).isEqualTo(17);
        }
    }

    private static final String DRIVER_BINDING = "18a031ab-b443-4d1a-a5c0-0c09261e9f71";

    private static boolean bindingLookup(String l) {
        return l.startsWith("open-unloaded:") && l.contains(" " + DRIVER_BINDING + " agent=000 controller=none attributes=0x1 ");
    }

    private static int count(String l) {
        return Integer.parseInt(l.substring(l.lastIndexOf("count=") + 6));
    }

    private static List<String> withoutBindingLookups(List<String> lines) {
        return lines.stream().map(l -> bindingLookup(l) ? l.substring(0, l.lastIndexOf(" count=")) : l).toList();
    }
}
