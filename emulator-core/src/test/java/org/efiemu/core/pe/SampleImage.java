package org.efiemu.core.pe;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * The gcc + GNU ld image built from src/test/c/pe-sample (target/test-classes/payloads/pe-sample.efi), with the
 * file offsets of its headers so tests can break one field at a time. Offsets are read from the file with the PE/COFF
 * spec's layout, independently of {@link PeParser}.
 */
final class SampleImage {
  static final String NAME = "pe-sample.efi";
  static final String RESOURCE = "/payloads/pe-sample.efi";

  final byte[] file;
  final int peOffset;
  final int coff;
  final int opt;
  final int sectionTable;
  final int sectionCount;

  private SampleImage(byte[] file) {
    this.file = file;
    this.peOffset = (int) FileReader.u32At(file, 0x3C);
    this.coff = peOffset + 4;
    this.opt = coff + 20;
    this.sectionCount = u16(coff + 2);
    this.sectionTable = opt + u16(coff + 16);
  }

  static SampleImage load() {
    try (InputStream in = SampleImage.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        return fail("%s is missing from the test class path; it is built from emulator-core/src/test/c/pe-sample by"
            + " `mvn -pl emulator-core generate-test-resources` (do not pass -Defiemu.payloads.skip=true)", RESOURCE);
      }
      return new SampleImage(in.readAllBytes());
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + RESOURCE, e);
    }
  }

  PeImage parse() throws PeFormatException {
    return PeParser.parse(file, NAME);
  }

  byte[] copy() {
    return Arrays.copyOf(file, file.length);
  }

  int u16(int at) {
    return (file[at] & 0xFF) | (file[at + 1] & 0xFF) << 8;
  }

  long u32(int at) {
    return FileReader.u32At(file, at);
  }

  /** File offset of the section header named {@code name}. */
  int sectionHeader(String name) {
    for (int i = 0; i < sectionCount; i++) {
      int at = sectionTable + 40 * i;
      String n = new String(file, at, 8, java.nio.charset.StandardCharsets.ISO_8859_1).replace("\0", "");
      if (n.equals(name)) {
        return at;
      }
    }
    throw new IllegalArgumentException("no section " + name);
  }

  /** File offset of the base relocation table (the .reloc section's raw data). */
  int relocationTable() {
    return (int) u32(sectionHeader(".reloc") + 20);
  }

  /** A copy of the file with a little-endian value of {@code width} bytes written at {@code at}. */
  byte[] with(int at, int width, long value) {
    byte[] b = copy();
    put(b, at, width, value);
    return b;
  }

  static void put(byte[] b, int at, int width, long value) {
    for (int i = 0; i < width; i++) {
      b[at + i] = (byte) (value >>> (8 * i));
    }
  }
}
