package org.efiemu.core.engine;

/**
 * x86-64 registers read and written as 64-bit values ({@code UC_X86_REG_*} of Unicorn 2.0 {@code x86.h}).
 * Descriptor-table registers are in {@link X86Mmr}; model-specific registers go through
 * {@link Engine#readMsr(int)} ({@code uc_x86_msr}).
 */
public enum X86Reg {
  RAX(35), RBX(37), RCX(38), RDX(40), RSI(43), RDI(39), RBP(36), RSP(44),
  R8(106), R9(107), R10(108), R11(109), R12(110), R13(111), R14(112), R15(113),
  RIP(41), RFLAGS(253),
  CS(11), DS(17), ES(28), FS(32), GS(33), SS(49), FS_BASE(250), GS_BASE(251),
  CR0(50), CR2(52), CR3(53), CR4(54), CR8(58),
  DR0(66), DR1(67), DR2(68), DR3(69), DR6(72), DR7(73),
  MXCSR(249);

  /** The general-purpose registers in the order reports print them. */
  public static final X86Reg[] GENERAL = {RAX, RBX, RCX, RDX, RSI, RDI, RBP, RSP, R8, R9, R10, R11, R12, R13,
      R14, R15};

  private final int id;

  X86Reg(int id) {
    this.id = id;
  }

  /** The {@code UC_X86_REG_*} number. */
  public int id() {
    return id;
  }
}
