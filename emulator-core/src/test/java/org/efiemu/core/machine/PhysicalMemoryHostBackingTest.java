package org.efiemu.core.machine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.efiemu.core.machine.TestMachines.load;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import org.efiemu.core.engine.Engine;
import org.efiemu.core.engine.MemAccess;
import org.efiemu.core.engine.Perm;
import org.efiemu.core.engine.X86Reg;
import org.efiemu.core.memory.PhysicalMemory;
import org.junit.jupiter.api.Test;

/**
 * {@link PhysicalMemory} over host memory ({@link Engine#mapHost}): lazy chunks, zero reads, chunk edges, protection
 * splits, snapshot unmaps and close. Invariant throughout: the engine reserves host memory for exactly the mapped
 * chunks.
 */
class PhysicalMemoryHostBackingTest {
  private static final long BASE = 0x4000_0000L;

  @Test
  void untouchedRamReadsAsZeroWithoutReservingHostMemoryAndAWriteBacksOneChunk() {
    try (Machine m = TestMachines.standard()) {
      PhysicalMemory p = m.physical();
      long mapped = p.mappedBytes();
      assertThat(m.engine().hostBackedBytes()).isEqualTo(mapped);
      assertThat(m.memory().read(BASE + 0x123, 0x3000)).containsOnly(0);
      assertThat(p.mappedBytes()).isEqualTo(mapped);
      m.memory().putU64(BASE + 0x10, 0x0102_0304_0506_0708L);
      assertThat(p.mappedBytes() - mapped).isEqualTo(p.chunkSize());
      assertThat(m.engine().isHostBacked(BASE, p.chunkSize())).isTrue();
      assertThat(m.engine().hostBackedBytes()).isEqualTo(p.mappedBytes());
      assertThat(m.memory().u64(BASE + 0x10)).isEqualTo(0x0102_0304_0506_0708L);
      assertThat(m.memory().u64(BASE + 0x18)).as("the rest of a fresh chunk").isZero();
    }
  }

  @Test
  void aWriteAtOnePointFourTibReservesHostMemoryForOneChunkOnly() {
    try (Machine m = TestMachines.standard()) {
      long before = m.engine().hostBackedBytes();
      m.memory().putU64(0x160_0000_0000L, 5);
      assertThat(m.engine().hostBackedBytes() - before).isEqualTo(m.physical().chunkSize());
    }
  }

  @Test
  void guestStoreToUntouchedRamMapsItsChunkOverHostMemoryAndTheHostReadsIt() {
    try (Machine m = TestMachines.standard()) {
      long target = BASE + 0x5_0008;
      m.engine().reg(X86Reg.RAX, target);
      m.engine().reg(X86Reg.RBX, 0x1122_3344_5566_7788L);
      StopReport r = m.run(load(m, "488918f4"), RunLimits.none()); // mov [rax], rbx; hlt
      assertThat(r.reason()).as(r.toString()).isEqualTo(StopReason.HLT);
      assertThat(m.physical().isMapped(target)).isTrue();
      assertThat(m.engine().isHostBacked(target & -m.physical().chunkSize(), m.physical().chunkSize())).isTrue();
      assertThat(m.memory().u64(target)).isEqualTo(0x1122_3344_5566_7788L);
      assertThat(m.engine().hostBackedBytes()).isEqualTo(m.physical().mappedBytes());
    }
  }

  @Test
  void writeFromAMappedChunkIntoAnUnmappedOneReadsBackAcrossTheEdge() {
    try (Machine m = TestMachines.standard()) {
      PhysicalMemory p = m.physical();
      long chunk = p.chunkSize();
      m.memory().putU8(BASE, 1); // the first chunk is mapped on its own
      byte[] data = random((int) chunk, 3);
      long at = BASE + chunk / 2;
      p.write(at, data, 0, data.length);
      byte[] back = new byte[data.length];
      p.read(at, back, 0, back.length);
      assertThat(back).isEqualTo(data);
      assertThat(m.memory().u64(at + chunk / 2 - 4)).isEqualTo(le64(data, (int) (chunk / 2 - 4)));
      assertThat(m.memory().u8(BASE)).isEqualTo(1);
      assertThat(m.engine().hostBackedBytes()).isEqualTo(p.mappedBytes());
    }
  }

