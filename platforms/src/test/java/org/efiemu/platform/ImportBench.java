package org.efiemu.platform;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.efiemu.platform.importer.DumpImporter;
import org.efiemu.platform.importer.ImportOptions;
import org.efiemu.uefi.spec.MemoryDescriptor;

/**
 * Measures importing a Linux {@code efi: memNN:} dump and parsing/writing a profile. Not a test: run with
 * {@code java -cp target/classes:target/test-classes:<deps> org.efiemu.platform.ImportBench [descriptors...]}.
 */
public final class ImportBench {

    private ImportBench() {}

    /** A dmesg-style old-form dump of {@code map} (sorted, as Linux prints the firmware's order). */
    static String linuxDump(List<MemoryDescriptor> map) {
        StringBuilder sb = new StringBuilder();
        sb.append("[    0.000000] efi: EFI v2.70 by EDK II\n");
        for (int i = 0; i < map.size(); i++) {
            MemoryDescriptor d = map.get(i);
            sb.append(String.format(Locale.ROOT, "[    0.000000] efi: mem%02d: type=%d, attr=0x%x, range=[0x%016x-0x%016x) (%dMB)%n",
                    i, d.type(), d.attribute(), d.physicalStart(), d.end(), d.bytes() >> 20));
        }
        return sb.toString();
    }

    public static void main(String[] args) {
        int[] sizes = args.length == 0 ? new int[] {1000, 10000} : Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
        for (int n : sizes) {
            PlatformProfile p = RandomProfiles.generate(42, new RandomProfiles.Options(n, false, true, true));
            String dump = linuxDump(p.memoryMap());
            String text = ProfileWriter.write(p);
            ImportOptions o = ImportOptions.defaults().withName("bench");
            long[] imp = time(() -> DumpImporter.importText(dump, "bench.txt", o));
            long[] parse = time(() -> ProfileParser.parse(text, "bench.profile"));
            long[] write = time(() -> ProfileWriter.write(p));
            System.out.printf(Locale.ROOT, "%6d descriptors: import %.2f ms (min %.2f), parse %.2f ms (min %.2f),"
                    + " write %.2f ms (min %.2f)  [median of 200 after 200 warm-up]%n", n, imp[0] / 1e6, imp[1] / 1e6,
                    parse[0] / 1e6, parse[1] / 1e6, write[0] / 1e6, write[1] / 1e6);
        }
    }

    private static long[] time(Runnable r) {
        for (int i = 0; i < 200; i++) {
            r.run();
        }
        long[] t = new long[200];
        for (int i = 0; i < t.length; i++) {
            long s = System.nanoTime();
            r.run();
            t[i] = System.nanoTime() - s;
        }
        Arrays.sort(t);
        return new long[] {t[t.length / 2], t[0]};
    }
}
