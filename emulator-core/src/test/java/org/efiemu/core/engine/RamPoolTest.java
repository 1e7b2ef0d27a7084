package org.efiemu.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Kept host memory reads as zeros again when it is reused, whatever was done to its pages: written, only read (the
 * kernel's shared zero page), never touched; a written page is cleared, a page not in memory is given back to the
 * kernel, a page only read is left alone.
 */
class RamPoolTest {
  private static final long GUEST = 0x1000_0000L;
  private static final int SIZE = 16 * 4096;

  /** Host memory of 16 pages: page 1 and 9 written (9 only its last byte), page 4 only read, the rest untouched. */
  private static long[] dirtyMemory(HostMemory host) {
    long[] memory = new long[1];
    assertThat(host.map(GUEST, SIZE, m -> {
      memory[0] = m;
      return 0;
    })).isZero();
    host.write(GUEST + 4096 + 12, new byte[] {1, 2, 3}, 0, 3);
    host.write(GUEST + 10 * 4096 - 1, new byte[] {(byte) 0xFF}, 0, 1);
    host.read(GUEST + 4 * 4096, new byte[64], 0, 64);
    return memory;
  }

  @Test
  void cleaningClearsWrittenPagesGivesBackAbsentOnesAndLeavesReadOnlyPagesAlone() {
    HostMemory host = new HostMemory();
    long memory = dirtyMemory(host)[0];
    RamPool.Stats stats = new RamPool.Stats();
    new RamPool(stats).clean(memory, SIZE);
    byte[] all = new byte[SIZE];
    host.read(GUEST, all, 0, SIZE);
    assertThat(all).containsOnly(0);
    assertThat(stats.pagesCleared).isEqualTo(2);
    assertThat(stats.pagesDiscarded).isEqualTo(13);
    host.releaseAll();
  }

  @Test
  void spareMemoryIsReusedForARegionOfTheSameSizeAndReadsAsZeros() {
    RamPool.Stats stats = new RamPool.Stats();
    RamPool pool = new RamPool(stats);
    HostMemory host = new HostMemory();
    host.pool = pool;
    long first = dirtyMemory(host)[0];
    host.release(GUEST, SIZE); // to the pool, not the kernel
    long[] second = new long[1];
    assertThat(host.map(GUEST + SIZE, SIZE, m -> {
      second[0] = m;
      return 0;
    })).isZero();
    assertThat(second[0]).isEqualTo(first);
    byte[] all = new byte[SIZE];
    host.read(GUEST + SIZE, all, 0, SIZE);
    assertThat(all).containsOnly(0);
    assertThat(stats.spareTaken).isEqualTo(1);
    assertThat(stats.fresh).isEqualTo(1);
    host.releaseAll();
    pool.releaseAll();
  }

  @Test
  void spareMemoryNotReusedForSomeGiveBacksIsReturnedToTheKernel() {
    RamPool pool = new RamPool(new RamPool.Stats());
    HostMemory host = new HostMemory();
    host.pool = pool;
    dirtyMemory(host);
    host.release(GUEST, SIZE);
    assertThat(pool.heldBytes()).isEqualTo(SIZE);
    for (int i = 0; i <= RamPool.SPARE_ROUNDS; i++) pool.nextRound();
    assertThat(pool.heldBytes()).isZero();
  }
}
