package org.efiemu.core.cpu;

import java.util.Optional;
import java.util.TreeSet;
import java.util.Set;
import org.efiemu.core.machine.CpuDescription;

/**
 * The model-specific registers the emulated CPU implements, and the EFER write rules. RDMSR or WRMSR of any other
 * MSR raises #GP(0), as hardware does (Intel SDM vol. 2B, RDMSR/WRMSR: "#GP(0) if the value in ECX specifies a
 * reserved or unimplemented MSR address", and WRMSR "if the value in EDX:EAX sets bits that are reserved in the
 * MSR"); Unicorn 2.0.1's TCG CPU itself reads such an MSR as 0 and ignores a write
 * ({@code qemu/target/i386/misc_helper.c}, {@code helper_rdmsr}/{@code helper_wrmsr}, the {@code default:} case
 * marked "XXX: exception?").
 *
 * <p>The set is the one that file implements (each {@code case} of {@code helper_rdmsr}/{@code helper_wrmsr}; MSR
 * numbers from {@code target/i386/cpu.h}): SYSENTER_CS/ESP/EIP (0x174-0x176), IA32_APIC_BASE (0x1B), EFER, STAR,
 * LSTAR, CSTAR, FMASK (0xC0000080-0xC0000084), FS/GS/KERNEL_GS base (0xC0000100-0xC0000102), TSC_AUX (0xC0000103),
 * PAT (0x277), VM_HSAVE_PA (0xC0010117), the variable and fixed MTRRs (0x200-0x20F, 0x250, 0x258, 0x259,
 * 0x268-0x26F) and MTRRdefType (0x2FF), MCG_STATUS/MCG_CTL (0x17A, 0x17B), IA32_MISC_ENABLE (0x1A0), IA32_BNDCFGS
 * (0xD90) and the machine-check banks MC0..MC9 (0x400-0x427: the default model's {@code mcg_cap} has 10 banks,
 * {@code MCE_BANKS_DEF}); read-only there: IA32_PERF_STATUS (0x198), MSR_SMI_COUNT (0x34), MTRRcap (0xFE), MCG_CAP
 * (0x179), IA32_BIOS_SIGN_ID (0x8B). Two architectural MSRs every x86-64 CPU has are added (Intel SDM vol. 4,
 * table 2-2): IA32_TIME_STAMP_COUNTER (0x10; efiemu answers a read from the virtual clock, as RDTSC) and writes of
 * IA32_BIOS_SIGN_ID (0x8B; the microcode signature protocol of SDM vol. 3A, "Microcode Update Facilities", writes 0 there first).
 */
public final class ModelSpecificRegisters {
  public static final int IA32_TIME_STAMP_COUNTER = 0x10;
  public static final int IA32_BIOS_SIGN_ID = 0x8B;
  public static final int EFER = 0xC000_0080;
  /** Machine-check banks of Unicorn 2.0.1's default CPU model ({@code MCE_BANKS_DEF}), 4 MSRs each from 0x400. */
  public static final int MC_BANKS = 10;

  /** EFER.SCE: SYSCALL/SYSRET enabled. */
  public static final long EFER_SCE = 1L;
  public static final long EFER_LME = 1L << 8;
  public static final long EFER_LMA = 1L << 10;
  public static final long EFER_NXE = 1L << 11;
  public static final long EFER_SVME = 1L << 12;
  public static final long EFER_FFXSR = 1L << 14;
  public static final long EFER_TCE = 1L << 15;

  private static final Set<Integer> READ_WRITE = new TreeSet<>();
  private static final Set<Integer> READ_ONLY = new TreeSet<>();

  static {
    int[] rw = {0x1B, 0x174, 0x175, 0x176, 0x17A, 0x17B, 0x1A0, 0x250, 0x258, 0x259, 0x277, 0x2FF, 0xD90,
        0xC000_0080, 0xC000_0081, 0xC000_0082, 0xC000_0083, 0xC000_0084, 0xC000_0100, 0xC000_0101, 0xC000_0102,
        0xC000_0103, 0xC001_0117, IA32_TIME_STAMP_COUNTER, IA32_BIOS_SIGN_ID};
    for (int m : rw) READ_WRITE.add(m);
    for (int m = 0x200; m <= 0x20F; m++) READ_WRITE.add(m);
    for (int m = 0x268; m <= 0x26F; m++) READ_WRITE.add(m);
    for (int m = 0x400; m < 0x400 + 4 * MC_BANKS; m++) READ_WRITE.add(m);
    for (int m : new int[] {0x198, 0x34, 0xFE, 0x179}) READ_ONLY.add(m);
  }

  private ModelSpecificRegisters() {}

  /** True when RDMSR of {@code msr} (ECX, unsigned) succeeds on the emulated CPU. */
  public static boolean readable(int msr) {
    return READ_WRITE.contains(msr) || READ_ONLY.contains(msr);
  }

  /** True when WRMSR of {@code msr} is not refused because of the MSR number (see {@link #eferWriteFault}). */
  public static boolean writable(int msr) {
    return READ_WRITE.contains(msr);
  }

  /**
   * Why WRMSR of {@code value} to EFER raises #GP(0), or empty when it does not: a bit set that is reserved on the
   * CPU the guest sees (Intel SDM vol. 3A §2.2.1 and vol. 4 table 2-2: SCE, LME, LMA, NXE are the only bits of an
   * Intel CPU; AMD APM vol. 2 §3.1.7 adds SVME, LMSLE, FFXSR, TCE, each present only with its CPUID bit:
   * CPUID.80000001H EDX[11] SYSCALL, EDX[29] LM, EDX[20] NX, ECX[2] SVM, EDX[25] FFXSR, ECX[17] TCE), or a change of
   * LME while paging is on (SDM vol. 3A, "Initializing IA-32e Mode": writing LME while paging is enabled raises #GP). LMA is
   * read-only: its written value is ignored, not refused (as KVM does).
   */
  public static Optional<String> eferWriteFault(long value, long currentEfer, long cr0, CpuDescription cpu) {
    long allowed = EFER_LMA;
    if ((cpu.ext1Edx() & (1 << 11)) != 0) allowed |= EFER_SCE;
    if ((cpu.ext1Edx() & (1 << 29)) != 0) allowed |= EFER_LME;
    if ((cpu.ext1Edx() & (1 << 20)) != 0) allowed |= EFER_NXE;
    if ((cpu.ext1Ecx() & (1 << 2)) != 0) allowed |= EFER_SVME;
    if ((cpu.ext1Edx() & (1 << 25)) != 0) allowed |= EFER_FFXSR;
    if ((cpu.ext1Ecx() & (1 << 17)) != 0) allowed |= EFER_TCE;
    long reserved = value & ~allowed;
    if (reserved != 0) {
      return Optional.of(String.format("EFER value 0x%X sets reserved bits 0x%X (the CPU's CPUID allows 0x%X)", value,
          reserved, allowed));
    }
    if ((cr0 & ControlRegisters.CR0_PG) != 0 && ((value ^ currentEfer) & EFER_LME) != 0) {
      return Optional.of(String.format("EFER.LME changed (0x%X -> 0x%X) while CR0.PG = 1", currentEfer, value));
    }
    return Optional.empty();
  }
}
