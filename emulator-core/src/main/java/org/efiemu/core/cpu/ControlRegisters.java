package org.efiemu.core.cpu;

import java.util.Optional;
import org.efiemu.core.machine.CpuDescription;

/**
 * When MOV to CR0, CR4 or CR8 raises #GP(0) (Intel SDM vol. 2B, MOV—Move to/from Control Registers, protected and
 * 64-bit mode exceptions; vol. 3A §2.5 Control Registers). Unicorn 2.0.1's TCG CPU (QEMU 5.0) loads any value; QEMU
 * 6.0 and later check CR4 the same way ({@code target/i386/cpu.h} {@code cr4_reserved_bits}: the always-reserved
 * mask plus every feature bit whose CPUID flag is clear). Pure: no emulator.
 */
public final class ControlRegisters {
  public static final long CR0_PE = 1L;
  public static final long CR0_NW = 1L << 29;
  public static final long CR0_CD = 1L << 30;
  public static final long CR0_PG = 1L << 31;
  public static final long CR4_PAE = 1L << 5;
  public static final long CR4_PCIDE = 1L << 17;

  /** CR4 bits defined without a CPUID condition: VME PVI TSD DE PSE PAE MCE PGE PCE OSFXSR OSXMMEXCPT (0-10). */
  private static final long CR4_ALWAYS = 0x7FF;

  private ControlRegisters() {}

  /**
   * Why MOV to CR0 of {@code value} raises #GP(0), or empty: bits 63:32 set; PG = 1 with PE = 0; NW = 1 with CD = 0;
   * clearing PG in 64-bit mode ({@code longMode}: EFER.LMA = 1); setting PG with EFER.LME = 1 and CR4.PAE = 0.
   */
  public static Optional<String> cr0Fault(long value, long efer, long cr4) {
    if ((value >>> 32) != 0) return Optional.of(String.format("CR0 value 0x%X sets reserved bits 63:32", value));
    if ((value & CR0_PG) != 0 && (value & CR0_PE) == 0) {
      return Optional.of(String.format("CR0 value 0x%X sets PG with PE clear", value));
    }
    if ((value & CR0_NW) != 0 && (value & CR0_CD) == 0) {
      return Optional.of(String.format("CR0 value 0x%X sets NW with CD clear", value));
    }
    if ((efer & ModelSpecificRegisters.EFER_LMA) != 0 && (value & CR0_PG) == 0) {
      return Optional.of(String.format("CR0 value 0x%X clears PG in IA-32e mode (EFER.LMA = 1)", value));
    }
    if ((value & CR0_PG) != 0 && (efer & ModelSpecificRegisters.EFER_LME) != 0 && (cr4 & CR4_PAE) == 0) {
      return Optional.of(String.format("CR0 value 0x%X sets PG with EFER.LME = 1 and CR4.PAE = 0", value));
    }
    return Optional.empty();
  }

  /**
   * The CR4 bits reserved on {@code cpu}: bit 15 and bits 26-63 always (and 19 KL, 23 CET, 24 PKS, 25 UINTR, which
   * need CPUID leaves efiemu's CPU does not describe), each other feature bit when its CPUID flag is clear: UMIP
   * (CPUID.07H:ECX[2]), LA57 (07H:ECX[16]), VMXE (01H:ECX[5]), SMXE (01H:ECX[6]), FSGSBASE (07H:EBX[0]), PCIDE
   * (01H:ECX[17]), OSXSAVE (01H:ECX[26]), SMEP (07H:EBX[7]), SMAP (07H:EBX[20]), PKE (07H:ECX[3]). CPUID.07H:ECX
   * reads as 0 on efiemu's CPU ({@link CpuDescription#cpuid}).
   */
  public static long cr4Reserved(CpuDescription cpu) {
    long defined = CR4_ALWAYS;
    int l1c = cpu.leaf1Ecx();
    int l7b = cpu.leaf7Ebx();
    int l7c = cpu.cpuid(7, 0)[2];
    if ((l7c & (1 << 2)) != 0) defined |= 1L << 11;
    if ((l7c & (1 << 16)) != 0) defined |= 1L << 12;
    if ((l1c & (1 << 5)) != 0) defined |= 1L << 13;
    if ((l1c & (1 << 6)) != 0) defined |= 1L << 14;
    if ((l7b & 1) != 0) defined |= 1L << 16;
    if ((l1c & (1 << 17)) != 0) defined |= CR4_PCIDE;
    if ((l1c & (1 << 26)) != 0) defined |= 1L << 18;
    if ((l7b & (1 << 7)) != 0) defined |= 1L << 20;
    if ((l7b & (1 << 20)) != 0) defined |= 1L << 21;
    if ((l7c & (1 << 3)) != 0) defined |= 1L << 22;
    return ~defined;
  }

  /**
   * Why MOV to CR4 of {@code value} raises #GP(0), or empty: a reserved bit ({@link #cr4Reserved}); clearing PAE in
   * IA-32e mode; setting PCIDE while CR3[11:0] is not 0.
   */
  public static Optional<String> cr4Fault(long value, long currentCr4, long efer, long cr3, CpuDescription cpu) {
    long reserved = value & cr4Reserved(cpu);
    if (reserved != 0) {
      return Optional.of(String.format("CR4 value 0x%X sets reserved bits 0x%X", value, reserved));
    }
    if ((efer & ModelSpecificRegisters.EFER_LMA) != 0 && (value & CR4_PAE) == 0) {
      return Optional.of(String.format("CR4 value 0x%X clears PAE in IA-32e mode (EFER.LMA = 1)", value));
    }
    if ((value & CR4_PCIDE) != 0 && (currentCr4 & CR4_PCIDE) == 0 && (cr3 & 0xFFF) != 0) {
      return Optional.of(String.format("CR4 value 0x%X sets PCIDE while CR3[11:0] = 0x%X", value, cr3 & 0xFFF));
    }
    return Optional.empty();
  }

  /** Why MOV to CR8 of {@code value} raises #GP(0), or empty: bits 63:4 are reserved. */
  public static Optional<String> cr8Fault(long value) {
    return (value & ~0xFL) != 0 ? Optional.of(String.format("CR8 value 0x%X sets reserved bits 63:4", value))
        : Optional.empty();
  }
}
