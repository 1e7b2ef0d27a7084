package org.efiemu.platform.importer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.efiemu.platform.MemoryMapCheck;
import org.efiemu.platform.PlatformProfile;
import org.efiemu.platform.ProfileFormatException;
import org.efiemu.platform.ProfileValues;
import org.efiemu.platform.inference.LoaderEvidence;
import org.efiemu.platform.inference.PlacementInference;
import org.efiemu.uefi.platform.PlatformDescription.Acpi;
import org.efiemu.uefi.platform.PlatformDescription.Firmware;
import org.efiemu.uefi.platform.PlatformDescription.Smbios;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.efiemu.uefi.spec.MemoryType;
import org.efiemu.uefi.spec.PlacementSpec;

/**
 * Turns a real memory-map dump (a boot log, a UEFI Shell capture) into a {@link PlatformProfile}, with a note for
 * every inference and change. Formats: see {@link DumpFormat}. Identity lines are used when present:
 * {@code efi: EFI v2.30 by Dell} (firmware vendor, system table revision), {@code DMI: ...} (SMBIOS strings),
 * {@code ACPI: RSDP ... (v02 DELL  )} (ACPI OEM ID) and the dump's own {@code # SOURCE:} comment lines.
 */
public final class DumpImporter {

    private static final Pattern EFI_VERSION = Pattern.compile("^efi: EFI v(\\d{1,4})\\.(\\d{1,4})(?:\\.(\\d{1,4}))? by (.+?)\\s*$");
    private static final Pattern DMI = Pattern.compile("^DMI: (.+?)(?:, BIOS (.+?) (\\d\\d/\\d\\d/\\d{4}))?\\s*$");
    private static final Pattern RSDP = Pattern.compile("^ACPI: RSDP 0x[0-9A-Fa-f]+ [0-9A-Fa-f]+ \\(v\\d+ ?(.{0,6}?)\\s*\\)");
    private static final Pattern SOURCE = Pattern.compile("^#\\s*SOURCE:\\s*(.+?)\\s*$");
    private static final List<String> KNOWN_VENDORS = List.of("Dell Inc.", "IBM", "LENOVO", "Lenovo", "HP", "HPE",
            "Supermicro", "QEMU", "Intel Corporation", "Cisco Systems Inc");
    private static final long MIB = 1L << 20;

    private DumpImporter() {}

    /** Imports a dump file; the file name labels errors and, without {@code --name}, names the profile. */
    public static ImportResult importFile(Path dump, ImportOptions options) throws IOException {
        String text = Files.readString(dump, StandardCharsets.UTF_8);
        String base = dump.getFileName().toString().replaceFirst("\\.(txt|log|dmesg)$", "");
        ImportOptions o = options.name() == null ? options.withName(sanitize(base)) : options;
        return importText(text, dump.toString(), o);
    }

    /**
     * Imports dump text.
     *
     * @param file label used in error messages and in the profile's {@code source:} lines
     */
    public static ImportResult importText(String text, String file, ImportOptions options) {
        String[] lines = DumpLines.split(text);
        if (options.format() == DumpFormat.CAPTURE
                || (options.format() == DumpFormat.AUTO && org.efiemu.platform.capture.CaptureImporter.isCapture(lines))) {
            return org.efiemu.platform.capture.CaptureImporter.importText(text, file,
                    options.name() != null ? options.name() : sanitize(Path.of(file).getFileName().toString()),
                    Path.of(file).getFileName().toString());
        }
        List<String> notes = new ArrayList<>();
        DumpFormat format = options.format();
        if (format == DumpFormat.AUTO) {
            format = DETECTION_ORDER.stream().filter(f -> present(f, lines)).findFirst()
                    .orElseThrow(() -> new ProfileFormatException(file, 0, "no memory map found; expected " + EXPECTED));
        } else if (!present(format, lines)) {
            throw new ProfileFormatException(file, 0, "the dump holds no " + what(format) + " (--format " + format + ")");
        }
        Identity id = identity(lines, file);
        List<String> kinds = new ArrayList<>();
        List<DumpEntry> entries = switch (format) {
            case LINUX_EFI -> LinuxEfiMemmap.read(lines, file, notes);
            case SHELL_MEMMAP -> ShellMemmap.read(lines, file, notes);
            case GRUB_LSEFIMMAP -> GrubLsefimmap.read(lines, file, notes);
            case FREEBSD_EFI_MAP -> FreeBsdEfiMap.read(lines, file, notes);
            case SEABIOS_E820 -> SeaBiosE820.read(lines, file, notes, kinds);
            case COREBOOT -> CorebootMemTable.read(lines, file, notes, kinds);
            case GRUB_LSMMAP -> GrubLsmmap.read(lines, file, notes, kinds);
            default -> E820Map.read(lines, file, notes, kinds);
        };
        if (entries.isEmpty()) {
            throw new ProfileFormatException(file, 0, "the dump holds no " + what(format) + " with any entry");
        }
        if (!format.e820Family() && DETECTION_ORDER.stream().anyMatch(f -> f.e820Family() && present(f, lines))) {
            notes.add("the dump's E820 map was not used: the raw UEFI descriptors say more");
        }
        if (format.e820Family()) {
            entries = E820Inference.apply(entries, kinds, id.vendor, id.efiLine, notes);
        }
        List<MemoryDescriptor> asPrinted = entries.stream().map(DumpEntry::descriptor).toList();
        if (options.reclaimLoader()) {
            entries = reclaimLoader(entries, notes);
        } else {
            loaderNote(asPrinted, format).ifPresent(notes::add);
        }
        entries = mergeAdjacent(entries, notes);
        List<MemoryDescriptor> map = entries.stream().map(DumpEntry::descriptor).toList();
        List<DumpEntry> finalEntries = entries;
        for (MemoryMapCheck.Problem p : MemoryMapCheck.check(map)) {
            throw new ProfileFormatException(file, finalEntries.get(p.index()).line(),
                    p.message(i -> "line " + finalEntries.get(i).line()));
        }
        PlacementInference.Result inferred = PlacementInference.infer(asPrinted, map, format.e820Family());
        return new ImportResult(build(options, file, format, id, map, notes, inferred), format, notes, inferred);
    }

