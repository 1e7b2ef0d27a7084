package org.efiemu.core.pe;

/**
 * Bounds-checked little-endian reads from the raw file; every failed read becomes a {@link PeFormatException}
 * naming the structure being read, so no {@code IndexOutOfBoundsException} ever escapes the parser.
 */
final class FileReader {
  private final byte[] file;
  private final String name;

  FileReader(byte[] file, String name) {
    this.file = file;
    this.name = name;
  }

  int length() {
    return file.length;
  }

  String name() {
    return name;
  }

  byte[] bytes() {
    return file;
  }

  PeFormatException error(String problem) {
    return new PeFormatException(name, problem);
  }

  /** Checks that {@code [offset, offset + size)} lies in the file; {@code what} names the structure. */
  void require(long offset, long size, String what) throws PeFormatException {
    if (offset < 0 || size < 0 || offset + size > file.length) {
      throw error(String.format("%s at file offset 0x%X..0x%X lies outside the file (size 0x%X)",
          what, offset, offset + size, file.length));
    }
  }

  int u8(long offset, String what) throws PeFormatException {
    require(offset, 1, what);
    return file[(int) offset] & 0xFF;
  }

  int u16(long offset, String what) throws PeFormatException {
    require(offset, 2, what);
    int o = (int) offset;
    return (file[o] & 0xFF) | (file[o + 1] & 0xFF) << 8;
  }

  /** An unsigned 32-bit value, as a non-negative long. */
  long u32(long offset, String what) throws PeFormatException {
    require(offset, 4, what);
    return u32At(file, (int) offset);
  }

  long u64(long offset, String what) throws PeFormatException {
    require(offset, 8, what);
    return u32At(file, (int) offset) | u32At(file, (int) offset + 4) << 32;
  }

  static long u32At(byte[] b, int o) {
    return (b[o] & 0xFFL) | (b[o + 1] & 0xFFL) << 8 | (b[o + 2] & 0xFFL) << 16 | (b[o + 3] & 0xFFL) << 24;
  }

  static long u64At(byte[] b, int o) {
    return u32At(b, o) | u32At(b, o + 4) << 32;
  }
}
