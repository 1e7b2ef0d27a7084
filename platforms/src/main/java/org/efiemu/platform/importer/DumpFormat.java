package org.efiemu.platform.importer;

/** The kinds of memory-map dump the importers read (docs/profiles.md, "Importers"). */
public enum DumpFormat {
    /** Pick the richest map in the dump: raw UEFI descriptors (Linux or Shell) before E820. */
    AUTO,
    /** Linux {@code efi: memNN:} lines, old ({@code type=N, attr=...}) or new ({@code [Conventional|...]}) form. */
    LINUX_EFI,
    /** UEFI Shell {@code memmap} table. */
    SHELL_MEMMAP,
    /** Linux {@code BIOS-e820:} lines or Xen's {@code EFI RAM map:} / {@code Xen-e820 RAM map:} lines. */
    E820,
    /** A capture of efiemu's capture application ({@code efiemu profile capture}; read by {@code platform.capture}). */
    CAPTURE
}
