package org.efiemu.core.memory;

import java.nio.charset.StandardCharsets;

/**
 * Typed little-endian access to guest memory for host code (addresses are physical; the machine runs
 * identity-mapped). Reads of never-touched RAM return zeros. Upper layers validate guest pointers with
 * {@link #isRam(long, long)} / {@link #check(long, long)} before touching them, so a wild pointer becomes an EFI
 * status instead of an exception; an access outside RAM throws {@link GuestMemoryException}.
 */
public final class GuestMemory {
  private final PhysicalMemory physical;
  /** Characters {@link #utf16z} reads at once. */
  private static final int UTF16_BLOCK_CHARS = 64;

  public GuestMemory(PhysicalMemory physical) {
    this.physical = physical;
  }

  /** The physical memory underneath. */
  public PhysicalMemory physical() {
    return physical;
  }

  /** True when {@code [address, address+length)} is wholly RAM (a null pointer is not). */
  public boolean isRam(long address, long length) {
    return address != 0 && length >= 0 && physical.layout().isRam(address, Math.max(length, 1));
  }

  /** Same as {@link #isRam(long, long)}: whether host code may read and write the range. */
  public boolean check(long address, long length) {
    return isRam(address, length);
  }

  /** Throws a {@link GuestMemoryException} naming {@code what} unless the range is RAM. */
  public void require(long address, long length, String what) {
    if (!isRam(address, length)) {
      throw new GuestMemoryException(address, length, what + " is not in RAM");
    }
  }

  /**
   * The lowest address {@code b <= address} such that {@code [b, address]} is RAM never touched (reads as zeros), or
   * {@code address + 1} when {@code address} is not such RAM ({@link PhysicalMemory#untouchedRamFloor}).
   */
  public long untouchedRamFloor(long address) {
    return physical.untouchedRamFloor(address);
  }

  public byte[] read(long address, int length) {
    byte[] b = new byte[length];
    physical.read(address, b, 0, length);
    return b;
  }

  public void read(long address, byte[] buffer, int offset, int length) {
    physical.read(address, buffer, offset, length);
  }

  public void write(long address, byte[] bytes) {
    physical.write(address, bytes, 0, bytes.length);
  }

  public void write(long address, byte[] bytes, int offset, int length) {
    physical.write(address, bytes, offset, length);
  }

  /** Writes {@code length} copies of {@code value}. */
  public void fill(long address, long length, byte value) {
    byte[] block = value == 0 ? ZEROS : new byte[(int) Math.min(length, 1 << 16)];
    if (value != 0) java.util.Arrays.fill(block, value);
    for (long done = 0; done < length; done += block.length) {
      int n = (int) Math.min(block.length, length - done);
      physical.write(address + done, block, 0, n);
    }
  }

  /** 64 KiB of zeros for {@link #fill} with 0 (the firmware's tables at every build): only ever read. */
  private static final byte[] ZEROS = new byte[1 << 16];

  private long readLe(long address, int n) {
    byte[] b = read(address, n);
    long v = 0;
    for (int i = n - 1; i >= 0; i--) v = (v << 8) | (b[i] & 0xFF);
    return v;
  }

  private void writeLe(long address, int n, long value) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) b[i] = (byte) (value >>> (8 * i));
    write(address, b);
  }

  public int u8(long address) {
    return (int) readLe(address, 1);
  }

  public int u16(long address) {
    return (int) readLe(address, 2);
  }

  /** An unsigned 32-bit value (in a long). */
  public long u32(long address) {
    return readLe(address, 4);
  }

  public long u64(long address) {
    return readLe(address, 8);
  }

  public void putU8(long address, int value) {
    writeLe(address, 1, value);
  }

  public void putU16(long address, int value) {
    writeLe(address, 2, value);
  }

  public void putU32(long address, long value) {
    writeLe(address, 4, value);
  }

  public void putU64(long address, long value) {
    writeLe(address, 8, value);
  }

  /**
   * Reads a NUL-terminated UTF-16LE string of at most {@code maxChars} characters (UEFI {@code CHAR16*}).
   * Throws {@link GuestMemoryException} when no NUL is found within the limit or the string leaves RAM.
   */
  public String utf16z(long address, int maxChars) {
    StringBuilder sb = new StringBuilder();
    // block by block while a block is wholly RAM: one read instead of one per character, charging the host-work
    // count only the characters consumed, as the loop below does; the rest (and a block that is not wholly RAM)
    // character by character, which finds the exact character where RAM ends
    byte[] block = new byte[2 * UTF16_BLOCK_CHARS];
    int i = 0;
    while (i < maxChars) {
      int n = Math.min(UTF16_BLOCK_CHARS, maxChars - i);
      long a = address + 2L * i;
      if (!isRam(a, 2L * n)) break;
      physical.readUncharged(a, block, 0, 2 * n);
      for (int k = 0; k < n; k++) {
        int c = (block[2 * k] & 0xFF) | (block[2 * k + 1] & 0xFF) << 8;
        if (c == 0) {
          physical.chargeHostBytes(2L * (k + 1));
          return sb.toString();
        }
        sb.append((char) c);
      }
      physical.chargeHostBytes(2L * n);
      i += n;
    }
    for (; i < maxChars; i++) {
      long a = address + 2L * i;
      if (!isRam(a, 2)) throw new GuestMemoryException(address, 2L * i + 2, "CHAR16 string runs out of RAM");
      int c = u16(a);
      if (c == 0) return sb.toString();
      sb.append((char) c);
    }
    throw new GuestMemoryException(address, 2L * maxChars, "no NUL within " + maxChars + " CHAR16s");
  }

  /** Writes {@code s} as UTF-16LE followed by a NUL; returns the bytes written. */
  public int putUtf16z(long address, String s) {
    byte[] body = s.getBytes(StandardCharsets.UTF_16LE);
    byte[] b = new byte[body.length + 2];
    System.arraycopy(body, 0, b, 0, body.length);
    write(address, b);
    return b.length;
  }

  /** Reads a NUL-terminated 8-bit (ASCII/Latin-1) string of at most {@code maxChars} characters. */
  public String asciiz(long address, int maxChars) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < maxChars; i++) {
      if (!isRam(address + i, 1)) throw new GuestMemoryException(address, i + 1, "string runs out of RAM");
      int c = u8(address + i);
      if (c == 0) return sb.toString();
      sb.append((char) c);
    }
    throw new GuestMemoryException(address, maxChars, "no NUL within " + maxChars + " characters");
  }
}
