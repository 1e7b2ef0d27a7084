package org.efiemu.platform;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * LocateHandleBuffer(ByProtocol) (UEFI 2.10 §7.3.15) returns each protocol's handles in the order real OVMF returns
 * them: EDK2 keeps a protocol's interfaces in install order, so for the console protocols, the console device tags and
 * the GOP (the graphics console's handle before the display's) that is not the handle list's order. The
 * firmware-probe's {@code locate:} lines (one per protocol GUID: the handles, as indexes into the AllHandles list) on
 * efiemu with a built-in OVMF profile against the capture of QEMU 7.2 + OVMF 2022.11, with the capture run's boot media
 * (QEMU's {@code fat:} drive; efiemu's boot volume) taken out of both lists and the indexes renumbered without them.
 */
class LocateHandleOrderDifferentialTest {

    /** GUID -> the handles LocateHandleBuffer(ByProtocol) returned, renumbered without the boot media's handles. */
    private static Map<String, List<Integer>> orders(List<String> lines) {
        int[] renumber = FirmwareProbeRun.handleIndexesWithoutBootMedia(lines);
        Map<String, List<Integer>> out = new LinkedHashMap<>();
        for (String l : lines) {
            if (!l.startsWith("locate: ")) {
                continue;
            }
            String[] f = l.split(" ");
            List<Integer> order = new ArrayList<>();
            if (f.length > 4) {
                for (String i : f[4].split(",")) {
                    int r = renumber[Integer.parseInt(i)];
                    if (r >= 0) {
                        order.add(r);
                    }
                }
            }
            if (!order.isEmpty()) {
                out.put(f[1], order);
            }
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"ovmf-q35-2g", "ovmf-q35-512m", "ovmf-pc-2g"})
    void locateHandleByProtocolReturnsHandlesInOvmfsInstallOrder(String profile) {
        Map<String, List<Integer>> real = orders(FirmwareProbeRun.captured(profile));
        Map<String, List<Integer>> emu = orders(FirmwareProbeRun.efiemu(profile));
        assertThat(real).hasSizeGreaterThan(100);
        for (var e : real.entrySet()) {
            assertThat(emu.get(e.getKey())).as("LocateHandleBuffer(ByProtocol, %s) on %s", e.getKey(), profile)
                    .isEqualTo(e.getValue());
        }
        assertThat(emu.keySet()).containsExactlyInAnyOrderElementsOf(real.keySet());
        // the GOP: OVMF returns the graphics console's handle before the display's
        assertThat(real.get("9042a9de-23dc-4a38-96fb-7aded080516a")).hasSize(2).isNotEqualTo(
                real.get("9042a9de-23dc-4a38-96fb-7aded080516a").stream().sorted().toList());
    }
}
