package org.efiemu.core.machine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.efiemu.core.memory.PhysicalMemory;
import org.junit.jupiter.api.Test;

/** {@link PhysicalMemory#write}: runs of fresh chunks mapped together, zero pages skipped only where RAM is fresh. */
class PhysicalMemoryWriteTest {
  private static final long BASE = 0x4000_0000L;

  @Test
  void writeOverSeveralUnmappedChunksReadsBackEveryByteAndCountsEachChunk() {
    try (Machine m = TestMachines.standard()) {
      PhysicalMemory p = m.physical();
      long chunk = p.chunkSize();
      byte[] data = mixed((int) (3 * chunk + 0x1234), 1);
      long at = BASE + 0x777;
      long before = p.mappedBytes();
      p.write(at, data, 0, data.length);
      byte[] back = new byte[data.length];
      p.read(at, back, 0, back.length);
      assertThat(back).isEqualTo(data);
      assertThat(p.mappedBytes() - before).isEqualTo(4 * chunk);
      assertThat(m.memory().u64(BASE)).as("bytes before the write in its first chunk").isZero();
    }
  }

  @Test
  void zeroPagesOverwriteOldContentsInAlreadyMappedChunks() {
    try (Machine m = TestMachines.standard()) {
      PhysicalMemory p = m.physical();
      byte[] ones = new byte[(int) (2 * p.chunkSize())];
      java.util.Arrays.fill(ones, (byte) 0xA5);
      p.write(BASE, ones, 0, ones.length);
      byte[] zeros = new byte[ones.length + 0x3000];
      p.write(BASE + 0x800, zeros, 0, zeros.length);
      byte[] back = new byte[ones.length];
      p.read(BASE, back, 0, back.length);
      assertThat(back[0x7FF]).isEqualTo((byte) 0xA5);
      for (int i = 0x800; i < back.length; i++) {
        assertThat(back[i]).as("byte at +0x%X", i).isZero();
      }
    }
  }

  @Test
  void unmappingOneChunkOfAJointlyMappedRunKeepsItsNeighbours() {
    try (Machine m = TestMachines.standard()) {
      PhysicalMemory p = m.physical();
      long chunk = p.chunkSize();
      byte[] data = mixed((int) (3 * chunk), 2);
      p.write(BASE, data, 0, data.length);
      p.unmapChunk(BASE + chunk);
      assertThat(p.isMapped(BASE + chunk)).isFalse();
      assertThat(m.memory().u64(BASE + chunk)).as("an unmapped chunk reads as zero").isZero();
      byte[] last = new byte[(int) chunk];
      p.read(BASE + 2 * chunk, last, 0, last.length);
      assertThat(last).isEqualTo(java.util.Arrays.copyOfRange(data, (int) (2 * chunk), data.length));
      m.memory().putU64(BASE + chunk + 8, 0x1122_3344_5566_7788L);
      assertThat(m.memory().u64(BASE + chunk + 8)).isEqualTo(0x1122_3344_5566_7788L);
    }
  }

  /** Pages alternating all-zero and random, with random bytes in the odd page edges. */
  private static byte[] mixed(int length, long seed) {
    byte[] b = new byte[length];
    Random r = new Random(seed);
    for (int page = 0; page * 0x1000 < length; page++) {
      if (page % 3 == 1) continue;
      for (int i = page * 0x1000; i < Math.min(length, (page + 1) * 0x1000); i++) b[i] = (byte) (r.nextInt(255) + 1);
    }
    return b;
  }

  @Test
  void declareCodeFindsRdtscCrossingAScanBlockBoundaryAmidZeroBlocksAndCountsItOnce() {
    try (Machine m = TestMachines.standard()) {
      byte[] code = new byte[0x10000];
      code[0x2FFF] = 0x0F; // rdtsc across the 4 KiB boundary at 0x3000, block 0x3000 otherwise zero
      code[0x3000] = 0x31;
      code[0x8FFE] = 0x0F; // rdtscp ending in the next block
      code[0x8FFF] = 0x01;
      code[0x9000] = (byte) 0xF9;
      code[0x9001] = 0x0F; // and an rdtsc right after it, in that block
      code[0x9002] = 0x31;
      m.memory().write(BASE, code);
      int expected = m.rdtscHookedNatively() ? 0 : 3;
      assertThat(m.declareCode(BASE, code.length)).isEqualTo(expected);
      assertThat(m.declareCode(BASE, code.length)).as("sites already declared are not new").isZero();
    }
  }
}
