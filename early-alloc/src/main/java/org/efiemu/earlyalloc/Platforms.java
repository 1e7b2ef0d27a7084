package org.efiemu.earlyalloc;

import java.util.Optional;
import org.efiemu.platform.PlatformProfile;
import org.efiemu.uefi.platform.PlatformDescription;

/**
 * Turns a profile into the machine the firmware model runs. The firmware model builds UEFI 2.70 tables only (it
 * refuses a lower system-table revision); real machines such as the Dell R820 (EFI 2.30) and IBM x3550 M2 (EFI 2.10)
 * report older revisions. None of the strategies reads the revision and every service they call exists since UEFI 2.0
 * with the same prototype, so efiemu runs such a machine with the system-table revision raised to 2.70 and says so
 * ({@link Described#note()}, shown in the matrix settings and by {@code efiemu run}).
 */
public final class Platforms {
    private Platforms() {
    }

    /**
     * @param description the machine to run
     * @param note        what efiemu changed about the profile, when it changed something
     */
    public record Described(PlatformDescription description, Optional<String> note) {}

    public static Described describe(PlatformProfile profile) {
        PlatformDescription d = profile.toDescription();
        PlatformDescription.Firmware f = d.firmware();
        if (f.uefiRevision() >= PlatformDescription.Firmware.UEFI_2_70) {
            return new Described(d, Optional.empty());
        }
        PlatformDescription raised = new PlatformDescription(d.name(), d.memoryMap(), d.placement(), d.descriptorSize(),
                d.descriptorVersion(), new PlatformDescription.Firmware(f.vendor(), f.revision(),
                        PlatformDescription.Firmware.UEFI_2_70), d.cpu(), d.smbios(), d.acpi(), d.console(),
                d.variables(), d.quirks());
        String note = String.format("%s: system-table revision raised from %d.%d to 2.70 (efiemu's firmware model serves"
                + " 2.70 tables only)", d.name(), f.uefiRevision() >>> 16, f.uefiRevision() & 0xFFFF);
        return new Described(raised, Optional.of(note));
    }
}
