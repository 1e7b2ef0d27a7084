package org.efiemu.platform.importer;

import static org.assertj.core.api.Assertions.assertThat;

import org.efiemu.platform.ProfileFormatException;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.junit.jupiter.api.Test;

/**
 * The firmware and boot-loader map listings beyond Linux and the UEFI Shell: SeaBIOS's and coreboot's consoles, GRUB's
 * lsmmap and lsefimmap, FreeBSD's EFI map. The fixtures follow the printf formats of those programs (SeaBIOS
 * src/e820map.c dump_map, coreboot src/lib/bootmem.c bootmem_dump_ranges, GRUB grub-core/commands/lsmmap.c and
 * efi/lsefimmap.c, FreeBSD efi_map_print_entries and the loader's memmap command).
 */
class DumpFamiliesTest {

    private static final long WB = 0xF;
    private static final long UC = 0x1;
    private static final long RT_WB = 0x800000000000000FL;

    private static ImportResult imp(String text) {
        return DumpImporter.importText(text, "dump.txt", ImportOptions.defaults().withName("t"));
    }

    private static ProfileFormatException error(String text) {
        try {
            imp(text);
        } catch (ProfileFormatException e) {
            assertThat(e.getMessage()).as("no Java names in messages").doesNotContainPattern("[a-z]+\\.[a-z]+\\.[A-Z]")
                    .doesNotContain("Exception");
            return e;
        }
        throw new AssertionError("no error for:\n" + text);
    }

    static final String SEABIOS = """
            SeaBIOS (version 1.16.2-debian-1.16.2-1)
            Ram Size=0x7ffdf000 (0x0000000000000000 high)
            e820 map has 7 items:
              0: 0000000000000000 - 000000000009fc00 = 1 RAM
              1: 000000000009fc00 - 00000000000a0000 = 2 RESERVED
              2: 00000000000f0000 - 0000000000100000 = 2 RESERVED
              3: 0000000000100000 - 000000007ffdf000 = 1 RAM
              4: 000000007ffdf000 - 0000000080000000 = 2 RESERVED
              5: 00000000feffc000 - 00000000ff000000 = 2 RESERVED
              6: 00000000fffc0000 - 0000000100000000 = 2 RESERVED
            enter handle_19:
            """;

    @Test
    void seabiosDebugConsoleE820IsReadWithExclusiveEndsAndByteRangesRounded() {
        ImportResult r = imp(SEABIOS);
        assertThat(r.format()).isEqualTo(DumpFormat.SEABIOS_E820);
        assertThat(r.profile().memoryMap()).containsExactly(new MemoryDescriptor(7, 0, 0x9F, WB),
                new MemoryDescriptor(0, 0x9F000, 1, UC), new MemoryDescriptor(0, 0xF0000, 0x10, UC),
                new MemoryDescriptor(7, 0x100000, 0x7FEDF, WB), new MemoryDescriptor(0, 0x7FFDF000L, 0x21, UC),
                new MemoryDescriptor(0, 0xFEFFC000L, 4, UC), new MemoryDescriptor(0, 0xFFFC0000L, 0x40, UC));
        assertThat(r.notes()).anyMatch(n -> n.startsWith("read 7 E820 entries from SeaBIOS's debug console"))
                .anyMatch(n -> n.contains("line 4: usable range 0x0-0x9FBFF is not page aligned; rounded inward"));
    }

    @Test
    void seabiosMapShorterThanItsHeaderSaysIsATruncatedLog() {
        String cut = SEABIOS.substring(0, SEABIOS.indexOf("  5: "));
        ProfileFormatException e = error(cut);
        assertThat(e.getMessage()).startsWith("dump.txt:9: ").contains("line after 5 of the 7 items announced on line 3");
    }

    @Test
    void seabiosRowWhoseNameContradictsItsTypeIsCorrupt() {
        ProfileFormatException e = error(SEABIOS.replace("= 2 RESERVED\n  2:", "= 2 RAM\n  2:"));
        assertThat(e.getMessage()).startsWith("dump.txt:5: ").contains("type 2 RAM: SeaBIOS names type 2 RESERVED");
    }

