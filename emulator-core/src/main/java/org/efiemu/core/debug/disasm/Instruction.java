package org.efiemu.core.debug.disasm;

import java.util.HexFormat;

/** One decoded x86-64 instruction (Intel syntax, as Capstone prints it). */
public record Instruction(long address, byte[] bytes, String mnemonic, String operands) {
  /** Length in bytes. */
  public int size() {
    return bytes.length;
  }

  /** Address of the instruction that follows (the return address of a {@code call}). */
  public long next() {
    return address + bytes.length;
  }

  /** True for near and far calls ({@code call}, {@code lcall}). */
  public boolean isCall() {
    return mnemonic.equals("call") || mnemonic.equals("lcall");
  }

  /** True for returns ({@code ret}, {@code retf}, {@code iretq} ...). */
  public boolean isReturn() {
    return mnemonic.startsWith("ret") || mnemonic.startsWith("iret");
  }

  /** {@code mnemonic operands}. */
  public String text() {
    return operands.isEmpty() ? mnemonic : mnemonic + " " + operands;
  }

  @Override
  public String toString() {
    return String.format("0x%X: %-24s %s", address, HexFormat.ofDelimiter(" ").formatHex(bytes), text());
  }
}