    /** Raw UEFI descriptor forms first (they say more), then the E820 family. */
    private static final List<DumpFormat> DETECTION_ORDER = List.of(DumpFormat.LINUX_EFI, DumpFormat.SHELL_MEMMAP,
            DumpFormat.GRUB_LSEFIMMAP, DumpFormat.FREEBSD_EFI_MAP, DumpFormat.E820, DumpFormat.SEABIOS_E820,
            DumpFormat.COREBOOT, DumpFormat.GRUB_LSMMAP);

    static final String EXPECTED = "Linux 'efi: memNN:' lines, a UEFI Shell 'memmap' table, GRUB 'lsefimmap' or"
            + " 'lsmmap' output, a FreeBSD EFI map table, 'BIOS-e820:' lines, a Xen 'EFI RAM map:' section, a SeaBIOS"
            + " 'e820 map has N items:' dump, a coreboot memory table or a capture of 'efiemu profile capture'";

    private static boolean present(DumpFormat f, String[] lines) {
        return switch (f) {
            case LINUX_EFI -> LinuxEfiMemmap.present(lines);
            case SHELL_MEMMAP -> ShellMemmap.present(lines);
            case GRUB_LSEFIMMAP -> GrubLsefimmap.present(lines);
            case FREEBSD_EFI_MAP -> FreeBsdEfiMap.present(lines);
            case E820 -> E820Map.present(lines);
            case SEABIOS_E820 -> SeaBiosE820.present(lines);
            case COREBOOT -> CorebootMemTable.present(lines);
            case GRUB_LSMMAP -> GrubLsmmap.present(lines);
            case CAPTURE -> org.efiemu.platform.capture.CaptureImporter.isCapture(lines);
            case AUTO -> true;
        };
    }

    private static String what(DumpFormat f) {
        return switch (f) {
            case LINUX_EFI -> "'efi: memNN:' lines";
            case SHELL_MEMMAP -> "'memmap' table";
            case GRUB_LSEFIMMAP -> "GRUB 'lsefimmap' table";
            case FREEBSD_EFI_MAP -> "FreeBSD EFI map table";
            case E820 -> "E820 lines";
            case SEABIOS_E820 -> "SeaBIOS 'e820 map has N items:' dump";
            case COREBOOT -> "coreboot memory table";
            case GRUB_LSMMAP -> "GRUB 'lsmmap' lines";
            case CAPTURE -> "efiemu capture";
            case AUTO -> "memory map";
        };
    }

    /** Identity facts found in the dump. */
    private record Identity(String vendor, Integer uefiRevision, boolean efiLine, Smbios smbios, String acpiOemId,
            List<String> sources) {}