    static final String COREBOOT = """
            coreboot-4.19 Fri Jan 1 00:00:00 UTC 2023 ramstage starting...
            Writing coreboot table at 0x7ab34000
             0. 0000000000000000-0000000000000fff: CONFIGURATION TABLES
             1. 0000000000001000-000000000009ffff: RAM
             2. 00000000000a0000-00000000000fffff: RESERVED
             3. 0000000000100000-000000000fffffff: RAM
             4. 0000000010000000-0000000012150fff: RESERVED
             5. 0000000012151000-000000007a9fcfff: RAM
             6. 000000007a9fd000-000000007affffff: CONFIGURATION TABLES
             7. 000000007b000000-000000007fffffff: RESERVED
             8. 00000000e0000000-00000000efffffff: RESERVED
             9. 0000000100000000-000000027fffffff: RAM
            Wrote coreboot table at: 0x7ab34000, 0x2c4 bytes, checksum 6b1c
            """;

    @Test
    void corebootMemoryTableIsReadAndItsCbmemTablesAreReservedRam() {
        ImportResult r = imp(COREBOOT);
        assertThat(r.format()).isEqualTo(DumpFormat.COREBOOT);
        assertThat(r.profile().memoryMap()).hasSize(10).startsWith(new MemoryDescriptor(0, 0, 1, WB),
                new MemoryDescriptor(7, 0x1000, 0x9F, WB), new MemoryDescriptor(0, 0xA0000, 0x60, UC));
        assertThat(r.profile().memoryMap()).contains(new MemoryDescriptor(0, 0x7A9FD000L, 0x603, WB));
        assertThat(r.notes()).anyMatch(n -> n.contains("type 16 (coreboot's CBMEM tables"));
        assertThat(r.profile().ramRanges().span().upperEndpoint()).isEqualTo(0x280000000L);
    }

    @Test
    void corebootConsoleLevelPrefixesAreStripped() {
        String prefixed = COREBOOT.lines().map(l -> l.startsWith(" ") ? "[DEBUG] " + l : l)
                .reduce("", (a, b) -> a + b + "\n");
        assertThat(imp(prefixed).profile().memoryMap()).isEqualTo(imp(COREBOOT).profile().memoryMap());
    }

    @Test
    void corebootRowThatCannotBeReadNamesItsLine() {
        ProfileFormatException e = error(COREBOOT.replace(" 4. 0000000010000000-0000000012150fff", " 4. 0000000010000000-00000000121"));
        assertThat(e.getMessage()).startsWith("dump.txt:7: ").contains("expected ' N. SSSSSSSSSSSSSSSS-LLLLLLLLLLLLLLLL: TAG'");
    }

    @Test
    void linuxE820UnknownTypesAreReservedAsLinuxTreatsThemAndType16IsReservedRam() {
        ImportResult r = imp("""
                BIOS-e820: [mem 0x0000000000000000-0x000000000009ffff] usable
                BIOS-e820: [mem 0x0000000000100000-0x000000007a9fcfff] usable
                BIOS-e820: [mem 0x000000007a9fd000-0x000000007affffff] type 16
                BIOS-e820: [mem 0x00000000fed00000-0x00000000fed00fff] type 99
                """);
        assertThat(r.profile().memoryMap()).contains(new MemoryDescriptor(0, 0x7A9FD000L, 0x603, WB),
                new MemoryDescriptor(0, 0xFED00000L, 1, UC));
        assertThat(r.notes()).anyMatch(n -> n.startsWith("line 4: E820 type 99 is not a type Linux knows"));
    }

    static final String LSMMAP = """
            grub> lsmmap
            base_addr = 0x0, length = 0x9f000, available RAM
            base_addr = 0x9f000, length = 0x1000, reserved RAM
            base_addr = 0x100000, length = 0x7fe00000, available RAM
            base_addr = 0x7ff00000, length = 0x40000, RAM holding firmware code
            base_addr = 0x7ff40000, length = 0x40000, reserved RAM
            base_addr = 0x7ff80000, length = 0x20000, ACPI reclaimable RAM
            base_addr = 0x7ffa0000, length = 0x60000, ACPI non-volatile storage RAM
            base_addr = 0xfffc0000, length = 0x40000, type = 0x11
            base_addr = 0x100000000, length = 0x80000000, available RAM
            grub>
            """;

