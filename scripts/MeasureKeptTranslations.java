import org.efiemu.core.clock.InstructionCounting;
import org.efiemu.core.engine.ReusableEngine;
import org.efiemu.earlyalloc.*;
import org.efiemu.earlyalloc.hunt.Hunt;
import org.efiemu.platform.PlatformProfile;
import org.efiemu.platform.random.MachineGenerator;
import org.efiemu.uefi.*;
import org.efiemu.uefi.sanitizer.MemorySanitizer;
import org.efiemu.uefi.sanitizer.WriteHookChoice;

/**
 * Translations per hunt scenario with and without kept translations (docs/performance.md, "Kept translations on a
 * reused engine"): N hunt-generated machines (4-200 descriptors) of a seed, all on one {@link ReusableEngine} built as
 * the scenario runner builds them (sanitizer attached, counting by block with the call), once keeping translated code
 * and once not; prints the blocks Unicorn translated per scenario (the RDTSC discovery's count, deterministic) and what
 * keeping did ({@link ReusableEngine#keptTranslations()}).
 *
 * <p>Run: {@code java -cp early-alloc/target/efiemu-cli.jar scripts/MeasureKeptTranslations.java efi-pool 3 300}; the
 * sanitizer's write hook is added before the first run with {@code -Defiemu.sanitizer.writeHookFromStart=true}, or,
 * with a fourth argument {@code choice}, when the scenario runner's {@link WriteHookChoice} would add it (on the
 * keeping engine only, as the runner does on reused engines).
 */
public class MeasureKeptTranslations {
  public static void main(String[] a) {
    Strategy s = StrategyCatalog.builtIn(a[0]);
    long seed = Long.parseLong(a[1]);
    int n = Integer.parseInt(a[2]);
    boolean choose = a.length > 3 && a[3].equals("choice");
    MachineGenerator.Settings settings = MachineGenerator.Settings.defaults().withDescriptors(4, 200);
    for (boolean keep : new boolean[] {false, true}) {
      long machines = 0, translated = 0;
      WriteHookChoice choice = new WriteHookChoice();
      try (ReusableEngine engine = new ReusableEngine(true, keep)) {
        for (int i = 0; i < n; i++) {
          PlatformProfile p = MachineGenerator.generate(Hunt.machineSeed(seed, i), settings).profile();
          UefiMachine m;
          try {
            m = UefiMachine.builder(Platforms.describe(p).description()).payload(s.payloadBytes(), s.payloadName())
                .instructionCounting(InstructionCounting.BLOCKS).inlineBlockCounting(false).engine(engine).build();
          } catch (IllegalArgumentException e) {
            continue;
          }
          MemorySanitizer sanitizer = MemorySanitizer.attach(m, f -> { }, choose ? keep && choice.startWithWriteHook(s)
              : Boolean.getBoolean("efiemu.sanitizer.writeHookFromStart"));
          try {
            m.machine().stopWhenPositionsInexact(true);
            m.run();
            choice.ran(s, sanitizer.watchedAWrite());
            translated += m.machine().rdtscDiscoveryStatistics()[0];
            machines++;
          } finally {
            m.close();
            sanitizer.close();
          }
        }
        System.out.printf("%s seed %d, %d machines, keep translations %s: %.1f translations per scenario; %s%n",
            a[0], seed, machines, keep, (double) translated / machines, engine.keptTranslations());
      }
    }
  }
}
