package org.efiemu.core.engine;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;

/**
 * The registers of one {@link Engine} that do not fit the 64-bit {@code uc_reg_read}/{@code uc_reg_write} path: XMM0-15
 * (128 bits), model-specific registers ({@code uc_x86_msr}) and the memory-management registers GDTR/IDTR/LDTR/TR
 * ({@code uc_x86_mmr}), each transferred through a reused native scratch buffer. {@link Engine}'s {@code xmm},
 * {@code readMsr}/{@code writeMsr} and {@code mmr} methods delegate here; the documentation of each lives there.
 */
final class SpecialRegisters {
  /** {@code UC_X86_REG_XMM0}; XMM{@code n} is this plus {@code n}. */
  private static final int UC_X86_REG_XMM0 = 122;

  private final Engine engine;
  private final Memory scratch = new Memory(32);

  SpecialRegisters(Engine engine) {
    this.engine = engine;
  }

  /** Reads XMM{@code n} (0-15) as {@code {low 64 bits, high 64 bits}}. */
  long[] xmm(int n) {
    checkXmm(n);
    scratch.clear(16);
    Engine.check(UnicornLib.uc_reg_read(engine.handle(), UC_X86_REG_XMM0 + n, Pointer.nativeValue(scratch)),
        "reg_read XMM" + n);
    return new long[] {scratch.getLong(0), scratch.getLong(8)};
  }

  /** Writes XMM{@code n} (0-15). */
  void xmm(int n, long low, long high) {
    checkXmm(n);
    scratch.setLong(0, low);
    scratch.setLong(8, high);
    int err = UnicornLib.uc_reg_write(engine.handle(), UC_X86_REG_XMM0 + n, Pointer.nativeValue(scratch));
    if (err != 0) Engine.check(err, String.format("reg_write XMM%d value=0x%016X%016X", n, high, low));
  }

  private static void checkXmm(int n) {
    if (n < 0 || n > 15) throw new IllegalArgumentException("XMM register index " + n + " is not 0..15");
  }

  /** Reads a model-specific register through {@code uc_x86_msr}. */
  long readMsr(int msr) {
    scratch.setInt(0, msr);
    scratch.setLong(8, 0);
    int err = UnicornLib.uc_reg_read(engine.handle(), UnicornLib.UC_X86_REG_MSR, Pointer.nativeValue(scratch));
    if (err != 0) Engine.check(err, String.format("reg_read MSR 0x%X", msr));
    return scratch.getLong(8);
  }

  /** Writes a model-specific register through {@code uc_x86_msr}. */
  void writeMsr(int msr, long value) {
    scratch.setInt(0, msr);
    scratch.setLong(8, value);
    int err = UnicornLib.uc_reg_write(engine.handle(), UnicornLib.UC_X86_REG_MSR, Pointer.nativeValue(scratch));
    if (err != 0) Engine.check(err, String.format("reg_write MSR 0x%X value=0x%X", msr, value));
  }

  /** Reads GDTR/IDTR/LDTR/TR ({@code uc_x86_mmr}: selector@0, base@8, limit@16, flags@20). */
  X86Mmr.Value mmr(X86Mmr reg) {
    scratch.clear(24);
    int err = UnicornLib.uc_reg_read(engine.handle(), reg.id(), Pointer.nativeValue(scratch));
    if (err != 0) Engine.check(err, "reg_read " + reg);
    return new X86Mmr.Value(scratch.getShort(0) & 0xFFFF, scratch.getLong(8), scratch.getInt(16),
        scratch.getInt(20));
  }

  /** Writes GDTR/IDTR/LDTR/TR. */
  void mmr(X86Mmr reg, X86Mmr.Value value) {
    scratch.clear(24);
    scratch.setShort(0, (short) value.selector());
    scratch.setLong(8, value.base());
    scratch.setInt(16, value.limit());
    scratch.setInt(20, value.flags());
    int err = UnicornLib.uc_reg_write(engine.handle(), reg.id(), Pointer.nativeValue(scratch));
    if (err != 0) Engine.check(err, "reg_write " + reg + " " + value);
  }
}
