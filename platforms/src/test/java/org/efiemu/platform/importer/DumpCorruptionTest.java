package org.efiemu.platform.importer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.efiemu.platform.PlatformData;
import org.efiemu.platform.ProfileFormatException;
import org.junit.jupiter.api.Test;

/**
 * Corrupted dumps of every form (a character changed, digits run long, a line cut, repeated or dropped) either import
 * or fail with a format error naming the file; no other exception escapes and no message names a Java class.
 * Deterministic: a fixed seed per form.
 */
class DumpCorruptionTest {

    private static final String DIGITS = "0123456789abcdefx-[]()=:., ";

    private static List<String> forms() throws IOException {
        List<String> out = new ArrayList<>(List.of(DumpFamiliesTest.SEABIOS, DumpFamiliesTest.COREBOOT,
                DumpFamiliesTest.LSMMAP, DumpFamiliesTest.LSEFIMMAP, DumpFamiliesTest.FREEBSD, """
                Type       Start            End              # Pages          Attributes
                BS_Code    0000000000000000-0000000000000FFF 0000000000000001 000000000000000F
                Available  0000000000001000-000000000009FFFF 000000000000009F 000000000000000F
                """, """
                (XEN) EFI RAM map:
                (XEN)  0000000000000000 - 000000000009f000 (usable)
                (XEN)  0000000000100000 - 0000000080000000 (usable)
                """, """
                [    0.000000] efi: mem00: [Boot Code   |   |  |  |  |  |  |  |  |   |WB|WT|WC|UC] range=[0x0000000000000000-0x0000000000000fff] (0MB)
                [    0.000000] efi: mem01: [Conventional|   |  |  |  |  |  |  |  |   |WB|WT|WC|UC] range=[0x0000000000001000-0x000000000009ffff] (0MB)
                """));
        for (String f : List.of("ibm-system-x3550-m4-uefi-efimap.txt", "ibm-system-x3550-m2-uefi-e820-a.txt")) {
            out.add(Files.readString(PlatformData.file(f)));
        }
        return out;
    }

    private static String mutate(String text, Random r) {
        List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
        int i = r.nextInt(lines.size());
        String line = lines.get(i);
        switch (r.nextInt(6)) {
            case 0 -> {
                if (!line.isEmpty()) {
                    int at = r.nextInt(line.length());
                    lines.set(i, line.substring(0, at) + DIGITS.charAt(r.nextInt(DIGITS.length())) + line.substring(at + 1));
                }
            }
            case 1 -> lines.set(i, line.replaceFirst("\\d+", "98765432109876543210987"));
            case 2 -> lines.set(i, line.substring(0, r.nextInt(line.length() + 1)));
            case 3 -> lines.add(i, line);
            case 4 -> lines.remove(i);
            default -> lines.set(i, line.replaceFirst("[0-9a-f]{4}", "ffff"));
        }
        return String.join("\n", lines);
    }

    @Test
    void corruptedDumpsOfEveryFormImportOrFailWithAFormatErrorNamingTheFile() throws IOException {
        int failed = 0;
        int form = 0;
        for (String text : forms()) {
            Random r = new Random(1000 + form++);
            for (int n = 0; n < 400; n++) {
                String bad = mutate(text, r);
                try {
                    DumpImporter.importText(bad, "dump.txt", ImportOptions.defaults().withName("t"));
                } catch (ProfileFormatException e) {
                    failed++;
                    assertThat(e.getMessage()).startsWith("dump.txt").doesNotContain("Exception")
                            .doesNotContainPattern("[a-z]+\\.[a-z]+\\.[A-Z]");
                } catch (RuntimeException e) {
                    throw new AssertionError("form " + (form - 1) + ", mutation " + n + " escaped as " + e + ":\n" + bad, e);
                }
            }
        }
        assertThat(failed).as("the corruptions are caught, not only ignored").isGreaterThan(400);
    }

    /** Found by CI's fuzzing step: NUL bytes inside the DMI line reached the profile, which then did not parse back. */
    @Test
    void aControlCharacterInTheDmiLineIsAFormatErrorNamingLineAndColumnNotAProfileThatCannotBeRead() {
        String dump = "[    0.000000] DMI: Dell Inc. PowerEdge R820/0YW\u0000\u0000R73, BIOS 2.7.0 01/07/2020\n"
                + "[    0.000000] BIOS-e820: [mem 0x0000000000000000-0x000000000009ffff] usable\n"
                + "[    0.000000] BIOS-e820: [mem 0x0000000000100000-0x000000007fffffff] usable\n";
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> DumpImporter.importText(dump, "r820.dmesg", ImportOptions.defaults().withName("t")))
                .isInstanceOf(ProfileFormatException.class)
                .hasMessageContaining("r820.dmesg:1")
                .hasMessageContaining("control character U+0000 at column 49 of the DMI line");
    }
}