    @Test
    void grubLsmmapIsReadWithGrubTypesAsE820Kinds() {
        ImportResult r = imp(LSMMAP);
        assertThat(r.format()).isEqualTo(DumpFormat.GRUB_LSMMAP);
        assertThat(r.profile().memoryMap()).containsExactly(new MemoryDescriptor(7, 0, 0x9F, WB),
                new MemoryDescriptor(0, 0x9F000, 1, UC), new MemoryDescriptor(7, 0x100000, 0x7FE00, WB),
                new MemoryDescriptor(5, 0x7FF00000L, 0x40, RT_WB), new MemoryDescriptor(0, 0x7FF40000L, 0x40, UC),
                new MemoryDescriptor(9, 0x7FF80000L, 0x20, WB), new MemoryDescriptor(10, 0x7FFA0000L, 0x60, WB),
                new MemoryDescriptor(0, 0xFFFC0000L, 0x40, UC), new MemoryDescriptor(7, 0x100000000L, 0x80000, WB));
        assertThat(r.notes()).anyMatch(n -> n.startsWith("line 9: E820 type 17 is not a type Linux knows"));
    }

    @Test
    void grubLegacyLsmmapNamesAreReadAndHolesSkipped() {
        ImportResult r = imp("""
                base_addr = 0x0, length = 0x9fc00, available
                base_addr = 0x9fc00, length = 0x400, reserved
                base_addr = 0xa0000, length = 0x60000, hole
                base_addr = 0x100000, length = 0x3ff00000, available
                base_addr = 0x40000000, length = 0x10000, ACPI reclamaible
                """);
        assertThat(r.profile().memoryMap()).containsExactly(new MemoryDescriptor(7, 0, 0x9F, WB),
                new MemoryDescriptor(0, 0x9F000, 1, UC), new MemoryDescriptor(7, 0x100000, 0x3FF00, WB),
                new MemoryDescriptor(9, 0x40000000L, 0x10, WB));
        assertThat(r.notes()).anyMatch(n -> n.equals("line 3: a 'hole' (no memory) was skipped"));
    }

    @Test
    void grubLsmmapWithAnUnknownNameOrBadNumberNamesLineAndField() {
        assertThat(error(LSMMAP.replace("ACPI reclaimable RAM", "ACPI whatever")).getMessage())
                .startsWith("dump.txt:7: memory type 'ACPI whatever': expected one of");
        assertThat(error(LSMMAP.replace("length = 0x1000,", "length = 0x0,")).getMessage())
                .startsWith("dump.txt:3: length 0x0: expected a non-empty range");
        assertThat(error(LSMMAP.replace("base_addr = 0x100000,", "base_addr = 0x10000g,")).getMessage())
                .startsWith("dump.txt:4: ").contains("expected 'base_addr = 0xB, length = 0xL, NAME'");
    }

    static final String LSEFIMMAP = """
            grub> lsefimmap
            Type      Physical start  - end             #Pages     Size Attributes
            BS-code   0000000000000000-0000000000000fff 00000001    4KB UC WC WT WB
            conv-mem  0000000000001000-000000000009ffff 0000009f  636KB UC WC WT WB
            ldr-code  0000000000100000-00000000008fffff 00000800    8MB UC WC WT WB
            conv-mem  0000000000900000-000000007effffff 0007e700 2023MB UC WC WT WB
            RT-code   000000007f000000-000000007f0fffff 00000100    1MB RT UC WC WT WB
            RT-data   000000007f100000-000000007f1fffff 00000100    1MB RT UC WC WT WB
            reserved  000000007f200000-000000007f27ffff 00000080  512KB UC WC WT WB
            ACPI-nvs  000000007f280000-000000007f37ffff 00000100    1MB UC WC WT WB
            BS-data   000000007f380000-000000007fffffff 00000c80   12MB UC WC WT WB
            MMIO      00000000ffc00000-00000000ffffffff 00000400    4MB RT UC
            Unk 0e    0000000100000000-0000000100000fff 00000001    4KB WB

            grub>
            """;

