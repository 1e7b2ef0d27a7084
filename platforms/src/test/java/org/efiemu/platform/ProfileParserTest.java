package org.efiemu.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.efiemu.uefi.platform.PlatformDescription;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.junit.jupiter.api.Test;

class ProfileParserTest {

    private static final String MINIMAL = """
            # a hand-written profile
            name: tiny   # trailing comment
            memory-map:
            EfiConventionalMemory 0x1000-0x9FFFF 0xF
            EfiBootServicesData   0x100000-0x1FFFFF 0xF   # 1 MiB
            OEM(0x70000001)       0x200000-0x200FFF 0x8
            """;

    private static ProfileFormatException error(String text) {
        try {
            ProfileParser.parse(text, "t.profile");
        } catch (ProfileFormatException e) {
            return e;
        }
        throw new AssertionError("no error for:\n" + text);
    }

    private static String withMap(String... lines) {
        return "name: t\nmemory-map:\n" + String.join("\n", lines) + "\n";
    }

    @Test
    void minimalProfileTakesDocumentedDefaults() {
        PlatformProfile p = ProfileParser.parse(MINIMAL, "t.profile");
        assertThat(p.memoryMap()).containsExactly(new MemoryDescriptor(7, 0x1000, 0x9F, 0xF),
                new MemoryDescriptor(4, 0x100000, 0x100, 0xF), new MemoryDescriptor(0x70000001, 0x200000, 1, 8));
        assertThat(p.descriptorSize()).isEqualTo(48);
        assertThat(p.descriptorVersion()).isEqualTo(1);
        assertThat(p.placement().name()).isEqualTo("edk2-topdown");
        assertThat(p.firmware().vendor()).isEqualTo("EDK II");
        assertThat(p.firmware().uefiRevision()).isEqualTo(PlatformDescription.Firmware.UEFI_2_70);
        assertThat(p.console()).isEqualTo(new PlatformDescription.Console(80, 25));
        assertThat(p.smbios().product()).isEqualTo("tiny");
        PlatformDescription d = p.toDescription();
        assertThat(d.name()).isEqualTo("tiny");
        assertThat(d.memoryMap()).isEqualTo(p.memoryMap());
        assertThat(d.cpu()).isEqualTo(p.cpu());
    }

    @Test
    void canonicalTextRoundTripsByteIdentically() {
        PlatformProfile p = ProfileParser.parse(MINIMAL, "t.profile");
        String canonical = ProfileWriter.write(p);
        assertThat(ProfileParser.parse(canonical, "c")).isEqualTo(p);
        assertThat(ProfileWriter.write(ProfileParser.parse(canonical, "c"))).isEqualTo(canonical);
        assertThat(canonical).contains("EfiBootServicesData       0x0000000000100000-0x00000000001FFFFF 0xF\n");
    }

    @Test
    void variablesRoundTripAsUtf16TextOrHex() {
        String text = """
                name: v
                placement: low-first low-limit=0xFFFFF
                uefi-revision: 2.30
                console: 100x31
                variable: PlatformLang 8be4df61-93ca-11d2-aa0d-00e098032b8c 0x7 utf16:en-US
                variable: BootOrder 8BE4DF61-93CA-11D2-AA0D-00E098032B8C 7 hex:01000200
                memory-map:
                EfiMemoryMappedIOPortSpace 0xFFC00000-0xFFFFFFFF 0x8000000000000001
                """;
        PlatformProfile p = ProfileParser.parse(text, "v");
        assertThat(p.variables().get(0).data()).isEqualTo("en-US\0".getBytes(StandardCharsets.UTF_16LE));
        assertThat(p.variables().get(1).data()).containsExactly(1, 0, 2, 0);
        assertThat(p.placement().param("low-limit", null)).isEqualTo("0xFFFFF");
        assertThat(p.firmware().uefiRevision()).isEqualTo((2 << 16) | 30);
        String w = ProfileWriter.write(p);
        assertThat(w).contains("variable: PlatformLang 8BE4DF61-93CA-11D2-AA0D-00E098032B8C 0x7 utf16:en-US\n",
                "variable: BootOrder 8BE4DF61-93CA-11D2-AA0D-00E098032B8C 0x7 hex:01000200\n",
                "EfiMemoryMappedIOPortSpace 0x00000000FFC00000");
        assertThat(ProfileParser.parse(w, "w")).isEqualTo(p);
    }

