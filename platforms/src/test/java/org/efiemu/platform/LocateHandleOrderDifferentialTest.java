package org.efiemu.platform;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.efiemu.uefi.BootOutcome;
import org.efiemu.uefi.BootResult;
import org.efiemu.uefi.UefiMachine;
import org.efiemu.uefi.protocol.ConsoleListener;
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

    private static String resource(String name) {
        try (InputStream in = LocateHandleOrderDifferentialTest.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is not on the class path (built by this module's build)");
            }
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new UncheckedIOException(name, e);
        }
    }

    private static List<String> lines(String text) {
        return Arrays.asList(text.replace("\r", "").split("\n"));
    }

    private static List<String> efiemu(String profile) {
        byte[] probe = resource("/payloads/firmware-probe.efi").getBytes(StandardCharsets.ISO_8859_1);
        try (UefiMachine m = UefiMachine.builder(ProfileRegistry.builtIn(profile).toDescription())
                .payload(probe, "BOOTX64.EFI").filePath("\\EFI\\BOOT\\BOOTX64.EFI").build()) {
            BootResult r = m.run();
            assertThat(r.outcome()).as("%s", r).isEqualTo(BootOutcome.RESET);
            return lines(r.console().text(ConsoleListener.Source.SERIAL));
        }
    }

    /** Per handle index: true when the handle belongs to the boot media (Block I/O or a simple file system). */
    private static List<Boolean> storage(List<String> lines) {
        List<Boolean> out = new ArrayList<>();
        for (String l : lines) {
            if (l.matches("handle: \\d{3,} protocols=\\d+")) {
                out.add(false);
            } else if ((l.equals("handle: 964e5b21-6459-11d2-8e39-00a0c969723b")
                    || l.equals("handle: 964e5b22-6459-11d2-8e39-00a0c969723b")) && !out.isEmpty()) {
                out.set(out.size() - 1, true);
            }
        }
        return out;
    }

    /** GUID -> the handles LocateHandleBuffer(ByProtocol) returned, renumbered without the boot media's handles. */
    private static Map<String, List<Integer>> orders(List<String> lines) {
        List<Boolean> storage = storage(lines);
        int[] renumber = new int[storage.size()];
        for (int i = 0, n = 0; i < storage.size(); i++) {
            renumber[i] = storage.get(i) ? -1 : n++;
        }
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
        Map<String, List<Integer>> real = orders(lines(resource("/org/efiemu/platform/captures/" + profile + ".firmware.txt")));
        Map<String, List<Integer>> emu = orders(efiemu(profile));
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
