package org.efiemu.earlyalloc;

import java.util.Optional;
import org.efiemu.platform.PlatformProfile;
import org.efiemu.uefi.UefiMachine;
import org.efiemu.uefi.platform.PlatformDescription;

/**
 * Turns a profile into the machine the firmware model runs, with a note when efiemu presents the machine differently
 * from its profile. Real machines such as the Dell R820 (EFI 2.30) and IBM x3550 M2 (EFI 2.10) report older UEFI 2.x
 * revisions; {@link UefiMachine#tableRevision(PlatformDescription)} serves them 2.70 table headers (the same slots and
 * prototypes) and keeps the profile's own revision in the description. The note says so, for the matrix settings and
 * {@code efiemu run}.
 */
public final class Platforms {
    private Platforms() {
    }

    /**
     * @param description the machine to run (the profile's, unchanged)
     * @param note        how efiemu presents the machine differently from its profile, when it does
     */
    public record Described(PlatformDescription description, Optional<String> note) {}

    public static Described describe(PlatformProfile profile) {
        PlatformDescription d = profile.toDescription();
        int real = d.firmware().uefiRevision();
        int tables = UefiMachine.tableRevision(d);
        Optional<String> above = aboveCpuLimit(d);
        if (tables == real) {
            return new Described(d, above);
        }
        String note = String.format("%s: UEFI %d.%d machine, system-table headers presented as %d.%d (efiemu serves "
                + "the 2.70 tables; the 2.x services have the same slots and prototypes)", d.name(), real >>> 16,
                real & 0xFFFF, tables >>> 16, tables & 0xFFFF);
        return new Described(d, Optional.of(above.map(a -> note + "; " + a).orElse(note)));
    }

    /**
     * A note when the map has memory at or above the emulated CPU's physical address limit (40 bits, 1 TiB, every
     * Unicorn 2.0.1 CPU model): the firmware model keeps it in the map, but a guest access there stops the run
     * ({@code ABOVE_PHYSICAL_LIMIT}); said at load rather than discovered at run time.
     */
    static Optional<String> aboveCpuLimit(PlatformDescription d) {
        long limit = org.efiemu.core.machine.LongMode.PHYSICAL_LIMIT;
        long top = 0;
        for (var m : d.memoryMap()) {
            long end = m.physicalStart() + (m.numberOfPages() << 12);
            if (Long.compareUnsigned(end, top) > 0) top = end;
        }
        if (Long.compareUnsigned(top, limit) <= 0) {
            return Optional.empty();
        }
        return Optional.of(String.format("%s: the memory map reaches 0x%X, above the emulated CPU's 40-bit physical "
                + "address limit 0x%X; the memory there stays in the map, but a guest access to it stops the run "
                + "(ABOVE_PHYSICAL_LIMIT)", d.name(), top, limit));
    }
}
