import java.util.*;
import org.efiemu.earlyalloc.*;
import org.efiemu.earlyalloc.hunt.Hunt;
import org.efiemu.platform.PlatformProfile;
import org.efiemu.platform.random.MachineGenerator;
import org.efiemu.uefi.*;

/**
 * How much translated code would repeat from one hunt machine to the next (docs/performance.md, "Kept RAM"): for N
 * hunt-generated machines (4-200 descriptors) of a seed, runs a built-in strategy on a new engine per machine and
 * records every distinct block executed as (address, size, hash of its bytes); prints where the payload was loaded
 * and how many of each machine's blocks the previous machine (or any earlier one) also ran.
 *
 * <p>Run: {@code java -cp early-alloc/target/efiemu-cli.jar scripts/MeasureBlockReuse.java efi-pool 3 200}
 */
public class MeasureBlockReuse {
  public static void main(String[] a) throws Exception {
    String strategy = a[0];
    long seed = Long.parseLong(a[1]);
    int n = Integer.parseInt(a[2]);
    Strategy s = StrategyCatalog.builtIn(strategy);
    MachineGenerator.Settings settings = MachineGenerator.Settings.defaults().withDescriptors(4, 200);
    Map<Long, Integer> bases = new TreeMap<>();
    Set<String> prev = new HashSet<>();
    Set<String> ever = new HashSet<>();
    long blocks = 0, inPrev = 0, inEver = 0, inImage = 0, machines = 0, notBuilt = 0;
    for (long i = 0; i < n; i++) {
      PlatformProfile p = MachineGenerator.generate(Hunt.machineSeed(seed, i), settings).profile();
      Set<String> cur = new HashSet<>();
      try (UefiMachine m = UefiMachine.builder(Platforms.describe(p).description()).payload(s.payloadBytes(), s.payloadName()).build()) {
        long base = m.image().base();
        long end = base + m.image().pages() * 4096;
        bases.merge(base, 1, Integer::sum);
        m.machine().engine().addBlockHook(1, 0, (addr, size) -> {
          byte[] b = m.machine().engine().read(addr, size);
          cur.add(Long.toHexString(addr) + ":" + size + ":" + Arrays.hashCode(b));
        });
        m.run();
        machines++;
        for (String k : cur) {
          blocks++;
          if (prev.contains(k)) inPrev++;
          if (ever.contains(k)) inEver++;
          long addr = Long.parseUnsignedLong(k.substring(0, k.indexOf(':')), 16);
          if (addr >= base && addr < end) inImage++;
        }
      } catch (IllegalArgumentException e) {
        notBuilt++;
        continue;
      }
      ever.addAll(cur);
      prev = cur;
    }
    System.out.printf("%s seed %d: %d machines (%d not built), image bases %s%n", strategy, seed, machines, notBuilt, bases.size() <= 6 ? bases.toString() : bases.size() + " distinct, top " + bases.entrySet().stream().sorted((x, y) -> y.getValue() - x.getValue()).limit(3).toList());
    System.out.printf("distinct blocks per machine %.1f; in the image %.1f%%; same (address, size, bytes) as in the previous machine %.1f%%, as in any earlier machine %.1f%%; distinct blocks over all machines %d%n",
        (double) blocks / machines, 100.0 * inImage / blocks, 100.0 * inPrev / blocks, 100.0 * inEver / blocks, ever.size());
  }
}
