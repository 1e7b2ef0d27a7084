package org.efiemu.platform.importer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.efiemu.platform.MemoryMapCheck;
import org.efiemu.platform.PlatformProfile;
import org.efiemu.platform.ProfileFormatException;
import org.efiemu.uefi.platform.PlatformDescription.Acpi;
import org.efiemu.uefi.platform.PlatformDescription.Firmware;
import org.efiemu.uefi.platform.PlatformDescription.Smbios;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.efiemu.uefi.spec.MemoryType;

/**
 * Turns a real memory-map dump (a boot log, a UEFI Shell capture) into a {@link PlatformProfile}, with a note for
 * every inference and change. Formats: see {@link DumpFormat}. Identity lines are used when present:
 * {@code efi: EFI v2.30 by Dell} (firmware vendor, system table revision), {@code DMI: ...} (SMBIOS strings),
 * {@code ACPI: RSDP ... (v02 DELL  )} (ACPI OEM ID) and the dump's own {@code # SOURCE:} comment lines.
 */
public final class DumpImporter {

    private static final Pattern EFI_VERSION = Pattern.compile("^efi: EFI v(\\d+)\\.(\\d+)(?:\\.(\\d+))? by (.+?)\\s*$");
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
        boolean efi = LinuxEfiMemmap.present(lines);
        boolean shell = ShellMemmap.present(lines);
        boolean e820 = E820Map.present(lines);
        DumpFormat format = options.format();
        if (format == DumpFormat.AUTO) {
            format = efi ? DumpFormat.LINUX_EFI : shell ? DumpFormat.SHELL_MEMMAP : e820 ? DumpFormat.E820 : null;
            if (format == null) {
                throw new ProfileFormatException(file, 0, "no memory map found; expected Linux 'efi: memNN:' lines,"
                        + " a UEFI Shell 'memmap' table, 'BIOS-e820:' lines or a Xen 'EFI RAM map:' section");
            }
        }
        Identity id = identity(lines);
        List<DumpEntry> entries;
        List<String> kinds = new ArrayList<>();
        switch (format) {
            case LINUX_EFI -> entries = requireSome(efi, LinuxEfiMemmap.read(lines, file, notes), file, "'efi: memNN:' lines");
            case SHELL_MEMMAP -> entries = requireSome(shell, ShellMemmap.read(lines, file, notes), file, "a 'memmap' table");
            default -> entries = requireSome(e820, E820Map.read(lines, file, notes, kinds), file, "E820 lines");
        }
        if (format != DumpFormat.E820 && e820) {
            notes.add("the dump's E820 map was not used: the raw UEFI descriptors say more");
        }
        if (format == DumpFormat.E820) {
            entries = E820Inference.apply(entries, kinds, id.vendor, id.efiLine, notes);
        }
        if (options.reclaimLoader()) {
            entries = reclaimLoader(entries, notes);
        }
        entries = mergeAdjacent(entries, notes);
        List<MemoryDescriptor> map = entries.stream().map(DumpEntry::descriptor).toList();
        List<DumpEntry> finalEntries = entries;
        for (MemoryMapCheck.Problem p : MemoryMapCheck.check(map)) {
            throw new ProfileFormatException(file, finalEntries.get(p.index()).line(),
                    p.message(i -> "line " + finalEntries.get(i).line()));
        }
        return new ImportResult(build(options, file, format, id, map, notes), format, notes);
    }

    private static List<DumpEntry> requireSome(boolean present, List<DumpEntry> entries, String file, String what) {
        if (!present || entries.isEmpty()) {
            throw new ProfileFormatException(file, 0, "the dump holds no " + what);
        }
        return entries;
    }

    /** Identity facts found in the dump. */
    private record Identity(String vendor, Integer uefiRevision, boolean efiLine, Smbios smbios, String acpiOemId,
            List<String> sources) {}

    private static Identity identity(String[] lines) {
        String vendor = null;
        Integer revision = null;
        Smbios smbios = null;
        String oem = null;
        List<String> sources = new ArrayList<>();
        for (String raw : lines) {
            Matcher s = SOURCE.matcher(raw.strip());
            if (s.matches()) {
                sources.add(s.group(1));
                continue;
            }
            String body = DumpLines.body(raw);
            Matcher m;
            if (vendor == null && (m = EFI_VERSION.matcher(body)).matches()) {
                vendor = m.group(4);
                int minor = m.group(2).length() >= 2 ? Integer.parseInt(m.group(2))
                        : Integer.parseInt(m.group(2)) * 10 + (m.group(3) == null ? 0 : Integer.parseInt(m.group(3)));
                revision = (Integer.parseInt(m.group(1)) << 16) | minor;
            } else if (smbios == null && (m = DMI.matcher(body)).matches()) {
                smbios = smbios(m.group(1), m.group(2), m.group(3));
            } else if (oem == null && (m = RSDP.matcher(body)).find()) {
                oem = m.group(1).strip();
            }
        }
        return new Identity(vendor, revision, vendor != null, smbios, oem, sources);
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

    private static PlatformProfile build(ImportOptions options, String file, DumpFormat format, Identity id,
            List<MemoryDescriptor> map, List<String> notes) {
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
