package org.efiemu.platform.capture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.efiemu.platform.PlatformProfile;
import org.efiemu.platform.ProfileFormatException;
import org.efiemu.platform.ProfileParser;
import org.efiemu.platform.ProfileRegistry;
import org.efiemu.platform.ProfileWriter;
import org.efiemu.platform.cli.ProfileCommand;
import org.efiemu.platform.importer.DumpFormat;
import org.efiemu.platform.importer.DumpImporter;
import org.efiemu.platform.importer.ImportOptions;
import org.efiemu.platform.importer.ImportResult;
import org.efiemu.uefi.spec.MemoryType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Reading capture files ({@link CaptureLog}) and turning them into profiles ({@link CaptureImporter}). */
class CaptureImporterTest {

    private static final String PC = "/org/efiemu/platform/captures/ovmf-pc-2g.log";

    private static String pcLog() throws IOException {
        try (InputStream in = CaptureImporterTest.class.getResourceAsStream(PC)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** Without the map-entry calibration (which boots the probe on efiemu up to 56 times); see the test for it. */
    private static ImportResult importText(String text) {
        return CaptureImporter.fromLog(CaptureLog.parse(text, "cap.log"), "cap", "cap.log", false);
    }

    @Test
    void profileImportRecognisesACaptureAndInfersTheFreeMemoryMapEntriesAndPoolStateFromTheCapturedSteps() throws IOException {
        ImportResult r = DumpImporter.importText(pcLog(), "cap.log", ImportOptions.defaults().withName("cap"));
        assertThat(r.format()).isEqualTo(DumpFormat.CAPTURE);
        assertThat(r.profile().placement().param("map-entries-free", null)).isEqualTo("1");
        assertThat(r.notes()).noneMatch(n -> n.startsWith("not reproduced:"));
        assertThat(r.notes()).anyMatch(n -> n.contains("for which efiemu answers all 90 captured steps"));
        assertThat(r.profile().poolFreeBlocks()).as("no guessed 384-byte block: the table upkeep's pool page serves it")
                .extracting(f -> f.size()).containsExactly(128);
        assertThat(r.profile().memoryMap()).isEqualTo(ProfileRegistry.builtIn("ovmf-pc-2g").memoryMap());
        assertThat(r.profile().placement()).isEqualTo(ProfileRegistry.builtIn("ovmf-pc-2g").placement());
    }

    @Test
    void aCaptureRecordsWhatWasMeasuredAndInferred() throws IOException {
        ImportResult r = importText(pcLog());
        assertThat(r.format()).isEqualTo(DumpFormat.CAPTURE);
        PlatformProfile p = r.profile();
        assertThat(p.placement().toString()).isEqualTo("edk2-topdown bins=EfiRuntimeServicesData@0x7F4EC000+0x100,"
                + "EfiRuntimeServicesCode@0x7F5EC000+0x100,EfiReservedMemoryType@0x7F6EC000+0x80,"
                + "EfiACPIReclaimMemory@0x7F76C000+0x12,EfiACPIMemoryNVS@0x7F77E000+0x80 default-max=0x7F4EBFFF "
                + "mat-entries=22 mat-extra=27 mat-table=0x7E537018");
        assertThat(p.sources()).anyMatch(s -> s.startsWith("measured: EFI_MEMORY_ATTRIBUTES_TABLE at entry 0x7E537018, 22 "
                + "entries of 48 bytes, 9 read-only"));
        assertThat(p.sources()).anyMatch(s -> s.startsWith("measured: EfiACPIMemoryNVS bin 0x7F77E000-0x7F7FDFFF: free "
                + "0x7F77E000-0x7F7DBFFF (0x5E pages), 0x7F7DD000-0x7F7E9FFF (0xD pages)"));
        assertThat(p.sources()).anyMatch(s -> s.startsWith("inferred: pool-free EfiRuntimeServicesData 0x7F51CE00 128"));
        assertThat(p.poolFreeBlocks()).hasSize(2);
        assertThat(p.pagesOfType(MemoryType.EfiLoaderCode)).isZero();
        assertThat(p.display().frameBufferBase()).as("measured by the probe's gop: line on QEMU pc").isEqualTo(0x80000000L);
        assertThat(p.variableStore()).as("from QueryVariableInfo").isEqualTo(
                org.efiemu.uefi.variable.VariableStoreConfig.ovmf());
        assertThat(p.screens().graphicsModes()).hasSize(30);
        assertThat(p.screens().graphicsCurrent()).isZero();
        assertThat(p.screens().textModes()).extracting(PlatformProfile.TextMode::mode).containsExactly(0, 2);
        assertThat(p.console().columns()).isEqualTo(100);
        assertThat(p.variables()).anyMatch(v -> v.name().equals("Attempt 1"));
        assertThat(p.variables()).as("time-based authenticated variables are kept: the store is authenticated")
                .anyMatch(v -> v.name().equals("certdb") && v.attributes() == 0x27);
        assertThat(r.notes()).noneMatch(n -> n.startsWith("measured but not written: variable certdb "));
        assertThat(p.smbios().product()).isEqualTo("Standard PC (i440FX + PIIX, 1996)");
    }

    @Test
    void aCapturedProfileSurvivesTheTextRoundTripWithModesAndEscapedVariableNames() throws IOException {
        PlatformProfile p = importText(pcLog()).profile();
        String text = ProfileWriter.write(p);
        assertThat(text).contains("variable: Attempt%201 ", "console: 100x31", "display: framebuffer=0x")
                .doesNotContain("\ngop-mode:", "\ngop-current:", "\ntext-mode:", "\ntext-current:");
        PlatformProfile back = ProfileParser.parse(text, "p.profile");
        assertThat(back.variables()).extracting(v -> v.name()).containsExactlyElementsOf(
                p.variables().stream().map(v -> v.name()).toList());
        assertThat(back.screens()).isEqualTo(p.screens());
        assertThat(ProfileWriter.write(back)).isEqualTo(text);
    }

    @Test
    void aCaptureFromAnotherVersionOfTheApplicationIsRefusedNamingFileLineAndField() throws IOException {
        String old = pcLog().replace("probe: begin ovmf-probe 2", "probe: begin ovmf-probe 1");
        int line = lineOf(old, "probe: begin ovmf-probe 1");
        assertThatThrownBy(() -> importText(old)).isInstanceOf(ProfileFormatException.class)
                .hasMessageStartingWith("cap.log:" + line + ": field 'version': capture format version 1; this efiemu "
                        + "reads version 2 only");
    }

    @Test
    void aHeaderValueThatWouldStartACommentInTheProfileIsRefusedNamingLineAndColumn() throws IOException {
        String text;
        try (InputStream in = CaptureImporterTest.class.getResourceAsStream("/org/efiemu/platform/captures/ovmf-q35-512m.log")) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        String bad = text.replace("# firmware: ovmf", "# firmware: #vmf");
        assertThat(bad).isNotEqualTo(text);
        int line = lineOf(bad, "# firmware: #");
        assertThatThrownBy(() -> importText(bad)).isInstanceOf(ProfileFormatException.class)
                .hasMessageStartingWith("cap.log:" + line + ": '#' at column 13 of the header 'firmware' line at the start or"
                        + " after a blank");
        String tab = text.replace("# firmware: ovmf", "# firmware: ov\u0001mf");
        assertThatThrownBy(() -> importText(tab)).isInstanceOf(ProfileFormatException.class)
                .hasMessageStartingWith("cap.log:" + line + ": control character U+0001 at column 15 of the header 'firmware'"
                        + " line");
        String vendor = text.replace("FirmwareVendor=\"EDK II\"", "FirmwareVendor=\"EDK #2\"");
        assertThat(vendor).isNotEqualTo(text);
        assertThatThrownBy(() -> importText(vendor)).isInstanceOf(ProfileFormatException.class)
                .hasMessageStartingWith("cap.log:" + lineOf(vendor, "probe: FirmwareVendor=") + ": '#' at column "
                        + (lineText(vendor, "FirmwareVendor=").indexOf("#") + 1) + " of the field 'FirmwareVendor' line");
        String product = text.replaceFirst("smbios-product=\"", "smbios-product=\"#");
        assertThat(product).isNotEqualTo(text);
        assertThatThrownBy(() -> importText(product)).isInstanceOf(ProfileFormatException.class)
                .hasMessageStartingWith("cap.log:" + lineOf(product, "identity: smbios-manufacturer=") + ": '#' at column "
                        + (lineText(product, "smbios-product=\"#").indexOf("#") + 1) + " of the field 'smbios-product' line");
    }

    private static String lineText(String text, String part) {
        return text.lines().filter(l -> l.contains(part)).findFirst().orElseThrow();
    }

    @Test
    void aTruncatedCaptureIsRefusedNamingTheLastLine() throws IOException {
        String full = pcLog();
        String cut = full.substring(0, full.indexOf("probe: 40 "));
        assertThatThrownBy(() -> importText(cut)).isInstanceOf(ProfileFormatException.class)
                .hasMessageContaining("field 'probe: end': no 'probe: end' line; the capture stops after line")
                .hasMessageContaining("truncated");
        String inMap = full.substring(0, full.indexOf("efi: mem40:"));
        assertThatThrownBy(() -> importText(inMap)).isInstanceOf(ProfileFormatException.class)
                .hasMessageContaining("field 'map: end entry'");
    }

    @Test
    void aCorruptMapLineIsRefusedNamingItsLineAndField() throws IOException {
        String log = pcLog();
        String bad = log.replaceFirst("(efi: mem05: type=\\d+, attr=0x[0-9a-f]+, range=\\[0x[0-9a-f]{16}-0x)[0-9a-f]{16}",
                "$10000000000000123");
        int line = lineOf(bad, "efi: mem05:");
        assertThatThrownBy(() -> importText(bad)).isInstanceOf(ProfileFormatException.class)
                .hasMessageStartingWith("cap.log:" + line + ": field 'range'");
        String missing = dropLine(log, "efi: mem07:");
        assertThatThrownBy(() -> importText(missing)).isInstanceOf(ProfileFormatException.class)
                .hasMessageContaining("field 'efi: memNN': mem08 where mem07 was expected");
        String shortVar = log.replaceFirst("(var: name=Timeout [^\\n]* data=)0000", "$100");
        assertThatThrownBy(() -> importText(shortVar)).isInstanceOf(ProfileFormatException.class)
                .hasMessageContaining("field 'data': 1 bytes of data but size=2");
    }

    @Test
    void theCommittedQ35CapturesAreCurrentFormatAndImportToTheBuiltInsMemoryMap() throws IOException {
        for (String name : java.util.List.of("ovmf-q35-2g", "ovmf-q35-512m")) {
            String text;
            try (InputStream in = CaptureImporterTest.class.getResourceAsStream("/org/efiemu/platform/captures/" + name + ".log")) {
                text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            assertThat(text).contains("# command: efiemu profile capture --qemu-machine q35").doesNotContain("capture-ovmf.sh");
            PlatformProfile p = CaptureImporter.fromLog(CaptureLog.parse(text, name + ".log"), name, name + ".log", false).profile();
            assertThat(p.memoryMap()).as(name).isEqualTo(ProfileRegistry.builtIn(name).memoryMap());
            assertThat(ProfileRegistry.builtIn(name).sources()).as(name).noneMatch(x -> x.contains("capture-ovmf.sh"));
        }
    }

    @Test
    void importingTheCommittedQ35CapturesGivesTheBuiltInsPresentationKeysLineForLine() throws IOException {
        for (String name : java.util.List.of("ovmf-q35-2g", "ovmf-q35-512m")) {
            String text;
            try (InputStream in = CaptureImporterTest.class.getResourceAsStream("/org/efiemu/platform/captures/" + name + ".log")) {
                text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            PlatformProfile p = CaptureImporter.fromLog(CaptureLog.parse(text, name + ".log"), name, name + ".log", false).profile();
            assertThat(presentation(ProfileWriter.write(p))).as("console, display, variable-store and variable lines of %s", name)
                    .isEqualTo(presentation(ProfileRegistry.builtInText(name).orElseThrow())).isNotEmpty();
        }
    }

    private static java.util.List<String> presentation(String profileText) {
        return profileText.lines().filter(l -> l.startsWith("console:") || l.startsWith("display:")
                || l.startsWith("variable-store:") || l.startsWith("variable:")).toList();
    }

    @Test
    void aCorruptAttributesTableLineIsRefusedNamingItsLineAndField() throws IOException {
        String bad = pcLog().replace("mat: table=0x7e537018 version=1 entries=22", "mat: table=0x7e537018 version=1 entries=lots");
        assertThatThrownBy(() -> importText(bad)).isInstanceOf(ProfileFormatException.class)
                .hasMessageContaining("cap.log:").hasMessageContaining("field 'mat'").hasMessageContaining("entries=N");
    }

    @Test
    void aCorruptQueryVariableInfoLineIsRefusedNamingItsLineAndField() throws IOException {
        String bad = pcLog().replace("qvi: attr=0x6 = EFI_SUCCESS max-storage=0x7ffe4", "qvi: attr=0x6 = EFI_SUCCESS max-storage=lots");
        assertThatThrownBy(() -> importText(bad)).isInstanceOf(ProfileFormatException.class)
                .hasMessageContaining("cap.log:").hasMessageContaining("field 'qvi'");
    }

    @Test
    void aBadCaptureGivenToProfileImportWritesNothing(@TempDir Path dir) throws IOException {
        Path cap = dir.resolve("EFIEMU-CAPTURE.TXT");
        String full = pcLog();
        Files.writeString(cap, full.substring(0, full.indexOf("probe: 60 ")));
        StringWriter err = new StringWriter();
        CommandLine c = new CommandLine(new ProfileCommand(new ProfileRegistry(dir.resolve("profiles"))));
        c.setErr(new PrintWriter(err));
        c.setOut(new PrintWriter(new StringWriter()));
        assertThat(c.execute("import", cap.toString(), "--name", "x")).isEqualTo(1);
        assertThat(err.toString()).contains(cap + ":", "field 'probe: end'");
        assertThat(dir.resolve("profiles")).doesNotExist();
    }

    @Test
    void deprecatedGopAndTextModeLinesAreConvertedToDisplayAndConsoleWithANote() {
        String text = "name: x\ngop-mode: 0 1280x800 PixelBlueGreenRedReserved8BitPerColor\n"
                + "gop-mode: 1 640x480 PixelBlueGreenRedReserved8BitPerColor\ngop-current: 1\ntext-mode: 0 80x25\n"
                + "text-mode: 2 100x31\ntext-current: 2\nmemory-map:\nEfiConventionalMemory 0x0-0xFFFFF 0xF\n";
        PlatformProfile p = ProfileParser.parse(text, "x.profile");
        assertThat(p.console().columns()).isEqualTo(100);
        assertThat(p.display().modes()).hasSize(2);
        assertThat(p.display().initialMode()).isEqualTo(1);
        assertThat(p.toDescription().display()).as("the firmware model gets the display").isEqualTo(p.display());
        assertThat(p.screens().textModes()).extracting(PlatformProfile.TextMode::mode).containsExactly(0, 2);
        assertThat(p.sources()).anyMatch(x -> x.startsWith("converted deprecated keys: text-mode/text-current -> console 100x31; "
                + "gop-mode/gop-current -> display"));
        String written = ProfileWriter.write(p);
        assertThat(written).contains("display: framebuffer=0xC0000000 memory=0x400000 mode=1 modes=1280x800,640x480")
                .doesNotContain("\ngop-mode:");
        assertThat(ProfileParser.parse(written, "y.profile")).isEqualTo(p);
    }

    @Test
    void deprecatedModeLinesThatDisagreeWithConsoleOrTheModelAreErrors() {
        String clash = "name: x\nconsole: 80x25\ntext-mode: 0 80x25\ntext-mode: 2 100x31\ntext-current: 2\nmemory-map:\n"
                + "EfiConventionalMemory 0x0-0xFFFFF 0xF\n";
        assertThatThrownBy(() -> ProfileParser.parse(clash, "x.profile")).isInstanceOf(ProfileFormatException.class)
                .hasMessageContaining("x.profile").hasMessageContaining("text-current 2 (100x31) disagrees with console 80x25");
        String bgr = "name: x\ngop-mode: 0 640x480 PixelBltOnly\nmemory-map:\nEfiConventionalMemory 0x0-0xFFFFF 0xF\n";
        assertThatThrownBy(() -> ProfileParser.parse(bgr, "x.profile")).isInstanceOf(ProfileFormatException.class)
                .hasMessageContaining("gop-mode 0 PixelBltOnly: efiemu's GOP model presents PixelBlueGreenRedReserved8BitPerColor");
    }

    @Test
    void aGopCurrentModeThatIsNotListedIsAProfileError() {
        String text = "name: x\ngop-mode: 0 640x480 PixelBltOnly\ngop-current: 3\nmemory-map:\n"
                + "EfiConventionalMemory 0x0-0xFFFFF 0xF\n";
        assertThatThrownBy(() -> ProfileParser.parse(text, "x.profile")).isInstanceOf(ProfileFormatException.class)
                .hasMessageContaining("gop-current 3: expected the number of a gop-mode line");
        String badFormat = "name: x\ngop-mode: 0 640x480 RGB\nmemory-map:\nEfiConventionalMemory 0x0-0xFFFFF 0xF\n";
        assertThatThrownBy(() -> ProfileParser.parse(badFormat, "x.profile")).isInstanceOf(ProfileFormatException.class)
                .hasMessageStartingWith("x.profile:2: gop-mode '0 640x480 RGB'");
    }

    private static int lineOf(String text, String prefix) {
        List<String> lines = text.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith(prefix)) {
                return i + 1;
            }
        }
        throw new AssertionError(prefix);
    }

    private static String dropLine(String text, String prefix) {
        List<String> out = new ArrayList<>();
        text.lines().filter(l -> !l.startsWith(prefix)).forEach(out::add);
        return String.join("\n", out) + "\n";
    }
}
