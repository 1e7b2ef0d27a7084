package org.efiemu.platform.importer;

import java.util.Objects;

/**
 * How to import a dump.
 *
 * @param name the profile name; null derives one from the machine's DMI line or the file name
 * @param reclaimLoader return EfiLoaderCode/EfiLoaderData to EfiConventionalMemory: a map printed by Linux was taken
 *        after GRUB, shim and the kernel's EFI stub allocated them, so at application entry those pages were free
 * @param format which map of the dump to read; {@link DumpFormat#AUTO} prefers raw UEFI descriptors over E820
 */
public record ImportOptions(String name, boolean reclaimLoader, DumpFormat format) {

    public ImportOptions {
        Objects.requireNonNull(format, "format");
    }

    public static ImportOptions defaults() {
        return new ImportOptions(null, false, DumpFormat.AUTO);
    }

    public ImportOptions withName(String n) {
        return new ImportOptions(n, reclaimLoader, format);
    }

    public ImportOptions withReclaimLoader(boolean r) {
        return new ImportOptions(name, r, format);
    }

    public ImportOptions withFormat(DumpFormat f) {
        return new ImportOptions(name, reclaimLoader, f);
    }
}
