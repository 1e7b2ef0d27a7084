package org.efiemu.core.machine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.efiemu.core.machine.TestMachines.load;

import org.efiemu.core.engine.X86Reg;
import org.efiemu.core.memory.PhysicalMemory;
import org.junit.jupiter.api.Test;

/**
 * The guest's mapping extent ({@link PhysicalMemory#GUEST_EXTENT}): once {@link PhysicalMemory#EXTENT_AFTER_CHUNKS}
 * chunks are mapped, a guest access to unmapped RAM maps the unmapped chunks of its 2 MiB extent, clipped to its RAM
 * region, so a loader that touches tens of MiB leaves Unicorn a few large regions instead of hundreds of 64 KiB ones.
 */
class PhysicalMemoryGuestExtentTest {
  private static final long FAR = 0x4000_0000L;

  /** Maps {@code n} separate chunks with host writes (two chunks apart, so none are adjacent). */
  private static void mapSeparateChunks(Machine m, int n) {
    long chunk = m.physical().chunkSize();
    for (int i = 0; i < n; i++) m.memory().putU8(FAR + 2L * i * chunk, 1);
  }

  /** Loads {@code mov [rax], rbx; hlt} (a host write: its chunk is mapped before the caller counts). */
  private static long storeCode(Machine m) {
    return load(m, "488918f4");
  }

  private static StopReport storeAt(Machine m, long code, long target) {
    m.engine().reg(X86Reg.RAX, target);
    m.engine().reg(X86Reg.RBX, 0x1122_3344_5566_7788L);
    return m.run(code, RunLimits.none());
  }

  @Test
  void guestStoreAfterSixtyFourChunksMapsEveryChunkOfItsTwoMebibyteExtent() {
    try (Machine m = TestMachines.standard()) {
      PhysicalMemory p = m.physical();
      mapSeparateChunks(m, PhysicalMemory.EXTENT_AFTER_CHUNKS);
      long target = 0x8000_0000L + 0x12_3458; // in the extent [0x8000_0000, 0x8020_0000)
      long extent = target & -PhysicalMemory.GUEST_EXTENT;
      long code = storeCode(m);
      long before = p.mappedBytes();
      StopReport r = storeAt(m, code, target);
      assertThat(r.reason()).as(r.toString()).isEqualTo(StopReason.HLT);
      assertThat(p.mappedBytes() - before).isEqualTo(PhysicalMemory.GUEST_EXTENT);
      for (long a = extent; a < extent + PhysicalMemory.GUEST_EXTENT; a += p.chunkSize()) {
        assertThat(p.isMapped(a)).as("chunk 0x%X", a).isTrue();
      }
      assertThat(p.isMapped(extent - 1)).isFalse();
      assertThat(p.isMapped(extent + PhysicalMemory.GUEST_EXTENT)).isFalse();
      assertThat(m.engine().isHostBacked(extent, PhysicalMemory.GUEST_EXTENT)).isTrue();
      assertThat(m.engine().hostBackedBytes()).isEqualTo(p.mappedBytes());
      assertThat(m.memory().u64(target)).isEqualTo(0x1122_3344_5566_7788L);
      assertThat(m.memory().u64(extent)).as("the rest of the extent reads as zero").isZero();
    }
  }

  @Test
  void guestStoreBeforeSixtyFourChunksMapsOnlyItsOwnChunk() {
    try (Machine m = TestMachines.standard()) {
      PhysicalMemory p = m.physical();
      long code = storeCode(m);
      long before = p.mappedBytes();
      assertThat(p.mappedChunks().size()).isLessThan(PhysicalMemory.EXTENT_AFTER_CHUNKS);
      StopReport r = storeAt(m, code, 0x8000_0000L + 0x12_3458);
      assertThat(r.reason()).as(r.toString()).isEqualTo(StopReason.HLT);
      assertThat(p.mappedBytes() - before).isEqualTo(p.chunkSize());
    }
  }

  @Test
  void extentIsClippedToItsRamRegionAndKeepsChunksAlreadyMapped() {
    try (Machine m = TestMachines.standard()) {
      PhysicalMemory p = m.physical();
      mapSeparateChunks(m, PhysicalMemory.EXTENT_AFTER_CHUNKS);
      // low RAM is [0, 0xA0000): its extent is clipped there, and the chunks mapped already (structures, stack,
      // trap page) keep their contents; the store's own chunk is not one of them
      long stackWord = TestMachines.STACK_TOP - 0x100;
      m.memory().putU64(stackWord, 0xABCD);
      long code = storeCode(m);
      long target = 0x5_0008;
      assertThat(p.isMapped(target)).isFalse();
      StopReport r = storeAt(m, code, target);
      assertThat(r.reason()).as(r.toString()).isEqualTo(StopReason.HLT);
      for (long a = 0; a < 0xA_0000; a += p.chunkSize()) assertThat(p.isMapped(a)).as("chunk 0x%X", a).isTrue();
      assertThat(p.isMapped(0xA_0000)).isFalse();
      assertThat(m.memory().u64(stackWord)).isEqualTo(0xABCD);
      assertThat(m.memory().u64(target)).isEqualTo(0x1122_3344_5566_7788L);
      assertThat(m.engine().hostBackedBytes()).isEqualTo(p.mappedBytes());
    }
  }
}
