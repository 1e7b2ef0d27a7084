package org.efiemu.platform.importer;

import java.util.List;
import org.efiemu.platform.PlatformProfile;
import org.efiemu.platform.inference.PlacementInference;

/**
 * A profile read from a dump, with a note for everything that was inferred or changed.
 *
 * @param profile the profile
 * @param format the map that was read
 * @param notes one sentence per inference or change, in the order they were made
 * @param inference what the map's memory-type bins imply for placement (applied unless {@code --placement} was given)
 */
public record ImportResult(PlatformProfile profile, DumpFormat format, List<String> notes,
        PlacementInference.Result inference) {
    public ImportResult {
        notes = List.copyOf(notes);
    }
}
