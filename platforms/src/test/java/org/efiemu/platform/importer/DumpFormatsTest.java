package org.efiemu.platform.importer;

import static org.assertj.core.api.Assertions.assertThat;

import org.efiemu.platform.PlatformProfile;
import org.efiemu.platform.ProfileFormatException;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.junit.jupiter.api.Test;

/** The dump forms the importer reads, and how broken dumps are reported. */
class DumpFormatsTest {

    private static ImportResult imp(String text) {
        return DumpImporter.importText(text, "dump.txt", ImportOptions.defaults().withName("t"));
    }

    private static ProfileFormatException error(String text) {
        try {
            imp(text);
        } catch (ProfileFormatException e) {
            return e;
        }
        throw new AssertionError("no error for:\n" + text);
    }

    private static final String OLD_OK = """
            [    0.000000] efi: EFI v2.70 by EDK II
            [    0.000000] efi: mem00: type=3, attr=0xf, range=[0x0000000000000000-0x0000000000001000) (0MB)
            [    0.000000] efi: mem01: type=7, attr=0xf, range=[0x0000000000001000-0x00000000000a0000) (0MB)
            """;

    @Test
    void newKernelFormWithInclusiveRangesAndAttributeColumnsIsRead() {
        String dump = """
                [    0.000000] efi: EFI v2.7 by EDK II
                [    0.000000] efi: mem00: [Boot Code   |   |  |  |  |  |  |  |  |   |WB|WT|WC|UC] range=[0x0000000000000000-0x0000000000000fff] (0MB)
                [    0.000000] efi: mem01: [Conventional|   |  |  |  |  |  |  |  |   |WB|WT|WC|UC] range=[0x0000000000001000-0x000000000009ffff] (0MB)
                [    0.000000] efi: mem02: [Runtime Data|RUN|  |  |  |  |  |  |  |   |WB|WT|WC|UC] range=[0x000000007f000000-0x000000007fffffff] (16MB)
                [    0.000000] efi: mem03: [MMIO        |RUN|  |  |  |  |  |  |  |   |  |  |  |UC] range=[0x00000000ffc00000-0x00000000ffffffff] (4MB)
                [    0.000000] efi: mem04: [type=1879048193 attr=0x0000000000000008] range=[0x0000000080000000-0x0000000080000fff] (0MB)
                """;
        ImportResult r = imp(dump);
        assertThat(r.profile().memoryMap()).containsExactly(new MemoryDescriptor(3, 0, 1, 0xF),
                new MemoryDescriptor(7, 0x1000, 0x9F, 0xF), new MemoryDescriptor(6, 0x7F000000L, 0x1000, 0x800000000000000FL),
                new MemoryDescriptor(11, 0xFFC00000L, 0x400, 0x8000000000000001L),
                new MemoryDescriptor(0x70000001, 0x80000000L, 1, 0x8));
        assertThat(r.profile().firmware().uefiRevision()).isEqualTo((2 << 16) | 70);
        assertThat(r.profile().hasQuirk("unsorted-map")).isTrue();
    }

    @Test
    void uefiShellMemmapTableIsRead() {
        String dump = """
                Shell> memmap
                Type       Start            End              # Pages          Attributes
                BS_Code    0000000000000000-0000000000000FFF 0000000000000001 000000000000000F
                Available  0000000000001000-000000000009FFFF 000000000000009F 000000000000000F
                RT_Data    000000007F000000-000000007FFFFFFF 0000000000001000 800000000000000F
                MMIO       00000000FFC00000-00000000FFFFFFFF 0000000000000400 8000000000000001

                  Reserved  :        0 Pages (0 Bytes)
                """;
        ImportResult r = imp(dump);
        assertThat(r.format()).isEqualTo(DumpFormat.SHELL_MEMMAP);
        assertThat(r.profile().memoryMap()).hasSize(4).first().isEqualTo(new MemoryDescriptor(3, 0, 1, 0xF));
    }

    @Test
    void xenEfiRamMapIsReadWithExclusiveEnds() {
        String dump = """
                (XEN) EFI RAM map:
                (XEN)  0000000000000000 - 000000000009f000 (usable)
                (XEN)  0000000000100000 - 0000000080000000 (usable)
                (XEN)  00000000b0000000 - 00000000c0000000 (reserved)
                (XEN) System RAM: 2047MB (2096700kB)
                """;
        ImportResult r = imp(dump);
        PlatformProfile p = r.profile();
        assertThat(r.format()).isEqualTo(DumpFormat.E820);
        assertThat(p.memoryMap()).containsExactly(new MemoryDescriptor(7, 0, 0x9F, 0xF),
                new MemoryDescriptor(7, 0x100000, 0x7FF00, 0xF), new MemoryDescriptor(0, 0xB0000000L, 0x10000, 0x1));
        assertThat(r.notes()).anyMatch(n -> n.contains("EFI RAM map"));
    }

