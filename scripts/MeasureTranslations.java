import java.util.*;
import org.efiemu.core.engine.ReusableEngine;
import org.efiemu.earlyalloc.*;
import org.efiemu.earlyalloc.hunt.Hunt;
import org.efiemu.platform.PlatformProfile;
import org.efiemu.platform.random.MachineGenerator;
import org.efiemu.uefi.*;
import org.efiemu.uefi.sanitizer.MemorySanitizer;

/**
 * Translations per hunt scenario, a deterministic number (docs/performance.md, "Translated code kept between hunt
 * machines"): for N hunt-generated machines (4-200 descriptors) of a seed, all on one {@link ReusableEngine} as
 * {@code bench hunt --engines reused} runs them (sanitizer attached, counting by block), prints per scenario the
 * blocks Unicorn translated (the RDTSC discovery's count and the inline counter's slots), the blocks counted, the
 * RDTSC and privileged-instruction sites hooked (per-address code hooks a kept translation would have to carry), and,
 * in a second pass over the same machines with a recording block hook, the distinct blocks executed, how many of
 * them lie in the payload image, and how many of those the previous machine executed with the same address, size and
 * bytes: the translations kept code could save at most.
 *
 * <p>Run: {@code java -cp early-alloc/target/efiemu-cli.jar scripts/MeasureTranslations.java efi-pool 3 300}
 */
public class MeasureTranslations {
  public static void main(String[] a) throws Exception {
    String strategy = a[0];
    long seed = Long.parseLong(a[1]);
    int n = Integer.parseInt(a[2]);
    Strategy s = StrategyCatalog.builtIn(strategy);
    MachineGenerator.Settings settings = MachineGenerator.Settings.defaults().withDescriptors(4, 200);
    long machines = 0, translated = 0, stops = 0, slots = 0, blocks = 0, rdtscSites = 0, privSites = 0, notBuilt = 0;
    long[] perMachine = new long[n];
    try (ReusableEngine engine = new ReusableEngine()) {
      for (int i = 0; i < n; i++) {
        PlatformProfile p = MachineGenerator.generate(Hunt.machineSeed(seed, i), settings).profile();
        UefiMachine m;
        try {
          m = UefiMachine.builder(Platforms.describe(p).description()).payload(s.payloadBytes(), s.payloadName())
              .engine(engine).build();
        } catch (IllegalArgumentException e) {
          notBuilt++;
          perMachine[i] = -1;
          continue;
        }
        MemorySanitizer sanitizer = MemorySanitizer.attach(m);
        try {
          m.machine().stopWhenPositionsInexact(true);
          m.run();
          var machine = m.machine();
          long t = machine.rdtscDiscoveryStatistics()[0];
          perMachine[i] = t;
          stops += machine.rdtscDiscoveryStatistics()[1];
          translated += t;
          var counter = machine.clock().blockCounter();
          if (counter != null) slots += counter.inlineTranslations();
          blocks += machine.clock().countedBlocks();
          rdtscSites += machine.rdtscSites();
          privSites += machine.privilegedInstructionStatistics()[0];
          machines++;
        } finally {
          m.close();
          sanitizer.close();
        }
      }
    }
    System.out.printf("%s seed %d: %d machines on one reused engine (%d not built)%n", strategy, seed, machines, notBuilt);
    System.out.printf("per scenario: %.1f blocks translated (discovery), %.1f inline slots, %.0f blocks counted,"
        + " %.2f RDTSC sites, %.2f privileged-instruction sites hooked, %.2f discovery stops%n", (double) translated / machines,
        (double) slots / machines, (double) blocks / machines, (double) rdtscSites / machines,
        (double) privSites / machines, (double) stops / machines);
    long[] sorted = Arrays.stream(perMachine).filter(x -> x >= 0).sorted().toArray();
    System.out.printf("translations per scenario: min %d, median %d, max %d; total %d (a second run gives the same)%n",
        sorted[0], sorted[sorted.length / 2], sorted[sorted.length - 1], translated);

    // second pass: which executed blocks repeat from the previous machine, in the payload image
    Set<String> prev = new HashSet<>();
    long distinct = 0, inImage = 0, inImageSameAsPrev = 0, counted = 0;
    try (ReusableEngine engine = new ReusableEngine()) {
      for (int i = 0; i < n; i++) {
        PlatformProfile p = MachineGenerator.generate(Hunt.machineSeed(seed, i), settings).profile();
        Set<String> cur = new HashSet<>();
        UefiMachine m;
        try {
          m = UefiMachine.builder(Platforms.describe(p).description()).payload(s.payloadBytes(), s.payloadName())
              .engine(engine).build();
        } catch (IllegalArgumentException e) {
          continue;
        }
        try {
          long base = m.image().base();
          long end = base + m.image().pages() * 4096;
          m.machine().engine().addBlockHook(1, 0, (addr, size) -> {
            if (Long.compareUnsigned(addr, base) >= 0 && Long.compareUnsigned(addr, end) < 0) {
              byte[] b = m.machine().engine().read(addr, size);
              cur.add(Long.toHexString(addr) + ":" + size + ":" + Arrays.hashCode(b));
            } else {
              cur.add("out:" + Long.toHexString(addr) + ":" + size);
            }
          });
          m.run();
          counted++;
          for (String k : cur) {
            distinct++;
            if (!k.startsWith("out:")) {
              inImage++;
              if (prev.contains(k)) inImageSameAsPrev++;
            }
          }
          prev = cur;
        } finally {
          m.close();
        }
      }
    }
    System.out.printf("per scenario: %.1f distinct blocks executed, %.1f in the payload image, %.1f of them the same"
        + " (address, size, bytes) as on the previous machine (at most this many translations saved)%n",
        (double) distinct / counted, (double) inImage / counted, (double) inImageSameAsPrev / counted);
  }
}