    @Test
    void overlappingDescriptorsAreRejectedNamingBothLines() {
        ProfileFormatException e = error(withMap("EfiConventionalMemory 0x1000-0x9FFFF 0xF",
                "EfiBootServicesData 0x100000-0x1FFFFF 0xF", "EfiBootServicesCode 0x9F000-0x9FFFF 0xF"));
        assertThat(e.line()).isEqualTo(5);
        assertThat(e.getMessage()).startsWith("t.profile:5: ").contains("overlaps line 3");
    }

    @Test
    void reversedRangeIsRejectedWithItsLine() {
        assertThat(error(withMap("EfiConventionalMemory 0x9FFFF-0x1000 0xF")).getMessage())
                .isEqualTo("t.profile:3: reversed range 0x9FFFF-0x1000; expected first <= last");
    }

    @Test
    void unalignedRangeIsRejected() {
        assertThat(error(withMap("EfiConventionalMemory 0x1000-0x9FFFE 0xF")).getMessage()).contains(":3:", "not page aligned");
    }

    @Test
    void badHexIsRejected() {
        assertThat(error(withMap("EfiConventionalMemory 0x1000-0x9FFFF 0xG")).getMessage()).contains(":3:", "attribute '0xG'");
        assertThat(error(withMap("EfiConventionalMemory 0x10000000000000000-0x1FFFFFFFFFFFFFFFF 0xF")).getMessage())
                .contains(":3:", "1 to 16 hex digits");
    }

    @Test
    void truncatedMapLineIsRejected() {
        assertThat(error(withMap("EfiConventionalMemory 0x1000-0x9FFFF")).getMessage()).contains(":3:", "expected '<Type>");
    }

    @Test
    void invalidTypeNumberIsRejectedButOemAndOsTypesAreKept() {
        assertThat(error(withMap("0x10 0x1000-0x1FFF 0xF")).getMessage()).contains(":3:", "not a valid EFI_MEMORY_TYPE");
        assertThat(error(withMap("EfiBogusMemory 0x1000-0x1FFF 0xF")).getMessage()).contains(":3:", "expected a spec name");
        assertThat(error(withMap("OEM(0x80000000) 0x1000-0x1FFF 0xF")).getMessage()).contains("not a valid");
        assertThat(ProfileParser.parse(withMap("OS(0x80000005) 0x1000-0x1FFF 0xF"), "t").memoryMap().get(0).type())
                .isEqualTo(0x80000005);
    }

    @Test
    void headerMistakesNameTheLine() {
        assertThat(error("name: a\nnmae: b\nmemory-map:\n").getMessage()).contains("t.profile:2: unknown key 'nmae'");
        assertThat(error("name: a\nname: b\nmemory-map:\n").getMessage()).contains(":2:", "given twice (first on line 1)");
        assertThat(error("name: a\nquirk: fast\nmemory-map:\n").getMessage()).contains(":2:", "quirk 'fast'");
        assertThat(error("name: a\nconsole: 80*25\nmemory-map:\n").getMessage()).contains(":2:", "COLUMNSxROWS");
        assertThat(error("name: a\nplacement: top-down\nmemory-map:\n").getMessage()).contains(":2:", "edk2-topdown");
        assertThat(error("name: a\ncpu-count: many\nmemory-map:\n").getMessage()).contains(":2:", "cpu-count 'many'");
        assertThat(error("name: a\nvariable: X 1234 0x7 hex:00\nmemory-map:\n").getMessage()).contains(":2:", "GUID");
        assertThat(error("name: a\n").getMessage()).contains("no 'memory-map:' line");
        assertThat(error("memory-map:\n").getMessage()).contains("no 'name:' key");
    }

