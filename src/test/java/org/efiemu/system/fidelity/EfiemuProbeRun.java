package org.efiemu.system.fidelity;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import org.efiemu.platform.ProfileRegistry;
import org.efiemu.uefi.BootOutcome;
import org.efiemu.uefi.BootResult;
import org.efiemu.uefi.UefiMachine;

/** Runs the OVMF probe on efiemu with a built-in profile captured from OVMF. */
final class EfiemuProbeRun {
    private EfiemuProbeRun() {}

    /** The probe image the platforms module builds ({@code payloads/ovmf-probe.efi} on the class path). */
    static byte[] probeImage() {
        try (InputStream in = EfiemuProbeRun.class.getResourceAsStream("/payloads/ovmf-probe.efi")) {
            if (in == null) {
                throw new IllegalStateException("payloads/ovmf-probe.efi is not on the class path: build the platforms module "
                        + "(mvn -B -o -q install -pl platforms -DskipTests)");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("reading payloads/ovmf-probe.efi", e);
        }
    }

    /** Boots the probe on {@code profile} as BDS would start BOOTX64.EFI; returns the run (console holds the steps). */
    static BootResult run(String profile) {
        return run(ProfileRegistry.builtIn(profile));
    }

    /** Boots the probe on {@code profile} (e.g. one {@code efiemu profile capture} just wrote). */
    static BootResult run(org.efiemu.platform.PlatformProfile profile) {
        try (UefiMachine m = UefiMachine.builder(profile.toDescription())
                .payload(probeImage(), "BOOTX64.EFI").filePath("\\EFI\\BOOT\\BOOTX64.EFI").build()) {
            BootResult r = m.run();
            if (r.outcome() != BootOutcome.RESET) {
                throw new AssertionError("the probe on efiemu (" + profile.name() + ") should end with ResetSystem(EfiResetShutdown), got "
                        + r + System.lineSeparator() + r.consoleText());
            }
            return r;
        }
    }
}
