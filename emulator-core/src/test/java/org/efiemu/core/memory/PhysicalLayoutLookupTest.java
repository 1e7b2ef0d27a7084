package org.efiemu.core.memory;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.efiemu.core.memory.PhysicalLayout.Kind;
import org.efiemu.core.memory.PhysicalLayout.Region;
import org.junit.jupiter.api.Test;

/**
 * {@link PhysicalLayout}'s lookups (a binary search over the regions' bases) give the answers of the plain definition:
 * the region holding an address is the one whose {@code [base, end)} contains it; a range is RAM when every byte is in
 * a RAM region, a device when every byte is in one device region.
 */
class PhysicalLayoutLookupTest {

  @Test
  void regionAtIsRamAndIsDeviceAnswerAsTheRegionListSaysOnRandomLayouts() {
    Random rnd = new Random(15);
    for (int round = 0; round < 300; round++) {
      PhysicalLayout.Builder b = PhysicalLayout.builder();
      List<Region> declared = new ArrayList<>();
      long at = rnd.nextInt(3) == 0 ? 0 : PhysicalLayout.PAGE * rnd.nextInt(64);
      int n = 1 + rnd.nextInt(40);
      for (int i = 0; i < n; i++) {
        long size = PhysicalLayout.PAGE * (1 + rnd.nextInt(rnd.nextBoolean() ? 4 : 5000));
        boolean device = rnd.nextInt(4) == 0;
        if (device) b.device("dev" + i, at, size);
        else b.ram(at, size);
        declared.add(new Region(device ? Kind.DEVICE : Kind.RAM, device ? "dev" + i : "ram", at, size));
        at += size + (rnd.nextBoolean() ? 0 : PhysicalLayout.PAGE * rnd.nextInt(300));
      }
      PhysicalLayout layout = b.build();
      assertThat(layout.regions()).containsExactlyElementsOf(declared);
      List<Long> probes = new ArrayList<>(List.of(-1L, Long.MIN_VALUE, Long.MAX_VALUE, 0L, at, at + 1));
      for (Region r : declared) {
        for (long d = -2; d <= 2; d++) {
          probes.add(r.base() + d);
          probes.add(r.end() + d);
        }
      }
      for (int i = 0; i < 200; i++) probes.add((long) (rnd.nextDouble() * (at + 0x10000)));
      for (long p : probes) {
        assertThat(layout.regionAt(p)).as("regionAt 0x%X", p).isEqualTo(holding(declared, p));
        for (long len : new long[] {0, 1, 7, PhysicalLayout.PAGE, 3 * PhysicalLayout.PAGE + 5, 1L << 20, -1,
            Long.MAX_VALUE}) {
          assertThat(layout.isRam(p, len)).as("isRam 0x%X +0x%X", p, len).isEqualTo(covered(declared, p, len, Kind.RAM));
          assertThat(layout.isDevice(p, len)).as("isDevice 0x%X +0x%X", p, len)
              .isEqualTo(covered(declared, p, len, Kind.DEVICE));
        }
      }
    }
  }

  private static Optional<Region> holding(List<Region> rs, long address) {
    return rs.stream().filter(r -> address >= 0 && address >= r.base() && address < r.end()).findFirst();
  }

  /** The definition, byte range by region: every byte covered by a region of the kind (a device: one region). */
  private static boolean covered(List<Region> rs, long address, long length, Kind kind) {
    if (length <= 0 || address < 0 || address + length < address) return length == 0;
    long a = address;
    long end = address + length;
    while (a < end) {
      Optional<Region> r = holding(rs, a);
      if (r.isEmpty() || r.get().kind() != kind) return false;
      if (kind == Kind.DEVICE && r.get().end() < end) return false;
      a = r.get().end();
    }
    return true;
  }
}
