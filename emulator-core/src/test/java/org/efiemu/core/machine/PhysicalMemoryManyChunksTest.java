package org.efiemu.core.machine;

import static org.assertj.core.api.Assertions.assertThat;

import org.efiemu.core.memory.PhysicalMemory;
import org.junit.jupiter.api.Test;

/**
 * Touching RAM chunk by chunk never brings Unicorn 2.0.1 to its 4096-section limit, where it aborts the whole JVM
 * ({@code phys_section_add} assertion; found by the service ABI fuzz target: SetMem of 256 MiB).
 */
class PhysicalMemoryManyChunksTest {
  @Test
  void touchingEveryChunkOfGigabytesOneAtATimeKeepsTheChunkCountFarBelowUnicornsSectionLimit() {
    try (Machine m = TestMachines.standard()) {
      PhysicalMemory p = m.physical();
      long base = 0x4000_0000L;
      long size = 0x4000_0000L; // 1 GiB: 16 384 chunks of 64 KiB
      long top = m.physical().layout().regions().stream().filter(r -> r.kind() == org.efiemu.core.memory.PhysicalLayout.Kind.RAM)
          .mapToLong(r -> r.end()).max().orElseThrow();
      if (top < base + size) size = top - base;
      for (long a = base; a < base + size; a += p.chunkSize()) m.memory().putU8(a + 8, 0x5A);
      assertThat(p.mappedChunks().size()).isLessThan(2048);
      for (long a = base; a < base + size; a += 97 * p.chunkSize()) {
        assertThat(m.memory().u8(a + 8)).isEqualTo(0x5A);
        assertThat(m.memory().u8(a + 9)).isZero();
      }
      assertThat(size).isGreaterThanOrEqualTo(256L << 20);
    }
  }
}