    @Test
    void grubLsefimmapGivesRawDescriptorsAndItsBinsAreInferred() {
        ImportResult r = imp(LSEFIMMAP);
        assertThat(r.format()).isEqualTo(DumpFormat.GRUB_LSEFIMMAP);
        assertThat(r.profile().memoryMap()).hasSize(11).startsWith(new MemoryDescriptor(3, 0, 1, WB),
                new MemoryDescriptor(7, 0x1000, 0x9F, WB));
        assertThat(r.profile().memoryMap()).contains(new MemoryDescriptor(11, 0xFFC00000L, 0x400, 0x8000000000000001L),
                new MemoryDescriptor(14, 0x100000000L, 1, 0x8));
        assertThat(r.profile().placement().param("default-max", null)).isEqualTo("0x7EFFFFFF");
        assertThat(r.notes()).anyMatch(n -> n.contains("look like an OS loader's allocations (more than"))
                .anyMatch(n -> n.startsWith("placement inferred: bins from a run of 4 contiguous"));
    }

    @Test
    void grubLsefimmapPageCountThatContradictsTheRangeNamesTheField() {
        ProfileFormatException e = error(LSEFIMMAP.replace("0000009f  636KB", "000000a0  640KB"));
        assertThat(e.getMessage()).startsWith("dump.txt:4: #Pages a0 does not match the range");
    }

    @Test
    void grubLsefimmapOverlappingRangesAreRejectedNamingBothLines() {
        ProfileFormatException e = error(LSEFIMMAP.replace("ldr-code  0000000000100000-00000000008fffff 00000800",
                "ldr-code  0000000000080000-000000000087ffff 00000800"));
        assertThat(e.getMessage()).startsWith("dump.txt:5: ").contains("overlaps line 4");
    }

    static final String FREEBSD = """
            # sysctl machdep.efi_map
            machdep.efi_map:
                               Type     Physical      Virtual   #Pages Attr
                   BootServicesCode 000000000000 000000000000 00000001 UC WC WT WB\s
                 ConventionalMemory 000000001000 000000000000 0000009f UC WC WT WB\s
                 ConventionalMemory 000000100000 000000000000 0007ef00 UC WC WT WB\s
                RuntimeServicesCode 00007f000000 00007f000000 00000100 UC WC WT WB RUNTIME
                RuntimeServicesData 00007f100000 00007f100000 00000100 UC WC WT WB RUNTIME
                           Reserved 00007f200000 000000000000 00000080 UC WC WT WB\s
                      ACPIMemoryNVS 00007f280000 000000000000 00000d80 UC WC WT WB\s
                     MemoryMappedIO 0000ffc00000 0000ffc00000 00000400 UC RUNTIME
            """;

    @Test
    void freebsdEfiMapIsReadWithPageCountsAndAttributes() {
        ImportResult r = imp(FREEBSD);
        assertThat(r.format()).isEqualTo(DumpFormat.FREEBSD_EFI_MAP);
        assertThat(r.profile().memoryMap()).containsExactly(new MemoryDescriptor(3, 0, 1, WB),
                new MemoryDescriptor(7, 0x1000, 0x9F, WB), new MemoryDescriptor(7, 0x100000, 0x7EF00, WB),
                new MemoryDescriptor(5, 0x7F000000L, 0x100, RT_WB), new MemoryDescriptor(6, 0x7F100000L, 0x100, RT_WB),
                new MemoryDescriptor(0, 0x7F200000L, 0x80, WB), new MemoryDescriptor(10, 0x7F280000L, 0xD80, WB),
                new MemoryDescriptor(11, 0xFFC00000L, 0x400, 0x8000000000000001L));
        assertThat(r.notes()).noneMatch(n -> n.contains("no row carries RUNTIME"));
    }

    @Test
    void freebsdLoaderMemmapWithoutRuntimeFlagsGetsThemOnRuntimeServicesMemoryAndSaysSo() {
        ImportResult r = imp(FREEBSD.replace(" RUNTIME", "").replace("# sysctl machdep.efi_map\nmachdep.efi_map:\n",
                "OK memmap\n"));
        assertThat(r.profile().memoryMap()).contains(new MemoryDescriptor(5, 0x7F000000L, 0x100, RT_WB),
                new MemoryDescriptor(11, 0xFFC00000L, 0x400, UC));
        assertThat(r.notes()).anyMatch(n -> n.startsWith("no row carries RUNTIME (the FreeBSD loader's memmap"));
    }

