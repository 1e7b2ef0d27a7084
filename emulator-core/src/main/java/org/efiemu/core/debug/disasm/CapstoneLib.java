package org.efiemu.core.debug.disasm;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;

/**
 * Raw JNA binding of the few Capstone 4 functions the disassembler needs ({@code capstone.h}, Debian
 * {@code libcapstone4}); C names 1:1. {@code csh} is a {@code size_t}, passed as {@code long}.
 */
final class CapstoneLib {
  static final int CS_ARCH_X86 = 3;
  static final int CS_MODE_64 = 1 << 3;
  /** {@code cs_insn} layout (x86-64 LP64): id@0, address@8, size@16, bytes[16]@18, mnemonic[32]@34, op_str[160]@66. */
  static final int INSN_SIZE = 240;
  static final int OFF_ADDRESS = 8;
  static final int OFF_SIZE = 16;
  static final int OFF_BYTES = 18;
  static final int OFF_MNEMONIC = 34;
  static final int OFF_OP_STR = 66;

  private static final String DEFAULT = "/usr/lib/x86_64-linux-gnu/libcapstone.so.4";

  private static final NativeLibrary LIB;

  static {
    String path = System.getProperty("efiemu.capstone.library", DEFAULT);
    NativeLibrary lib;
    try {
      lib = NativeLibrary.getInstance(new java.io.File(path).exists() ? path : "capstone");
    } catch (UnsatisfiedLinkError e) {
      throw new UnsatisfiedLinkError("Capstone not found at " + path + " nor as 'capstone' on the library path ("
          + e.getMessage() + "); install it with: apt-get install -y libcapstone4, or set -Defiemu.capstone.library=");
    }
    Native.register(CapstoneLib.class, lib);
    LIB = lib;
  }

  /** The address of Capstone's function {@code name} in the library this class loaded. */
  static long function(String name) {
    return com.sun.jna.Pointer.nativeValue(LIB.getFunction(name));
  }

  private CapstoneLib() {}

  static native int cs_open(int arch, int mode, long[] handle);

  static native int cs_close(long[] handle);

  static native long cs_disasm(long handle, byte[] code, long codeSize, long address, long count, long[] insn);

  static native void cs_free(long insn, long count);

  static native String cs_strerror(int code);

  static native int cs_version(int[] major, int[] minor);
}
