package org.efiemu.core.machine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The page-table check at give-back ({@code Machine.sameTables}) compares eight bytes at a time and answers as the
 * byte-by-byte definition: equal but for bits 5 and 6 (Accessed, Dirty) of each 8-byte entry's first byte.
 */
class PageTableComparisonTest {

  @Test
  void tablesEqualButForAccessedAndDirtyBitsAreTheSameAndAnyOtherBitDiffers() {
    Random rnd = new Random(17);
    for (int round = 0; round < 3000; round++) {
      int length = rnd.nextInt(4) == 0 ? rnd.nextInt(40) : 8 * (1 + rnd.nextInt(1024));
      byte[] written = new byte[length];
      rnd.nextBytes(written);
      byte[] now = written.clone();
      int flips = rnd.nextInt(4);
      for (int f = 0; f < flips && length > 0; f++) {
        int at = rnd.nextInt(length);
        now[at] ^= rnd.nextBoolean() ? (byte) (1 << rnd.nextInt(8)) : (byte) 0x60;
      }
      byte[] other = rnd.nextInt(20) == 0 ? java.util.Arrays.copyOf(now, Math.max(0, length - 1 - rnd.nextInt(3))) : now;
      assertThat(Machine.sameTables(other, written)).as("round %d", round).isEqualTo(byteByByte(other, written));
    }
  }

  @Test
  void onlyTheAccessedAndDirtyBitsOfAnEntrysFirstByteAreIgnored() {
    byte[] written = new byte[4096];
    for (int i = 0; i < written.length; i++) {
      for (int bit = 0; bit < 8; bit++) {
        byte[] now = written.clone();
        now[i] ^= (byte) (1 << bit);
        boolean ignored = i % 8 == 0 && (bit == 5 || bit == 6);
        assertThat(Machine.sameTables(now, written)).as("byte %d bit %d", i, bit).isEqualTo(ignored);
      }
    }
  }

  private static boolean byteByByte(byte[] now, byte[] written) {
    if (now.length != written.length) return false;
    for (int i = 0; i < now.length; i++) {
      int mask = (i & 7) == 0 ? ~0x60 : ~0;
      if (((now[i] ^ written[i]) & mask) != 0) return false;
    }
    return true;
  }
}
