package org.efiemu.platform.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.efiemu.platform.PlatformProfile;
import org.efiemu.platform.ProfileFormatException;
import org.efiemu.platform.ProfileParser;
import org.efiemu.platform.ProfileWriter;
import org.efiemu.platform.TextFiles;

/**
 * Coverage-guided fuzz target (Jazzer) for the profile parser: any bytes given as a profile file are decoded as strict
 * UTF-8 and parsed; the result is a profile, or a {@link ProfileFormatException} whose message names the file (and the
 * line when there is one) without a Java class name. No other exception, no hang. A profile that parses is written
 * back with {@link ProfileWriter} and parses again to the same profile: nothing the user gave is lost or altered.
 *
 * <p>Seeds: the built-in profiles and inputs Jazzer found, in
 * {@code src/test/resources/org/efiemu/platform/fuzz/ProfileParserCoverageFuzzTestInputs/}.
 */
class ProfileParserCoverageFuzzTest {
  private static final String FILE = "fuzz.profile";

  @FuzzTest(maxDuration = "25s")
  void anyBytesParseToAProfileThatRoundTripsOrFailWithAnErrorNamingTheFile(byte[] bytes) {
    PlatformProfile profile;
    try {
      profile = ProfileParser.parse(TextFiles.decode(bytes, FILE), FILE);
    } catch (ProfileFormatException e) {
      CleanErrorMessages.assertClean(e.getMessage(), FILE, new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1));
      return;
    }
    String written = ProfileWriter.write(profile);
    assertThat(ProfileParser.parse(written, "written.profile")).isEqualTo(profile);
  }
}
