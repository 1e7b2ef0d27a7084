package org.efiemu.core.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import org.efiemu.core.machine.CpuDescription;
import org.efiemu.core.machine.LongMode;
import org.junit.jupiter.api.Test;

class ControlRegistersTest {
  private static final CpuDescription CPU = CpuDescription.genericIntel();
  private static final long EFER_LONG = 0x500;

  @Test
  void theApplicationEntryStateIsValid() {
    assertThat(ControlRegisters.cr0Fault(LongMode.CR0, EFER_LONG, LongMode.CR4)).isEmpty();
    assertThat(ControlRegisters.cr4Fault(LongMode.CR4, LongMode.CR4, EFER_LONG, 0x1000, CPU)).isEmpty();
  }

  @Test
  void cr0PagingWithoutProtectionRaisesGeneralProtection() {
    assertThat(ControlRegisters.cr0Fault(LongMode.CR0 & ~1L, EFER_LONG, LongMode.CR4)).hasValueSatisfying(
        w -> assertThat(w).contains("PG with PE clear"));
  }

  @Test
  void cr0NotWriteThroughWithoutCacheDisableRaisesGeneralProtection() {
    assertThat(ControlRegisters.cr0Fault(LongMode.CR0 | ControlRegisters.CR0_NW, EFER_LONG, LongMode.CR4))
        .hasValueSatisfying(w -> assertThat(w).contains("NW with CD clear"));
    assertThat(ControlRegisters.cr0Fault(LongMode.CR0 | ControlRegisters.CR0_NW | ControlRegisters.CR0_CD, EFER_LONG,
        LongMode.CR4)).isEmpty();
  }

  @Test
  void cr0UpperBitsAndClearingPagingInLongModeRaiseGeneralProtection() {
    assertThat(ControlRegisters.cr0Fault(LongMode.CR0 | (1L << 32), EFER_LONG, LongMode.CR4)).isPresent();
    assertThat(ControlRegisters.cr0Fault(0x11, EFER_LONG, LongMode.CR4)).hasValueSatisfying(
        w -> assertThat(w).contains("clears PG in IA-32e mode"));
    assertThat(ControlRegisters.cr0Fault(0x8000_0011L, 0x100, 0)).as("PG with LME and no PAE").isPresent();
  }

  @Test
  void cr4ReservedBitsFollowTheCpuid() {
    long reserved = ControlRegisters.cr4Reserved(CPU);
    assertThat(reserved & 0x7FF).as("bits 0-10 always defined").isZero();
    assertThat(reserved & (1L << 15)).isNotZero();
    assertThat(reserved & (1L << 13)).as("VMXE without VMX").isNotZero();
    assertThat(reserved & (1L << 18)).as("OSXSAVE without XSAVE").isNotZero();
    assertThat(reserved & (1L << 16)).as("FSGSBASE without the CPUID bit").isNotZero();
    assertThat(reserved >>> 26).isEqualTo(-1L >>> 26);
    CpuDescription rich = new CpuDescription("GenuineIntel", 6, 0x3A, 9, "x", 1, (1 << 26) | (1 << 17) | (1 << 5),
        0, 1 | (1 << 7) | (1 << 20), 0, 0x2010_0800, 40);
    long richReserved = ControlRegisters.cr4Reserved(rich);
    for (int bit : new int[] {13, 16, 17, 18, 20, 21}) {
      assertThat(richReserved & (1L << bit)).as("bit %d", bit).isZero();
    }
  }

  @Test
  void cr4ReservedBitOrClearingPaeInLongModeRaisesGeneralProtection() {
    assertThat(ControlRegisters.cr4Fault(LongMode.CR4 | (1L << 15), LongMode.CR4, EFER_LONG, 0, CPU))
        .hasValueSatisfying(w -> assertThat(w).contains("reserved bits 0x8000"));
    assertThat(ControlRegisters.cr4Fault(LongMode.CR4 & ~ControlRegisters.CR4_PAE, LongMode.CR4, EFER_LONG, 0, CPU))
        .hasValueSatisfying(w -> assertThat(w).contains("clears PAE"));
  }

  @Test
  void cr8UpperBitsRaiseGeneralProtection() {
    assertThat(ControlRegisters.cr8Fault(0xF)).isEmpty();
    assertThat(ControlRegisters.cr8Fault(0x10)).isPresent();
  }
}
