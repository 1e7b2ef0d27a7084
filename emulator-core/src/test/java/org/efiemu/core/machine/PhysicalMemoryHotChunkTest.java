package org.efiemu.core.machine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Random;
import org.efiemu.core.memory.GuestMemoryException;
import org.efiemu.core.memory.PhysicalMemory;
import org.junit.jupiter.api.Test;

/**
 * {@link PhysicalMemory}'s host reads and writes inside the chunk the last access found skip the RAM check and the
 * chunk lookup: the bytes, the mapped chunks and the host bytes moved are those of a byte model, through unmaps of
 * that very chunk and accesses across chunk and RAM edges.
 */
class PhysicalMemoryHotChunkTest {
  private static final long BASE = 0x4000_0000L;

  @Test
  void randomReadsWritesAndUnmapsAgreeWithAByteModel() {
    try (Machine m = TestMachines.standard()) {
      PhysicalMemory p = m.physical();
      int window = (int) (8 * p.chunkSize());
      byte[] model = new byte[window];
      Random rnd = new Random(5);
      long moved = p.hostBytesMoved();
      for (int op = 0; op < 3000; op++) {
        int kind = rnd.nextInt(10);
        int len = rnd.nextInt(4) == 0 ? 1 + rnd.nextInt((int) (2 * p.chunkSize())) : 1 + rnd.nextInt(64);
        int off = rnd.nextInt(window - len + 1);
        if (kind < 4) {
          byte[] data = new byte[len];
          if (rnd.nextInt(3) > 0) rnd.nextBytes(data);
          p.write(BASE + off, data, 0, len);
          System.arraycopy(data, 0, model, off, len);
          moved += len;
        } else if (kind < 9) {
          byte[] back = new byte[len + 2];
          p.read(BASE + off, back, 1, len);
          moved += len;
          for (int i = 0; i < len; i++) {
            assertThat(back[i + 1]).as("op %d byte at +0x%X", op, off + i).isEqualTo(model[off + i]);
          }
        } else {
          List<long[]> mapped = p.mappedChunks().stream()
              .filter(c -> c[0] >= BASE && c[0] + c[1] <= BASE + window).toList();
          if (mapped.isEmpty()) continue;
          long[] c = mapped.get(rnd.nextInt(mapped.size()));
          p.unmapChunk(c[0]);
          java.util.Arrays.fill(model, (int) (c[0] - BASE), (int) (c[0] + c[1] - BASE), (byte) 0);
        }
        assertThat(p.hostBytesMoved()).isEqualTo(moved);
      }
    }
  }

  @Test
  void aReadInsideAChunkThatWasJustUnmappedReadsZerosAndAWriteMapsItAgain() {
    try (Machine m = TestMachines.standard()) {
      PhysicalMemory p = m.physical();
      byte[] one = {0x5A};
      p.write(BASE + 0x10, one, 0, 1);
      byte[] back = new byte[1];
      p.read(BASE + 0x10, back, 0, 1);
      assertThat(back[0]).isEqualTo((byte) 0x5A);
      p.unmapChunk(BASE);
      p.read(BASE + 0x10, back, 0, 1);
      assertThat(back[0]).isZero();
      assertThat(p.isMapped(BASE)).isFalse();
      p.write(BASE + 0x20, one, 0, 1);
      assertThat(p.isMapped(BASE)).isTrue();
      p.read(BASE + 0x20, back, 0, 1);
      assertThat(back[0]).isEqualTo((byte) 0x5A);
    }
  }

  @Test
  void anAccessRunningFromTheLastChunkOfRamPastItsEndIsRefused() {
    try (Machine m = TestMachines.standard()) {
      PhysicalMemory p = m.physical();
      long lastChunk = 0xA0000 - p.chunkSize();
      byte[] b = new byte[16];
      p.write(lastChunk, b, 0, b.length); // maps the chunk below the 640 KiB hole and makes it the one found last
      p.read(lastChunk + 8, b, 0, 8);
      assertThatThrownBy(() -> p.write(0xA0000 - 8, b, 0, 16)).isInstanceOf(GuestMemoryException.class);
      assertThatThrownBy(() -> p.read(0xA0000 - 8, b, 0, 16)).isInstanceOf(GuestMemoryException.class);
    }
  }
}