    @Test
    void placementParametersAreCheckedByThePlacementRulesAndABadOneNamesFileAndLine() {
        assertThat(error("name: a\nplacement: low-first limit=0xFFFFF\nmemory-map:\n").getMessage())
                .startsWith("t.profile:2: ").contains("unknown parameter 'limit'", "low-limit");
        assertThat(error("name: a\nplacement: edk2-topdown low-limit=0xFFFFF\nmemory-map:\n").getMessage())
                .startsWith("t.profile:2: ").contains("unknown parameter 'low-limit'");
        assertThat(error("name: a\nplacement: edk2-topdown default-max=4G\nmemory-map:\n").getMessage())
                .startsWith("t.profile:2: ").contains("default-max", "'4G'");
        assertThat(error("name: a\nplacement: edk2-topdown bins=EfiACPIMemoryNVS:0x80\nmemory-map:\n").getMessage())
                .startsWith("t.profile:2: ").contains("Type@base+pages");
        assertThat(error("name: a\nplacement: bottom-up bins=EfiBogus@0x1000+1\nmemory-map:\n").getMessage())
                .startsWith("t.profile:2: ").contains("unknown memory type 'EfiBogus'");
        assertThat(error("name: a\nplacement: edk2-topdown bins=EfiACPIMemoryNVS@0x1000+2,EfiACPIReclaimMemory@0x2000+1"
                + "\nmemory-map:\n").getMessage()).startsWith("t.profile:2: ").contains("clashes with");
    }

    @Test
    void validPlacementParametersAreKeptVerbatimInTheirOrder() {
        PlatformProfile p = ProfileParser.parse("name: a\nplacement: low-first default-max=0x7F4EBFFF"
                + " bins=EfiACPIMemoryNVS@0x7F77E000+0x80 low-limit=0x9FFFF\nmemory-map:\n", "t");
        assertThat(p.placement().toString())
                .isEqualTo("low-first default-max=0x7F4EBFFF bins=EfiACPIMemoryNVS@0x7F77E000+0x80 low-limit=0x9FFFF");
    }

    @Test
    void writerRefusesValuesThatWouldNotRoundTrip() {
        PlatformProfile.Builder b = PlatformProfile.builder("x").description("has a # comment start");
        assertThatThrownBy(() -> ProfileWriter.write(b.build())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("description");
    }

    /** Found by ProfileParserCoverageFuzzTest: a lone CR inside a value parsed, and the writer could not write it back. */
    @Test
    void aControlCharacterInsideALineIsRefusedNamingLineAndColumn() {
        assertThat(error("name: t\nsource: from a\rdump\nmemory-map:\nEfiConventionalMemory 0x1000-0x9FFFF 0xF\n")
                .getMessage()).isEqualTo("t.profile:2: control character U+000D at column 15; expected printable text"
                        + " (one key or descriptor per line, lines ending in LF or CR LF)");
        assertThat(ProfileParser.parse("name: t\r\nsource: tabs\tare fine\r\nmemory-map:\r\n"
                + "EfiConventionalMemory 0x1000-0x9FFFF 0xF\r\n", "t.profile").name()).isEqualTo("t");
    }

    /** Found by ProfileParserCoverageFuzzTest: a zero-sized display mode escaped as IllegalArgumentException. */
    @Test
    void aDisplayModeWithAZeroSizeIsAFormatErrorNamingTheLine() {
        assertThat(error("name: t\ndisplay: framebuffer=0x80000000 memory=0x800000 mode=0 modes=1609x0\nmemory-map:\n"
                + "EfiConventionalMemory 0x1000-0x9FFFF 0xF\n").getMessage())
                .isEqualTo("t.profile:2: graphics mode 1609x0: expected positive sizes");
    }
}
