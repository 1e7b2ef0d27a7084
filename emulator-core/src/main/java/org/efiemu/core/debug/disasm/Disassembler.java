package org.efiemu.core.debug.disasm;

import com.sun.jna.Pointer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * x86-64 disassembler over Capstone 4 ({@code cs_open(CS_ARCH_X86, CS_MODE_64)}, Intel syntax, no detail). One
 * instance holds one Capstone handle: not thread-safe, close it when done.
 */
public final class Disassembler implements AutoCloseable {
  private long handle;

  public Disassembler() {
    long[] h = new long[1];
    int err = CapstoneLib.cs_open(CapstoneLib.CS_ARCH_X86, CapstoneLib.CS_MODE_64, h);
    if (err != 0) throw new IllegalStateException("cs_open(CS_ARCH_X86, CS_MODE_64) failed: " + CapstoneLib.cs_strerror(err));
    handle = h[0];
  }

  /** Capstone's version as {@code major.minor}. */
  public static String version() {
    int[] major = new int[1];
    int[] minor = new int[1];
    CapstoneLib.cs_version(major, minor);
    return major[0] + "." + minor[0];
  }

  /**
   * Decodes up to {@code max} instructions from {@code code}, which sits at guest address {@code address}; stops
   * early at the first byte sequence that is not a valid instruction (the result may then be shorter, or empty).
   */
  public List<Instruction> disassemble(byte[] code, long address, int max) {
    if (handle == 0) throw new IllegalStateException("disassembler is closed");
    if (max < 0) throw new IllegalArgumentException("instruction count " + max + " is negative");
    List<Instruction> out = new ArrayList<>();
    if (code.length == 0 || max == 0) return out;
    long[] insn = new long[1];
    long n = CapstoneLib.cs_disasm(handle, code, code.length, address, max, insn);
    try {
      for (long i = 0; i < n; i++) {
        long at = i * CapstoneLib.INSN_SIZE;
        Pointer p = new Pointer(insn[0] + at);
        int size = p.getShort(CapstoneLib.OFF_SIZE) & 0xFFFF;
        out.add(new Instruction(p.getLong(CapstoneLib.OFF_ADDRESS), p.getByteArray(CapstoneLib.OFF_BYTES, size),
            cString(p, CapstoneLib.OFF_MNEMONIC, 32), cString(p, CapstoneLib.OFF_OP_STR, 160)));
      }
    } finally {
      if (n > 0) CapstoneLib.cs_free(insn[0], n);
    }
    return out;
  }

  private static String cString(Pointer p, long offset, int max) {
    byte[] b = p.getByteArray(offset, max);
    int len = 0;
    while (len < max && b[len] != 0) len++;
    return new String(b, 0, len, StandardCharsets.US_ASCII);
  }

  @Override
  public void close() {
    if (handle == 0) return;
    CapstoneLib.cs_close(new long[] {handle});
    handle = 0;
  }
}