    @Test
    void unalignedE820RangesAreRoundedRamInwardOthersOutwardAndNoted() {
        ImportResult r = imp("""
                BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable
                BIOS-e820: [mem 0x000000000009fc00-0x000000000009ffff] reserved
                """);
        assertThat(r.profile().memoryMap()).containsExactly(new MemoryDescriptor(7, 0, 0x9F, 0xF),
                new MemoryDescriptor(0, 0x9F000, 1, 0x1));
        assertThat(r.notes()).anyMatch(n -> n.contains("line 1") && n.contains("rounded inward"));
        assertThat(r.notes()).anyMatch(n -> n.contains("line 2") && n.contains("rounded outward"));
    }

    @Test
    void truncatedEfiLineIsRejectedWithItsLine() {
        ProfileFormatException e = error(OLD_OK + "[    0.000000] efi: mem02: type=7, attr=0xf, range=[0x0000000000100000-0x00000\n");
        assertThat(e.line()).isEqualTo(4);
        assertThat(e.getMessage()).startsWith("dump.txt:4: ");
    }

    @Test
    void missingDescriptorNumberIsRejected() {
        ProfileFormatException e = error(OLD_OK
                + "efi: mem03: type=7, attr=0xf, range=[0x0000000000100000-0x0000000000200000) (1MB)\n");
        assertThat(e.getMessage()).contains("dump.txt:4:", "mem03 follows 2", "expected mem02");
    }

    @Test
    void badHexIsRejected() {
        assertThat(error(OLD_OK.replace("0x00000000000a0000", "0x00000000000a00g0")).getMessage()).contains("dump.txt:3:");
        assertThat(error("BIOS-e820: [mem 0x00000000000000000000-0x9ffff] usable\n").getMessage())
                .contains("dump.txt:1:", "1 to 16 hex digits");
    }

    @Test
    void reversedAndZeroLengthRangesAreRejected() {
        assertThat(error(OLD_OK.replace("0x0000000000001000-0x00000000000a0000", "0x00000000000a0000-0x0000000000001000"))
                .getMessage()).contains("dump.txt:3:", "reversed range");
        assertThat(error(OLD_OK.replace("0x0000000000001000-0x00000000000a0000", "0x0000000000001000-0x0000000000001000"))
                .getMessage()).contains("dump.txt:3:", "zero-length");
        assertThat(error("BIOS-e820: [mem 0x0000000000100000-0x00000000000fffff] usable\n").getMessage())
                .contains("dump.txt:1:", "zero-length");
    }

    @Test
    void overlappingDescriptorsAreRejectedNamingBothLines() {
        ProfileFormatException e = error(OLD_OK
                + "efi: mem02: type=4, attr=0xf, range=[0x0000000000090000-0x0000000000100000) (0MB)\n");
        assertThat(e.getMessage()).contains("dump.txt:4:", "overlaps line 3");
    }

    @Test
    void unalignedAndUnknownTypesInEfiMapsAreRejected() {
        assertThat(error(OLD_OK.replace("0x00000000000a0000)", "0x00000000000a0800)")).getMessage())
                .contains("dump.txt:3:", "not 4 KiB aligned");
        assertThat(error(OLD_OK.replace("type=7", "type=16")).getMessage())
                .contains("dump.txt:3:", "type=16 is not a valid EFI_MEMORY_TYPE");
        assertThat(error("BIOS-e820: [mem 0x0000000000000000-0x000000000009ffff] sometimes\n").getMessage())
                .contains("dump.txt:1:", "E820 type 'sometimes'");
    }

    @Test
    void megabyteFigureContradictingTheRangeIsRejectedAsCorruption() {
        assertThat(error(OLD_OK.replace("range=[0x0000000000001000-0x00000000000a0000) (0MB)",
                "range=[0x0000000000001000-0x00000000000a0000) (7MB)")).getMessage()).contains("dump.txt:3:", "(7MB)");
    }

    @Test
    void dumpWithoutAnyMapIsRejected() {
        assertThat(error("hello\n").getMessage()).isEqualTo("dump.txt: no memory map found; expected "
                + DumpImporter.EXPECTED);
    }
}