    @Test
    void freebsdUnalignedPhysicalAndInvalidTypeNameTheField() {
        assertThat(error(FREEBSD.replace("000000001000 000000000000 0000009f", "000000001800 000000000000 0000009f"))
                .getMessage()).startsWith("dump.txt:5: Physical 0x1800 is not 4 KiB aligned");
        assertThat(error(FREEBSD.replace("    Reserved 00007f200000", "<INVALID> 00007f200000")).getMessage())
                .startsWith("dump.txt:9: Type '<INVALID>': expected one of");
        assertThat(error(FREEBSD.replace("00000100 UC WC WT WB RUNTIME\n    RuntimeServicesData",
                "00000100 UC WC WT WB FAST\n    RuntimeServicesData")).getMessage())
                .startsWith("dump.txt:7: Attr flag 'FAST': expected one of");
    }

    @Test
    void rawDescriptorsArePreferredOverAnE820FormInTheSameDump() {
        ImportResult r = imp(LSMMAP + LSEFIMMAP);
        assertThat(r.format()).isEqualTo(DumpFormat.GRUB_LSEFIMMAP);
        assertThat(r.notes()).contains("the dump's E820 map was not used: the raw UEFI descriptors say more");
        assertThat(DumpImporter.importText(LSMMAP + LSEFIMMAP, "dump.txt", ImportOptions.defaults()
                .withFormat(DumpFormat.GRUB_LSMMAP)).format()).isEqualTo(DumpFormat.GRUB_LSMMAP);
    }

    @Test
    void askingForAFormThatIsNotInTheDumpNamesIt() {
        ProfileFormatException e = error("");
        assertThat(e.getMessage()).startsWith("dump.txt: no memory map found; expected Linux 'efi: memNN:' lines");
        try {
            DumpImporter.importText(SEABIOS, "dump.txt", ImportOptions.defaults().withFormat(DumpFormat.COREBOOT));
            throw new AssertionError("no error");
        } catch (ProfileFormatException x) {
            assertThat(x.getMessage()).isEqualTo("dump.txt: the dump holds no coreboot memory table (--format COREBOOT)");
        }
    }

    @Test
    void xenRowCutShortInsideItsSectionIsAnErrorNotTheEndOfTheMap() {
        ProfileFormatException e = error("""
                (XEN) EFI RAM map:
                (XEN)  0000000000000000 - 000000000009f000 (usable)
                (XEN)  0000000000100000 - 00000000800
                (XEN)  00000000b0000000 - 00000000c0000000 (reserved)
                """);
        assertThat(e.getMessage()).startsWith("dump.txt:3: '0000000000100000 - 00000000800': expected");
    }

    @Test
    void grubLsefimmapRowWithAKnownTypeThatDoesNotParseIsAnErrorAndOtherTextEndsTheTable() {
        assertThat(error(LSEFIMMAP.replace("RT-data   000000007f100000-000000007f1fffff 00000100",
                "RT-data   000000007f100000-000000007f1fffff 0000010")).getMessage()).startsWith("dump.txt:8: 'RT-data");
        ImportResult r = imp(LSEFIMMAP.replace("\n\ngrub>\n", "\nerror: no such device.\n"));
        assertThat(r.profile().memoryMap()).hasSize(11);
    }

    @Test
    void loaderRangesOfAShellMapAreTheShellsOwnAndSmallOnesElsewhereAreKept() {
        ImportResult shell = imp("""
                Type       Start            End              # Pages          Attributes
                LoaderCode 0000000000000000-0000000000FFFFFF 0000000000001000 000000000000000F
                Available  0000000001000000-000000007FFFFFFF 000000000007F000 000000000000000F
                """);
        assertThat(shell.notes()).anyMatch(n -> n.startsWith("1 EfiLoaderCode/EfiLoaderData range(s), 4096 pages")
                && n.contains("are the UEFI Shell's own image and data"));
        ImportResult small = imp(FREEBSD.replace("    BootServicesCode 000000000000", "          LoaderCode 000000000000"));
        assertThat(small.notes()).anyMatch(n -> n.startsWith("1 EfiLoaderCode/EfiLoaderData range(s), 1 pages")
                && n.endsWith("kept as printed: small enough to be the running application's own image and data"));
    }
}
