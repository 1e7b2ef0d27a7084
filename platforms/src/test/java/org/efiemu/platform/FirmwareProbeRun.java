package org.efiemu.platform;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.efiemu.uefi.BootOutcome;
import org.efiemu.uefi.BootResult;
import org.efiemu.uefi.UefiMachine;
import org.efiemu.uefi.protocol.ConsoleListener;

/**
 * What the differential tests of the firmware-probe share: the probe's lines as real QEMU 7.2 + OVMF 2022.11 printed
 * them (the committed captures) and as efiemu prints them with the same built-in profile, and the handle indexes of
 * both without the capture run's boot media (QEMU's {@code fat:} drive on OVMF, efiemu's boot volume).
 */
final class FirmwareProbeRun {

    private FirmwareProbeRun() {
    }

    static String resource(String name) {
        try (InputStream in = FirmwareProbeRun.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is not on the class path (built by this module's build)");
            }
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new UncheckedIOException(name, e);
        }
    }

    static List<String> lines(String text) {
        return Arrays.asList(text.replace("\r", "").split("\n"));
    }

    /** The capture of real OVMF for a built-in OVMF profile, line by line. */
    static List<String> captured(String profile) {
        return lines(resource("/org/efiemu/platform/captures/" + profile + ".firmware.txt"));
    }

    /** Runs the firmware-probe as \EFI\BOOT\BOOTX64.EFI on efiemu with a built-in profile to its ResetSystem. */
    static BootResult run(String profile) {
        byte[] probe = resource("/payloads/firmware-probe.efi").getBytes(StandardCharsets.ISO_8859_1);
        try (UefiMachine m = UefiMachine.builder(ProfileRegistry.builtIn(profile).toDescription())
                .payload(probe, "BOOTX64.EFI").filePath("\\EFI\\BOOT\\BOOTX64.EFI").build()) {
            BootResult r = m.run();
            assertThat(r.outcome()).as("the probe ends with ResetSystem(EfiResetShutdown): %s", r)
                    .isEqualTo(BootOutcome.RESET);
            return r;
        }
    }

    /** The probe's serial lines on efiemu. */
    static List<String> efiemu(String profile) {
        return lines(run(profile).console().text(ConsoleListener.Source.SERIAL));
    }

    /**
     * Per handle index of the probe's {@code handle:} list, its index in the list without the boot media's handles
     * (those with Block I/O or a simple file system), or -1 for a boot media handle.
     */
    static int[] handleIndexesWithoutBootMedia(List<String> lines) {
        List<Boolean> storage = new ArrayList<>();
        for (String l : lines) {
            if (l.matches("handle: \\d{3,} protocols=\\d+")) {
                storage.add(false);
            } else if ((l.equals("handle: 964e5b21-6459-11d2-8e39-00a0c969723b")
                    || l.equals("handle: 964e5b22-6459-11d2-8e39-00a0c969723b")) && !storage.isEmpty()) {
                storage.set(storage.size() - 1, true);
            }
        }
        int[] out = new int[storage.size()];
        for (int i = 0, n = 0; i < out.length; i++) {
            out[i] = storage.get(i) ? -1 : n++;
        }
        return out;
    }
}