    private static Identity identity(String[] lines, String file) {
        String vendor = null;
        Integer revision = null;
        Smbios smbios = null;
        String oem = null;
        List<String> sources = new ArrayList<>();
        for (int no = 1; no <= lines.length; no++) {
            String raw = lines[no - 1];
            Matcher s = SOURCE.matcher(raw.strip());
            if (s.matches()) {
                sources.add(printable(file, no, raw, s.group(1), "source"));
                continue;
            }
            String body = DumpLines.body(raw);
            Matcher m;
            if (vendor == null && (m = EFI_VERSION.matcher(body)).matches()) {
                printable(file, no, raw, m.group(4), "firmware vendor");
                vendor = m.group(4);
                int minor = m.group(2).length() >= 2 ? Integer.parseInt(m.group(2))
                        : Integer.parseInt(m.group(2)) * 10 + (m.group(3) == null ? 0 : Integer.parseInt(m.group(3)));
                revision = (Integer.parseInt(m.group(1)) << 16) | minor;
            } else if (smbios == null && (m = DMI.matcher(body)).matches()) {
                printable(file, no, raw, m.group(), "DMI");
                smbios = smbios(m.group(1), m.group(2), m.group(3));
            } else if (oem == null && (m = RSDP.matcher(body)).find()) {
                oem = printable(file, no, raw, m.group(1), "ACPI OEM ID").strip();
            }
        }
        return new Identity(vendor, revision, vendor != null, smbios, oem, sources);
    }

    /** {@code text} as {@link ProfileValues#require} checks it, its column found in the dump's line {@code raw}. */
    private static String printable(String file, int no, String raw, String text, String what) {
        return ProfileValues.require(file, no, raw.indexOf(text), text, what);
    }

    /** {@code DMI: <sys_vendor> <product_name>/<board_name>, BIOS <version> <date>} (Linux dmi_present()). */
    private static Smbios smbios(String system, String biosVersion, String biosDate) {
        String product = system.contains("/") ? system.substring(0, system.lastIndexOf('/')) : system;
        String manufacturer = "";
        for (String v : KNOWN_VENDORS) {
            if (product.startsWith(v + " ")) {
                manufacturer = v;
                product = product.substring(v.length() + 1);
                break;
            }
        }
        String bv = biosVersion == null ? "" : biosVersion.strip();
        return new Smbios(manufacturer, bv, biosDate == null ? "" : biosDate, manufacturer,
                product.replaceAll("\\s+", " ").strip(), "", "");
    }

    /** EfiLoaderCode/EfiLoaderData back to EfiConventionalMemory, one note per descriptor. */
    static List<DumpEntry> reclaimLoader(List<DumpEntry> entries, List<String> notes) {
        List<DumpEntry> out = new ArrayList<>(entries.size());
        for (DumpEntry e : entries) {
            MemoryDescriptor d = e.descriptor();
            if (d.type() == MemoryType.EfiLoaderCode.value() || d.type() == MemoryType.EfiLoaderData.value()) {
                notes.add(String.format("line %d: %s 0x%X-0x%X (%d pages) returned to EfiConventionalMemory: the OS loader"
                        + " allocated it after application entry", e.line(), d.typeName(), d.physicalStart(), d.last(),
                        d.numberOfPages()));
                d = new MemoryDescriptor(MemoryType.EfiConventionalMemory.value(), d.physicalStart(), d.numberOfPages(),
                        d.attribute());
            }
            out.add(new DumpEntry(d, e.line()));
        }
        return out;
    }

    /**
     * Joins neighbours in the list that are contiguous with equal type and attribute, as EDK2 presents its map
     * ({@code MergeMemoryMapDescriptor}, MdeModulePkg/Core/Dxe/Mem/Page.c). Real dumps have none; they appear after
     * reclaiming loader memory or inferring types.
     */
    static List<DumpEntry> mergeAdjacent(List<DumpEntry> entries, List<String> notes) {
        List<DumpEntry> out = new ArrayList<>(entries.size());
        int merged = 0;
        for (DumpEntry e : entries) {
            if (!out.isEmpty()) {
                DumpEntry prev = out.get(out.size() - 1);
                MemoryDescriptor p = prev.descriptor();
                MemoryDescriptor d = e.descriptor();
                if (p.type() == d.type() && p.attribute() == d.attribute() && p.end() == d.physicalStart()) {
                    out.set(out.size() - 1, new DumpEntry(new MemoryDescriptor(p.type(), p.physicalStart(),
                            p.numberOfPages() + d.numberOfPages(), p.attribute()), prev.line()));
                    merged++;
                    continue;
                }
            }
            out.add(e);
        }
        if (merged > 0) {
            notes.add(merged + " descriptor(s) merged into their neighbour of equal type and attribute, as EDK2's"
                    + " GetMemoryMap presents adjacent ranges (" + entries.size() + " -> " + out.size() + " descriptors)");
        }
        return out;
    }

