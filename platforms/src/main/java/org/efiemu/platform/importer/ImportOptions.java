package org.efiemu.platform.importer;

import java.util.Objects;
import org.efiemu.uefi.spec.PlacementSpec;

/**
 * How to import a dump.
 *
 * @param name the profile name; null derives one from the machine's DMI line or the file name
 * @param reclaimLoader return EfiLoaderCode/EfiLoaderData to EfiConventionalMemory: a map printed by Linux was taken
 *        after GRUB, shim and the kernel's EFI stub allocated them, so at application entry those pages were free
 * @param format which map of the dump to read; {@link DumpFormat#AUTO} prefers raw UEFI descriptors over E820
 * @param placement the placement rule to write; null infers it from the map's memory-type bins
 *        ({@link org.efiemu.platform.inference.PlacementInference})
 */
public record ImportOptions(String name, boolean reclaimLoader, DumpFormat format, PlacementSpec placement) {

    public ImportOptions {
        Objects.requireNonNull(format, "format");
    }

    public ImportOptions(String name, boolean reclaimLoader, DumpFormat format) {
        this(name, reclaimLoader, format, null);
    }

    public static ImportOptions defaults() {
        return new ImportOptions(null, false, DumpFormat.AUTO, null);
    }

    public ImportOptions withName(String n) {
        return new ImportOptions(n, reclaimLoader, format, placement);
    }

    public ImportOptions withReclaimLoader(boolean r) {
        return new ImportOptions(name, r, format, placement);
    }

    public ImportOptions withFormat(DumpFormat f) {
        return new ImportOptions(name, reclaimLoader, f, placement);
    }

    /** {@code --placement SPEC}: this rule instead of the inferred one. */
    public ImportOptions withPlacement(PlacementSpec p) {
        return new ImportOptions(name, reclaimLoader, format, p);
    }
}
