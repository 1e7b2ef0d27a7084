package org.efiemu.uefi.diagnostics;

import java.util.ArrayList;
import java.util.List;
import org.efiemu.uefi.image.FoundImage;

/**
 * Why a run went the way it did, as far as the firmware can tell: where the guest was when it stopped (image+offset,
 * also inside images found by their PE header) and everything it asked for and did not get.
 *
 * @param stopSite the stop RIP described ({@code grubx64.efi+0x1A2B}, {@code image@0x7CA00000+0x10}, or hex)
 * @param unmet what the guest asked for and did not get, in the order first asked
 * @param foundImages images found in memory by their PE header (loaded without LoadImage)
 */
public record StopDiagnosis(String stopSite, List<UnmetRequest> unmet, List<FoundImage> foundImages) {

    public StopDiagnosis {
        unmet = List.copyOf(unmet);
        foundImages = List.copyOf(foundImages);
    }

    /** The unmet requests of one kind. */
    public List<UnmetRequest> unmet(UnmetRequest.Kind kind) {
        return unmet.stream().filter(u -> u.kind() == kind).toList();
    }

    /** Human-readable lines for a run summary or report (no trailing newline in any). */
    public List<String> lines() {
        List<String> out = new ArrayList<>();
        out.add("stopped at " + stopSite);
        foundImages.forEach(f -> out.add("image found by its " + f.header() + ": " + f));
        if (unmet.isEmpty()) {
            out.add("asked for nothing the firmware lacked");
        } else {
            out.add("asked for and did not get (" + unmet.size() + "):");
            unmet.forEach(u -> out.add("  " + u));
        }
        return out;
    }
}
