package org.efiemu.core.pe;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzz target (Jazzer) for the PE32+ loader: any bytes given as an EFI image either parse into an image
 * that {@link PeLoader#layout} lays out at its own base and at another one, or are refused with a
 * {@link PeFormatException} whose message names the file and says what is wrong. No other exception, no hang.
 *
 * <p>A normal build replays the seed corpus in {@code src/test/resources/org/efiemu/core/pe/PeImageCoverageFuzzTestInputs/}
 * (the real pe-sample.efi built by this module and inputs Jazzer found); {@code -Pfuzz} fuzzes it (docs/robustness.md).
 */
class PeImageCoverageFuzzTest {
  private static final String NAME = "fuzz.efi";
  /** A Java exception class or package name in a message (the PE "Exception Table" directory is a spec name). */
  private static final String NO_JAVA_NAMES = "[A-Za-z]+Exception|\\b(java|org)\\.[a-z]+\\.";
  /** Images larger than this are parsed but not laid out: a layout allocates SizeOfImage bytes (up to 1 GiB). */
  private static final long LAYOUT_LIMIT = 16L << 20;

  /**
   * The message with every section name it quotes from the file taken out: a name is the file's own text (up to 8
   * bytes, shown as PeParser shows it), which may read like a Java name ({@code section org.ro.?} was found). Only a
   * whole name is taken out, as PeParser writes it ({@code section NAME: ...} or {@code ... overlaps section NAME (RVA
   * ...}): taking out any text of the file that follows {@code "section "} also took out a name's first letters and left
   * the rest standing ({@code section (name)org.ro.:} was found).
   */
  static String withoutSectionNames(String message, byte[] file) {
    String m = message;
    for (int at = 0; at < file.length; at++) {
      StringBuilder name = new StringBuilder();
      for (int i = at; i < file.length && i < at + 8 && file[i] != 0; i++) {
        char c = (char) (file[i] & 0xFF);
        name.append(c >= 0x20 && c < 0x7F ? c : '?');
      }
      if (name.length() > 0) {
        m = m.replace("section " + name + ": ", "section (name): ").replace("section " + name + " (RVA ", "section (name) (RVA ");
      }
    }
    return m;
  }

  @FuzzTest(maxDuration = "25s")
  void anyBytesParseAndLayOutOrFailWithPeFormatExceptionNamingTheFile(byte[] file) {
    PeImage image;
    try {
      image = PeParser.parse(file, NAME);
    } catch (PeFormatException e) {
      assertThat(e.getMessage()).startsWith(NAME + ": ").hasSizeGreaterThan(NAME.length() + 4);
      assertThat(withoutSectionNames(e.getMessage(), file)).doesNotContainPattern(NO_JAVA_NAMES);
      return;
    }
    assertThat(image.sizeOfImage()).isPositive().isLessThanOrEqualTo(PeParser.MAX_SIZE_OF_IMAGE);
    if (image.sizeOfImage() > LAYOUT_LIMIT) {
      return;
    }
    for (long base : new long[] {image.imageBase() & ~0xFFFL, 0x20_0000L}) {
      try {
        assertThat(PeLoader.layout(image, base)).hasSize((int) image.sizeOfImage());
      } catch (PeFormatException e) {
        // only an image without relocations refuses a base other than its ImageBase
        assertThat(image.isRelocatable()).isFalse();
        assertThat(base).isNotEqualTo(image.imageBase());
        assertThat(e.getMessage()).startsWith(NAME + ": ");
      }
    }
  }
}
