package org.efiemu.core.pe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * Random mutations of the valid pe-sample.efi (byte flips concentrated on the headers, 32-bit field overwrites with
 * boundary values, truncation): whatever the bytes, {@link PeParser#parse} either returns an image that
 * {@link PeLoader#layout} can lay out, or throws {@link PeFormatException}; nothing else, and it never hangs.
 * Seeds are fixed so every run tries the same inputs.
 */
class PeParserFuzzTest {
  private static final Duration NO_HANG = Duration.ofSeconds(10);
  private final SampleImage sample = SampleImage.load();

  record Mutation(int offset, int width, long value) {
  }

  @Provide
  Arbitrary<List<Mutation>> mutations() {
    int length = SampleImage.load().file.length;
    Arbitrary<Integer> headerOffset = Arbitraries.integers().between(0, 0x400 - 8);
    Arbitrary<Integer> anyOffset = Arbitraries.integers().between(0, length - 8);
    Arbitrary<Integer> offset = Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(4, headerOffset), net.jqwik.api.Tuple.of(1, anyOffset));
    Arbitrary<Integer> width = Arbitraries.of(1, 2, 4);
    Arbitrary<Long> value = Arbitraries.oneOf(Arbitraries.of(0L, 1L, 0x7FFF_FFFFL, 0x8000_0000L, 0xFFFF_FFFFL,
        0xFFFFL, 0x1000L, 0x20BL, 0x10BL, 0x8664L), Arbitraries.longs().between(0, 0xFFFF_FFFFL));
    return Combinators.combine(offset, width, value).as(Mutation::new).list().ofMinSize(1).ofMaxSize(6);
  }

  @Property(tries = 3000, seed = "20260101")
  void mutatedImageParsesOrFailsWithPeFormatException(@ForAll("mutations") List<Mutation> mutations) {
    byte[] file = sample.copy();
    for (Mutation m : mutations) {
      SampleImage.put(file, m.offset(), m.width(), m.value());
    }
    Statistics.collect(assertTimeoutPreemptively(NO_HANG, () -> parseAndLayout(file)));
    // the mutations must reach the loader too, not only the parser's first checks
    Statistics.coverage(c -> c.check("laid out").percentage(p -> p > 5));
  }

  @Property(tries = 1000, seed = "20260102")
  void truncatedAndFlippedImageParsesOrFailsWithPeFormatException(
      @ForAll("lengths") int length, @ForAll("flips") List<Integer> flips) {
    byte[] file = Arrays.copyOf(sample.file, length);
    for (int at : flips) {
      if (at < file.length) {
        file[at] ^= (byte) (1 << (at & 7));
      }
    }
    Statistics.collect(assertTimeoutPreemptively(NO_HANG, () -> parseAndLayout(file)));
    Statistics.coverage(c -> c.check("laid out").percentage(p -> p > 2));
  }

  @Provide
  Arbitrary<Integer> lengths() {
    return Arbitraries.integers().between(0, SampleImage.load().file.length);
  }

  @Provide
  Arbitrary<List<Integer>> flips() {
    return Arbitraries.integers().between(0, 0x3FF).list().ofMaxSize(4);
  }

  /** Parse; if that succeeds, lay the image out at its base and at another one. Returns the outcome. */
  private static String parseAndLayout(byte[] file) {
    PeImage image;
    try {
      image = PeParser.parse(file, "fuzz.efi");
    } catch (PeFormatException e) {
      assertThat(e.getMessage()).startsWith("fuzz.efi: ");
      return "rejected";
    }
    try {
      assertThat(PeLoader.layout(image, image.imageBase() & ~0xFFFL)).hasSize((int) image.sizeOfImage());
      assertThat(PeLoader.layout(image, 0x20_0000L)).hasSize((int) image.sizeOfImage());
      return "laid out";
    } catch (PeFormatException e) {
      // only for an image whose relocations are stripped, loaded away from its ImageBase
      assertThat(image.isRelocatable()).isFalse();
      return "stripped";
    }
  }
}
