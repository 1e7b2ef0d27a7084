package org.efiemu.core.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import org.efiemu.core.machine.CpuDescription;
import org.junit.jupiter.api.Test;

class ModelSpecificRegistersTest {
  private static final CpuDescription CPU = CpuDescription.genericIntel();
  private static final long CR0_PAGING = 0x8000_0011L;

  @Test
  void msrsOfUnicornsTcgCpuAndTheArchitecturalTscAreImplemented() {
    for (int msr : new int[] {0x10, 0x1B, 0x174, 0x176, 0x277, 0x2FF, 0x200, 0x20F, 0x26F, 0x1A0, 0xC000_0080,
        0xC000_0084, 0xC000_0100, 0xC000_0103, 0x400, 0x427}) {
      assertThat(ModelSpecificRegisters.readable(msr)).as("0x%X", msr).isTrue();
      assertThat(ModelSpecificRegisters.writable(msr)).as("0x%X", msr).isTrue();
    }
  }

  @Test
  void unknownMsrsAndMachineCheckBanksBeyondTheTenthAreNotImplemented() {
    for (int msr : new int[] {0, 0x11, 0x3A, 0xCE, 0x428, 0xC000_0085, 0xC000_0104, 0xDEAD_BEEF, 0xFFFF_FFFF}) {
      assertThat(ModelSpecificRegisters.readable(msr)).as("0x%X", msr).isFalse();
      assertThat(ModelSpecificRegisters.writable(msr)).as("0x%X", msr).isFalse();
    }
  }

  @Test
  void readOnlyMsrsCanBeReadButNotWritten() {
    for (int msr : new int[] {0x198, 0x34, 0xFE, 0x179}) {
      assertThat(ModelSpecificRegisters.readable(msr)).as("0x%X", msr).isTrue();
      assertThat(ModelSpecificRegisters.writable(msr)).as("0x%X", msr).isFalse();
    }
  }

  @Test
  void eferBitsTheCpuidAllowsAreAcceptedAndLmaIsIgnored() {
    long efer = 0xD00; // NXE | LMA | LME
    assertThat(ModelSpecificRegisters.eferWriteFault(efer | 1, efer, CR0_PAGING, CPU)).isEmpty();
    assertThat(ModelSpecificRegisters.eferWriteFault(0x901, efer, CR0_PAGING, CPU)).as("LMA written 0").isEmpty();
  }

  @Test
  void eferReservedBitsRaiseGeneralProtection() {
    long efer = 0xD00;
    assertThat(ModelSpecificRegisters.eferWriteFault(efer | 2, efer, CR0_PAGING, CPU)).hasValueSatisfying(
        w -> assertThat(w).contains("sets reserved bits 0x2"));
    assertThat(ModelSpecificRegisters.eferWriteFault(efer | ModelSpecificRegisters.EFER_SVME, efer, CR0_PAGING, CPU))
        .as("SVME on a CPU without SVM").isPresent();
    assertThat(ModelSpecificRegisters.eferWriteFault(efer | (1L << 40), efer, CR0_PAGING, CPU)).isPresent();
  }

  @Test
  void eferNxeIsReservedWhenTheCpuidHasNoNx() {
    CpuDescription noNx = new CpuDescription("GenuineIntel", 6, 0x3A, 9, "x", 1, 0, 0, 0, 0, 0x2000_0800, 40);
    assertThat(ModelSpecificRegisters.eferWriteFault(0xD00, 0x500, CR0_PAGING, noNx)).isPresent();
    assertThat(ModelSpecificRegisters.eferWriteFault(0x500, 0x500, CR0_PAGING, noNx)).isEmpty();
  }

  @Test
  void changingLmeWhilePagingIsOnRaisesGeneralProtection() {
    assertThat(ModelSpecificRegisters.eferWriteFault(0x400, 0x500, CR0_PAGING, CPU)).hasValueSatisfying(
        w -> assertThat(w).contains("LME changed"));
    assertThat(ModelSpecificRegisters.eferWriteFault(0x100, 0, 0x11, CPU)).as("paging off").isEmpty();
  }
}