  @Test
  void protectingPagesKeepsContentsAndAFaultHandlerCanLiftItForTheGuestStore() {
    try (Machine m = TestMachines.standard()) {
      PhysicalMemory p = m.physical();
      byte[] data = random((int) (3 * p.chunkSize()), 4);
      p.write(BASE, data, 0, data.length);
      p.protect(BASE + 0x1000, 0x2000, EnumSet.of(Perm.READ, Perm.EXEC));
      p.protect(BASE + p.chunkSize() + 0x5000, 0x1000, EnumSet.of(Perm.READ, Perm.EXEC));
      byte[] back = new byte[data.length];
      p.read(BASE, back, 0, back.length);
      assertThat(back).isEqualTo(data);

      List<Long> faults = new ArrayList<>();
      p.onProtectionFault((access, address, size, value) -> {
        if (access != MemAccess.WRITE_PROT) return false;
        faults.add(address);
        m.engine().protect(address & -0x1000L, 0x1000, Perm.ALL);
        return true;
      });
      long target = BASE + 0x2008;
      m.engine().reg(X86Reg.RAX, target);
      m.engine().reg(X86Reg.RBX, 0x55AA);
      StopReport r = m.run(load(m, "488918f4"), RunLimits.none()); // mov [rax], rbx; hlt
      assertThat(r.reason()).as(r.toString()).isEqualTo(StopReason.HLT);
      assertThat(faults).containsExactly(target);
      assertThat(m.memory().u64(target)).isEqualTo(0x55AA);
      p.read(BASE, back, 0, back.length);
      System.arraycopy(new byte[] {(byte) 0xAA, 0x55, 0, 0, 0, 0, 0, 0}, 0, data, 0x2008, 8);
      assertThat(back).isEqualTo(data);
      assertThat(m.engine().hostBackedBytes()).isEqualTo(p.mappedBytes());
    }
  }

  @Test
  void snapshotRestoreUnmapsLaterChunksFreesTheirHostMemoryAndTheyComeBackZeroed() {
    try (Machine m = TestMachines.standard()) {
      PhysicalMemory p = m.physical();
      long chunk = p.chunkSize();
      m.memory().putU64(BASE, 11);
      Snapshot s = m.snapshot();
      long mapped = p.mappedBytes();
      m.memory().putU64(BASE, 22);
      m.memory().putU64(BASE + chunk + 8, 33); // joins the run of BASE's chunk
      m.memory().putU64(0x50_0000_0000L, 44);
      assertThat(m.engine().hostBackedBytes()).isEqualTo(mapped + 2 * chunk);
      m.restore(s);
      assertThat(p.mappedBytes()).isEqualTo(mapped);
      assertThat(m.engine().hostBackedBytes()).isEqualTo(mapped);
      assertThat(m.memory().u64(BASE)).isEqualTo(11);
      assertThat(m.memory().u64(BASE + chunk + 8)).isZero();
      m.memory().putU8(BASE + chunk, 1);
      assertThat(m.memory().u64(BASE + chunk + 8)).as("a re-mapped chunk starts zeroed").isZero();
      assertThat(m.memory().u64(0x50_0000_0000L)).isZero();
      assertThat(m.engine().hostBackedBytes()).isEqualTo(p.mappedBytes());
    }
  }

  @Test
  void closingTheMachineFreesTheHostMemoryOfEveryChunk() {
    Machine m = TestMachines.standard();
    m.memory().write(BASE, new byte[(int) (5 * m.physical().chunkSize())]);
    m.memory().putU64(0x160_0000_0000L, 1);
    assertThat(m.engine().hostBackedBytes()).isEqualTo(m.physical().mappedBytes()).isPositive();
    m.close();
    assertThat(m.engine().hostBackedBytes()).isZero();
  }

  private static long le64(byte[] b, int at) {
    long v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | (b[at + i] & 0xFF);
    return v;
  }

  private static byte[] random(int length, long seed) {
    byte[] b = new byte[length];
    new Random(seed).nextBytes(b);
    return b;
  }
}
