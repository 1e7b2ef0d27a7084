package org.efiemu.platform.importer;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Arrays;
import org.efiemu.platform.ProfileFormatException;
import org.efiemu.platform.ProfileParser;
import org.efiemu.platform.ProfileWriter;
import org.efiemu.platform.TextFiles;
import org.efiemu.platform.capture.CaptureImporter;
import org.efiemu.platform.capture.CaptureLog;
import org.efiemu.platform.fuzz.CleanErrorMessages;

/**
 * Coverage-guided fuzz target (Jazzer) for every dump importer behind {@link DumpImporter}: Linux {@code efi: memNN},
 * UEFI Shell {@code memmap}, GRUB {@code lsefimmap}/{@code lsmmap}, FreeBSD, E820 (Linux, Xen), SeaBIOS, coreboot and
 * efiemu captures. The format comes from the input: a first byte 0x01..0x0A (never in a text dump) selects
 * {@code DumpFormat.values()[b - 1]} as {@code --format} and is dropped, any other input is imported with format
 * detection ({@code AUTO}); an even/odd second control byte 0x0B/0x0C selects {@code --reclaim-loader}.
 *
 * <p>The result is a profile that {@link ProfileWriter} writes and {@link ProfileParser} reads back unchanged (the
 * profile {@code efiemu profile import} saves is usable), or a {@link ProfileFormatException} whose message names the
 * dump file without a Java class name. No other exception, no hang. Seeds: the real machine dumps of
 * {@code platforms/machines}, OVMF captures and one fixture per listing family, in
 * {@code src/test/resources/org/efiemu/platform/importer/DumpImporterCoverageFuzzTestInputs/}.
 *
 * <p>A capture is imported as {@link DumpImporter} does ({@code CaptureImporter}) but without the map-entry
 * calibration, which boots the probe on the emulator up to 56 times per input (the calibration is not fuzzed).
 */
class DumpImporterCoverageFuzzTest {
  private static final String FILE = "fuzz-dump.txt";

  @FuzzTest(maxDuration = "25s")
  void anyDumpImportsToAProfileThatParsesBackOrFailsWithAnErrorNamingTheFile(byte[] input) {
    DumpFormat format = DumpFormat.AUTO;
    boolean reclaim = false;
    byte[] text = input;
    if (text.length > 0 && text[0] >= 0x01 && text[0] <= DumpFormat.values().length) {
      format = DumpFormat.values()[text[0] - 1];
      text = Arrays.copyOfRange(text, 1, text.length);
    }
    if (text.length > 0 && (text[0] == 0x0B || text[0] == 0x0C)) {
      reclaim = text[0] == 0x0C;
      text = Arrays.copyOfRange(text, 1, text.length);
    }
    ImportOptions options = new ImportOptions(null, reclaim, format, null);
    ImportResult result;
    try {
      String decoded = TextFiles.decode(text, FILE);
      if (format == DumpFormat.CAPTURE || (format == DumpFormat.AUTO && CaptureImporter.isCapture(DumpLines.split(decoded)))) {
        // DumpImporter's path for captures, without the calibration that boots the probe on Unicorn up to 56 times
        result = CaptureImporter.fromLog(CaptureLog.parse(decoded, FILE), "fuzz-dump", FILE, false);
      } else {
        result = DumpImporter.importText(decoded, FILE, options);
      }
    } catch (ProfileFormatException e) {
      CleanErrorMessages.assertClean(e.getMessage(), FILE, new String(text, java.nio.charset.StandardCharsets.ISO_8859_1));
      return;
    }
    String written = ProfileWriter.write(result.profile());
    assertThat(ProfileParser.parse(written, "imported.profile")).isEqualTo(result.profile());
  }
}
