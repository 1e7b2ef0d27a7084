package org.efiemu.core.machine;

import static org.assertj.core.api.Assertions.assertThat;

import org.efiemu.core.memory.PhysicalLayout;
import org.efiemu.core.memory.PhysicalMemory;
import org.junit.jupiter.api.Test;

/**
 * {@link PhysicalMemory#untouchedRamFloor}: how far below an address RAM goes on without a mapped chunk (it reads as
 * zeros), across adjacent RAM regions, stopping at a hole or at the highest touched chunk below.
 */
class PhysicalMemoryUntouchedFloorTest {
  /** RAM [0x1000, 0xA0000), hole, RAM [0x100000, 0x200000) and adjacent RAM [0x200000, 0x4000000). */
  private static Machine machine() {
    PhysicalLayout layout = PhysicalLayout.builder()
        .ram(0x1000, 0xA0000 - 0x1000)
        .ram(0x100000, 0x100000)
        .ram(0x200000, 0x3E00000)
        .build();
    return Machine.builder(layout).cpuStructuresAt(0x10000).stackTop(0x80000).trapRegion(0x90000, 0x1000).build();
  }

  @Test
  void untouchedRamReachesDownToTheHoleAcrossAdjacentRegions() {
    try (Machine m = machine()) {
      PhysicalMemory p = m.physical();
      long address = 0x3000000;
      assertThat(p.isMapped(address)).isFalse();
      long floor = p.untouchedRamFloor(address);
      // everything from the floor up is untouched RAM; the byte below is the hole or a touched chunk
      assertThat(floor).isLessThanOrEqualTo(address);
      for (long a = floor; a <= address; a += 0x1000) {
        assertThat(p.layout().isRam(a, 1) && !p.isMapped(a)).as("0x%X", a).isTrue();
      }
      assertThat(floor == 0x100000 || p.isMapped(floor - 1)).as("floor 0x%X", floor).isTrue();
    }
  }

  @Test
  void untouchedRamStopsAboveTheHighestTouchedChunkBelow() {
    try (Machine m = machine()) {
      PhysicalMemory p = m.physical();
      m.memory().putU64(0x1234568, 1);
      long chunkEnd = (0x1234568 & -p.chunkSize()) + p.chunkSize();
      assertThat(p.untouchedRamFloor(0x2345678)).isEqualTo(chunkEnd);
      assertThat(p.untouchedRamFloor(chunkEnd)).isEqualTo(chunkEnd);
    }
  }

  @Test
  void aTouchedOrNonRamAddressHasNoUntouchedRamBelowIt() {
    try (Machine m = machine()) {
      PhysicalMemory p = m.physical();
      m.memory().putU64(0x2000000, 1);
      assertThat(p.untouchedRamFloor(0x2000008)).isEqualTo(0x2000009);
      assertThat(p.untouchedRamFloor(0xC0000)).as("in the hole").isEqualTo(0xC0001);
    }
  }
}
