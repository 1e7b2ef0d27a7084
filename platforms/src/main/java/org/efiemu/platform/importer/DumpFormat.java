package org.efiemu.platform.importer;

/** The kinds of memory-map dump the importers read (docs/profiles.md, "Importers"). */
public enum DumpFormat {
    /** Pick the richest map in the dump: raw UEFI descriptors (Linux, Shell, GRUB, FreeBSD) before E820 forms. */
    AUTO(false),
    /** Linux {@code efi: memNN:} lines, old ({@code type=N, attr=...}) or new ({@code [Conventional|...]}) form. */
    LINUX_EFI(false),
    /** UEFI Shell {@code memmap} table. */
    SHELL_MEMMAP(false),
    /** GRUB {@code lsefimmap} table. */
    GRUB_LSEFIMMAP(false),
    /** FreeBSD EFI map table ({@code sysctl machdep.efi_map}, the loader's {@code memmap}). */
    FREEBSD_EFI_MAP(false),
    /** Linux {@code BIOS-e820:} lines or Xen's {@code EFI RAM map:} / {@code Xen-e820 RAM map:} lines. */
    E820(true),
    /** SeaBIOS's debug-console {@code e820 map has N items:} dump. */
    SEABIOS_E820(true),
    /** coreboot's console memory table ({@code  0. 0000000000000000-0000000000000fff: CONFIGURATION TABLES}). */
    COREBOOT(true),
    /** GRUB {@code lsmmap} lines ({@code base_addr = 0x0, length = 0x9f000, available RAM}). */
    GRUB_LSMMAP(true);

    private final boolean e820;

    DumpFormat(boolean e820) {
        this.e820 = e820;
    }

    /** True for the E820-family forms: UEFI types are inferred from E820 kinds. */
    public boolean e820Family() {
        return e820;
    }
}
