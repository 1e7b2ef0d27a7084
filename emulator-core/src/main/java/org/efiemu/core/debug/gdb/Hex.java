package org.efiemu.core.debug.gdb;

import java.util.HexFormat;

/** Hex and binary encodings used by the remote protocol. */
final class Hex {
  private static final HexFormat HEX = HexFormat.of();

  private Hex() {}

  static String bytes(byte[] b) {
    return HEX.formatHex(b);
  }

  static byte[] parseBytes(String s) {
    return HEX.parseHex(s);
  }

  /** A hex number as GDB sends addresses and lengths (big-endian digits). */
  static long number(String s) {
    return Long.parseUnsignedLong(s, 16);
  }

  /** {@code value}'s low {@code size} bytes, little-endian, as hex (register contents). */
  static String le(long value, int size) {
    byte[] b = new byte[size];
    for (int i = 0; i < size && i < 8; i++) b[i] = (byte) (value >>> (8 * i));
    return bytes(b);
  }

  /** Little-endian hex bytes to a value (at most 8 bytes used). */
  static long parseLe(String hex) {
    byte[] b = parseBytes(hex);
    long v = 0;
    for (int i = Math.min(b.length, 8) - 1; i >= 0; i--) v = (v << 8) | (b[i] & 0xFF);
    return v;
  }

  /** Undoes the binary escaping of {@code X} packets ({@code 0x7D} then the byte XOR 0x20). */
  static byte[] unescape(String s) {
    byte[] out = new byte[s.length()];
    int n = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      out[n++] = (byte) (c == 0x7D && i + 1 < s.length() ? s.charAt(++i) ^ 0x20 : c);
    }
    return java.util.Arrays.copyOf(out, n);
  }

  /** Escapes {@code #}, {@code $}, {@code *} and {@code }} for binary replies ({@code qXfer}). */
  static String escape(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    for (char c : s.toCharArray()) {
      if (c == '#' || c == '$' || c == '*' || c == '}') sb.append('}').append((char) (c ^ 0x20));
      else sb.append(c);
    }
    return sb.toString();
  }
}
