package org.efiemu.core.dwarf;

import java.nio.charset.StandardCharsets;

/**
 * A little-endian reader over one DWARF section (DWARF 5 §7.6 LEB128, §7.4 32-/64-bit formats) that never reads
 * past {@link #limit()}: every read that would is a {@link DwarfFormatException} naming the section, the offset and
 * the field.
 */
final class DwarfCursor {
  private final String section;
  private final byte[] data;
  private int position;
  private int limit;

  DwarfCursor(String section, byte[] data) {
    this.section = section;
    this.data = data;
    this.limit = data.length;
  }

  String section() {
    return section;
  }

  int position() {
    return position;
  }

  int limit() {
    return limit;
  }

  boolean atEnd() {
    return position >= limit;
  }

  void seek(long offset, String what) throws DwarfFormatException {
    if (offset < 0 || offset > limit) {
      throw error(offset, what + " at 0x" + Long.toHexString(offset) + " lies past the end (0x"
          + Integer.toHexString(limit) + ")");
    }
    position = (int) offset;
  }

  /** Restricts reads to end at {@code end} (an offset inside the current limit). */
  void limitTo(long end, String what) throws DwarfFormatException {
    if (end < position || end > limit) {
      throw error(position, String.format("%s ends at 0x%X, past the end of the section (0x%X)", what, end, limit));
    }
    limit = (int) end;
  }

  /** Undoes {@link #limitTo}: reads may go up to {@code saved} again. */
  void restoreLimit(int saved) {
    limit = Math.min(saved, data.length);
  }

  DwarfFormatException error(long at, String message) {
    return new DwarfFormatException(String.format("%s+0x%X: %s", section, at, message));
  }

  private void need(int n, String what) throws DwarfFormatException {
    if (n < 0 || limit - position < n) {
      throw error(position, String.format("%s needs %d bytes, only %d left", what, n, Math.max(0, limit - position)));
    }
  }

  int u8(String what) throws DwarfFormatException {
    need(1, what);
    return data[position++] & 0xFF;
  }

  int s8(String what) throws DwarfFormatException {
    need(1, what);
    return data[position++];
  }

  int u16(String what) throws DwarfFormatException {
    need(2, what);
    int v = (data[position] & 0xFF) | (data[position + 1] & 0xFF) << 8;
    position += 2;
    return v;
  }

  long u32(String what) throws DwarfFormatException {
    return littleEndian(4, what);
  }

  long u64(String what) throws DwarfFormatException {
    return littleEndian(8, what);
  }

  /** The next {@code n} bytes as a little-endian unsigned value (n &lt;= 8). */
  private long littleEndian(int n, String what) throws DwarfFormatException {
    need(n, what);
    long v = 0;
    for (int i = n - 1; i >= 0; i--) {
      v = v << 8 | (data[position + i] & 0xFF);
    }
    position += n;
    return v;
  }

  /** An unsigned value of {@code size} bytes (1, 2, 4 or 8). */
  long unsigned(int size, String what) throws DwarfFormatException {
    switch (size) {
      case 1:
        return u8(what);
      case 2:
        return u16(what);
      case 4:
        return u32(what);
      case 8:
        return u64(what);
      default:
        throw error(position, what + ": size " + size + ", expected 1, 2, 4 or 8");
    }
  }

  long uleb(String what) throws DwarfFormatException {
    int start = position;
    long result = 0;
    int shift = 0;
    while (true) {
      int b = u8(what);
      if (shift < 64) {
        result |= (long) (b & 0x7F) << shift;
      }
      shift += 7;
      if ((b & 0x80) == 0) {
        return result;
      }
      if (shift > 70) {
        throw error(start, what + ": an unsigned LEB128 longer than 10 bytes");
      }
    }
  }

  long sleb(String what) throws DwarfFormatException {
    int start = position;
    long result = 0;
    int shift = 0;
    int b;
    do {
      b = u8(what);
      if (shift < 64) {
        result |= (long) (b & 0x7F) << shift;
      }
      shift += 7;
      if (shift > 70) {
        throw error(start, what + ": a signed LEB128 longer than 10 bytes");
      }
    } while ((b & 0x80) != 0);
    if (shift < 64 && (b & 0x40) != 0) {
      result |= -1L << shift;
    }
    return result;
  }

  /** A NUL-terminated UTF-8 string. */
  String cstring(String what) throws DwarfFormatException {
    int start = position;
    while (position < limit && data[position] != 0) {
      position++;
    }
    if (position >= limit) {
      throw error(start, what + ": a string without its terminating NUL before the end");
    }
    String s = new String(data, start, position - start, StandardCharsets.UTF_8);
    position++;
    return s;
  }

  void skip(long n, String what) throws DwarfFormatException {
    if (n < 0 || n > limit - position) {
      throw error(position, String.format("%s: %d bytes to skip, only %d left", what, n, limit - position));
    }
    position += (int) n;
  }

  /** The NUL-terminated string at {@code offset} of this whole section (for .debug_str / .debug_line_str). */
  String stringAt(long offset, String what) throws DwarfFormatException {
    if (offset < 0 || offset >= data.length) {
      throw error(offset, what + ": string offset 0x" + Long.toHexString(offset) + " lies outside " + section
          + " (0x" + Integer.toHexString(data.length) + " bytes)");
    }
    int end = (int) offset;
    while (end < data.length && data[end] != 0) {
      end++;
    }
    if (end >= data.length) {
      throw error(offset, what + ": a string without its terminating NUL");
    }
    return new String(data, (int) offset, end - (int) offset, StandardCharsets.UTF_8);
  }
}
