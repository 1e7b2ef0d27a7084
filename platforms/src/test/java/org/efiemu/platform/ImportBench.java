package org.efiemu.platform;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import org.efiemu.platform.importer.DumpImporter;
import org.efiemu.platform.importer.ImportOptions;
import org.efiemu.platform.importer.ImportResult;
import org.efiemu.uefi.spec.MemoryDescriptor;

/**
 * Measures importing a Linux {@code efi: memNN:} dump and parsing/writing a profile, then importing the same map as
 * every other dump form prints it (Shell memmap, GRUB lsefimmap/lsmmap, FreeBSD, Linux BIOS-e820, SeaBIOS, coreboot;
 * placement inference included). Not a test: run with
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

    private static final String[] SHELL = {"Reserved", "LoaderCode", "LoaderData", "BS_Code", "BS_Data", "RT_Code",
            "RT_Data", "Available", "Unusable", "ACPI_Recl", "ACPI_NVS", "MMIO", "MMIO_Port", "PalCode", "Persistent"};
    private static final String[] GRUB = {"reserved", "ldr-code", "ldr-data", "BS-code ", "BS-data ", "RT-code ",
            "RT-data ", "conv-mem", "unusable", "ACPI-rec", "ACPI-nvs", "MMIO    ", "IO-ports", "PAL-code", "persist "};
    private static final String[] BSD = {"Reserved", "LoaderCode", "LoaderData", "BootServicesCode", "BootServicesData",
            "RuntimeServicesCode", "RuntimeServicesData", "ConventionalMemory", "UnusableMemory", "ACPIReclaimMemory",
            "ACPIMemoryNVS", "MemoryMappedIO", "MemoryMappedIOPortSpace", "PalCode", "PersistentMemory"};

    /** E820 type of a UEFI type, as the Linux EFI stub folds them: 1 usable, 2 reserved, 3 ACPI, 4 NVS, 5 unusable. */
    private static int e820(MemoryDescriptor d) {
        return switch (d.type()) {
            case 1, 2, 3, 4, 7 -> 1;
            case 9 -> 3;
            case 10 -> 4;
            case 8 -> 5;
            default -> 2;
        };
    }

    private static final String[] LINUX_E820 = {"", "usable", "reserved", "ACPI data", "ACPI NVS", "unusable"};
    private static final String[] SEABIOS = {"", "RAM", "RESERVED", "ACPI", "NVS", "UNUSABLE"};
    private static final String[] COREBOOT = {"", "RAM", "RESERVED", "ACPI", "NVS", "UNUSABLE"};
    private static final String[] LSMMAP = {"", "available RAM", "reserved RAM", "ACPI reclaimable RAM",
            "ACPI non-volatile storage RAM", "faulty RAM (BadRAM)"};

    /** The map as each dump form prints it, one line per descriptor plus the form's header. */
    static Map<String, String> dumps(List<MemoryDescriptor> map) {
        Map<String, String> out = new LinkedHashMap<>();
        out.put("linux-efi", linuxDump(map));
        StringBuilder shell = new StringBuilder("Type       Start            End              # Pages          Attributes\n");
        StringBuilder grub = new StringBuilder("Type      Physical start  - end             #Pages     Size Attributes\n");
        StringBuilder bsd = new StringBuilder(String.format(Locale.ROOT, "%23s %12s %12s %8s %4s%n", "Type", "Physical",
                "Virtual", "#Pages", "Attr"));
        StringBuilder linuxE820 = new StringBuilder();
        StringBuilder seabios = new StringBuilder("e820 map has " + map.size() + " items:\n");
        StringBuilder coreboot = new StringBuilder();
        StringBuilder lsmmap = new StringBuilder();
        for (int i = 0; i < map.size(); i++) {
            MemoryDescriptor d = map.get(i);
            int t = d.type();
            shell.append(String.format(Locale.ROOT, "%-10s %016X-%016X %016X %016X%n", t < 15 ? SHELL[t]
                    : String.format("%08X", t), d.physicalStart(), d.last(), d.numberOfPages(), d.attribute()));
            grub.append(String.format(Locale.ROOT, "%s  %016x-%016x %08x %4dKB%s%n", t < 15 ? GRUB[t]
                    : "Unk 0f  ", d.physicalStart(), d.last(), d.numberOfPages(), d.numberOfPages() * 4,
                    (d.attribute() & 0x8000000000000000L) != 0 ? " RT WB" : " WB"));
            bsd.append(String.format(Locale.ROOT, "%23s %012x %012x %08x WB %s%n", t < 15 ? BSD[t] : "PersistentMemory",
                    d.physicalStart(), 0L, d.numberOfPages(), (d.attribute() & 0x8000000000000000L) != 0 ? "RUNTIME" : ""));
            int e = e820(d);
            linuxE820.append(String.format(Locale.ROOT, "[    0.000000] BIOS-e820: [mem 0x%016x-0x%016x] %s%n",
                    d.physicalStart(), d.last(), LINUX_E820[e]));
            seabios.append(String.format(Locale.ROOT, "  %d: %016x - %016x = %d %s%n", i, d.physicalStart(), d.end(), e,
                    SEABIOS[e]));
            coreboot.append(String.format(Locale.ROOT, "%2d. %016x-%016x: %s%n", i, d.physicalStart(), d.last(),
                    COREBOOT[e]));
            lsmmap.append(String.format(Locale.ROOT, "base_addr = 0x%x, length = 0x%x, %s%n", d.physicalStart(),
                    d.bytes(), LSMMAP[e]));
        }
        out.put("shell-memmap", shell.toString());
        out.put("grub-lsefimmap", grub.toString());
        out.put("freebsd-efi-map", bsd.toString());
        out.put("linux-bios-e820", linuxE820.toString());
        out.put("seabios-e820", seabios.toString());
        out.put("coreboot", coreboot.toString());
        out.put("grub-lsmmap", lsmmap.toString());
        return out;
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
            for (Map.Entry<String, String> e : dumps(p.memoryMap()).entrySet()) {
                String d = e.getValue();
                int lines = d.split("\n", -1).length - 1;
                ImportResult r = DumpImporter.importText(d, e.getKey() + ".txt", o);
                long[] t = time(() -> DumpImporter.importText(d, e.getKey() + ".txt", o));
                System.out.printf(Locale.ROOT, "  %-16s %6d lines -> %6d descriptors (%s): import %.2f ms (min %.2f)%n",
                        e.getKey(), lines, r.profile().memoryMap().size(), r.format(), t[0] / 1e6, t[1] / 1e6);
            }
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