    /**
     * The note for EfiLoaderCode/EfiLoaderData that look like an OS loader's (kept when {@code --reclaim-loader} is
     * not given): a map Linux printed was taken after GRUB, shim and the kernel's EFI stub allocated; a Shell's map
     * holds the Shell's own image and data, which stay allocated while an application started from it runs.
     */
    static Optional<String> loaderNote(List<MemoryDescriptor> map, DumpFormat format) {
        List<MemoryDescriptor> loader = map.stream().filter(LoaderEvidence::isLoader).toList();
        if (loader.isEmpty()) {
            return Optional.empty();
        }
        LoaderEvidence e = new LoaderEvidence(loader, 0, List.of(), List.of());
        String what = loader.size() + " EfiLoaderCode/EfiLoaderData range(s), " + e.loaderPages() + " pages (largest "
                + e.largest(2) + ")";
        if (format == DumpFormat.SHELL_MEMMAP) {
            return Optional.of(what + " are the UEFI Shell's own image and data (memmap runs inside the Shell); they stay"
                    + " allocated while an application started from the Shell runs, so they were kept");
        }
        boolean big = e.loaderPages() > 0x400; // more than 4 MiB: more than an application image and its data
        if (format == DumpFormat.LINUX_EFI || big) {
            return Optional.of(what + " look like an OS loader's allocations ("
                    + (format == DumpFormat.LINUX_EFI ? "the map was printed by Linux, after GRUB, shim and the"
                            + " kernel's EFI stub ran" : "more than an application image holds at entry")
                    + "); at application entry those pages were free: --reclaim-loader returns them to"
                    + " EfiConventionalMemory");
        }
        return Optional.of(what + " kept as printed: small enough to be the running application's own image and data");
    }

    private static PlatformProfile build(ImportOptions options, String file, DumpFormat format, Identity id,
            List<MemoryDescriptor> map, List<String> notes, PlacementInference.Result inferred) {
        String name = options.name() != null ? options.name() : sanitize(Path.of(file).getFileName().toString());
        PlatformProfile.Builder b = PlatformProfile.builder(name);
        b.description("imported from " + Path.of(file).getFileName() + " (" + format.name().toLowerCase(Locale.ROOT)
                + ", " + map.size() + " descriptors)");
        b.source("file " + file);
        id.sources().forEach(s -> b.source("dump source " + s));
        if (id.vendor() != null) {
            b.firmware(new Firmware(id.vendor(), b.firmware().revision(), id.uefiRevision()));
        } else {
            notes.add("no 'efi: EFI vX.Y by VENDOR' line: firmware-vendor and uefi-revision keep their defaults");
        }
        if (id.smbios() != null) {
            b.smbios(id.smbios());
        }
        if (id.acpiOemId() != null && !id.acpiOemId().isEmpty()) {
            b.acpi(new Acpi(id.acpiOemId(), "EFIEMU01"));
        }
        if (map.stream().noneMatch(d -> d.physicalStart() == 0 && !PlatformProfile.isDeviceRange(d))) {
            b.quirk("page0-not-ram");
            notes.add("no descriptor covers page 0: quirk page0-not-ram");
        }
        for (int i = 1; i < map.size(); i++) {
            if (Long.compareUnsigned(map.get(i).physicalStart(), map.get(i - 1).physicalStart()) < 0) {
                b.quirk("unsorted-map");
                notes.add(String.format("descriptor %d (0x%X) comes after 0x%X: the firmware reports its map out of address"
                        + " order; the order is kept (quirk unsorted-map)", i + 1, map.get(i).physicalStart(),
                        map.get(i - 1).physicalStart()));
                break;
            }
        }
        if (options.placement() != null) {
            PlacementSpec given = options.placement();
            b.placement(given);
            notes.add("placement given with --placement: " + given + (inferred.inferred()
                    ? "; the inference was not applied (it found " + inferred.placement() + ", confidence "
                            + inferred.confidence().orElseThrow() + ")"
                    : "; the map shows no memory-type bin stack to infer one from"));
        } else {
            b.placement(inferred.placement());
            inferred.sources().forEach(b::source);
            notes.add(inferred.note());
        }
        notes.forEach(n -> b.source("note: " + n.replace(" #", " no.")));
        return b.memoryMap(map).build();
    }

    /** A profile name from free text: lower case, runs of other characters become '-'. */
    public static String sanitize(String text) {
        String s = text.toLowerCase(Locale.ROOT).replaceFirst("\\.[a-z]+$", "").replaceAll("[^a-z0-9.]+", "-")
                .replaceAll("^[-.]+|-+$", "");
        return s.isEmpty() ? "imported" : s;
    }

    static long mib(long n) {
        return n * MIB;
    }
}
