package org.efiemu.platform.capture;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.efiemu.platform.PlatformProfile;
import org.efiemu.platform.PlatformProfile.GraphicsMode;
import org.efiemu.platform.PlatformProfile.Screens;
import org.efiemu.platform.PlatformProfile.TextMode;
import org.efiemu.platform.ProfileFormatException;
import org.efiemu.platform.capture.CaptureLog.FreeRun;
import org.efiemu.platform.capture.CaptureLog.MapLine;
import org.efiemu.platform.capture.CaptureLog.Step;
import org.efiemu.platform.importer.DumpFormat;
import org.efiemu.platform.importer.ImportResult;
import org.efiemu.uefi.platform.PlatformDescription.Acpi;
import org.efiemu.uefi.platform.PlatformDescription.Console;
import org.efiemu.uefi.platform.PlatformDescription.Cpu;
import org.efiemu.uefi.platform.PlatformDescription.Firmware;
import org.efiemu.uefi.platform.PlatformDescription.PoolFreeBlock;
import org.efiemu.uefi.platform.PlatformDescription.Smbios;
import org.efiemu.uefi.platform.PlatformDescription.Variable;
import org.efiemu.uefi.protocol.GraphicsOutput;
import org.efiemu.uefi.variable.VariableStoreConfig;
import org.efiemu.uefi.memory.MemoryAttributesTable;
import org.efiemu.uefi.spec.MemoryDescriptor;
import org.efiemu.uefi.spec.MemoryType;
import org.efiemu.uefi.spec.PlacementSpec;

/**
 * A capture ({@link CaptureLog}) becomes a profile. What the probe measured is copied; what is inferred is written as
 * a {@code source: inferred:} line and returned as a note:
 * <ul>
 * <li>the probe's own image (EfiLoaderCode at its LoadedImage base) goes back to EfiConventionalMemory: efiemu loads
 * the application itself;</li>
 * <li>the memory-type bins (EDK2 {@code MdeModulePkg/Core/Dxe/Mem/Page.c}, {@code mMemoryTypeStatistics}): for each
 * binned type the descriptor holding the page the probe's first one-page {@code AllocateAnyPages} of that type
 * returned (a step line: FindFreePages searches the type's bin first) is that type's bin; {@code default-max} is the
 * lowest bin base - 1 ({@code mDefaultMaximumAddress});</li>
 * <li>the free runs inside each bin come from the probe's bin scan ({@code bin:} lines) and are written as
 * EfiConventionalMemory inside the bin (GetMemoryMap reports them under the bin's type, as EDK2 does);</li>
 * <li>pool free-list evidence: a pool block served from a page that was already allocated at entry (the step
 * {@code AllocatePool(EfiRuntimeServicesData, 16)}) is the head of that type's free list at entry; a new pool type
 * whose first page lies right below the previous pool allocation shows that EDK2's {@code LookupPoolHead} took its
 * 232-byte POOL from a free BS_Data block (no page taken).</li>
 * </ul>
 */
public final class CaptureImporter {

    private static final int[] BIN_TYPES = {6, 5, 0, 9, 10};
    private static final int CONVENTIONAL = MemoryType.EfiConventionalMemory.value();
    private static final Pattern FIRST_PAGE = Pattern.compile(
            "^AllocatePages\\(AllocateAnyPages, (\\w+), 0x1, 0x0\\) = EFI_SUCCESS -> 0x([0-9a-f]+)$");
    private static final Pattern POOL = Pattern.compile(
            "^AllocatePool\\(([\\w()]+), (\\d+)\\) = EFI_SUCCESS -> 0x([0-9a-f]+) \\(page 0x([0-9a-f]+) \\+ 0x[0-9a-f]+\\)$");
    /** sizeof(POOL_HEAD) in EDK2 Pool.c (Signature, Reserved, Type, Size): the block starts 0x18 before the buffer. */
    private static final long POOL_HEAD = 0x18;

    private CaptureImporter() {}

    /** True when the text is a capture (any version), so {@code profile import} hands it here. */
    public static boolean isCapture(String[] lines) {
        return CaptureLog.present(lines);
    }

    /** Imports a capture file; errors name the file, line and field. */
    public static ImportResult importFile(Path file, String name) throws IOException {
        return importText(Files.readString(file, StandardCharsets.UTF_8), file.toString(), name, file.getFileName().toString());
    }

    /**
     * Imports capture text.
     *
     * @param file label for errors
     * @param name the profile name
     * @param sourceLabel how the profile's {@code source:} line names the capture
     */
    public static ImportResult importText(String text, String file, String name, String sourceLabel) {
        return fromLog(CaptureLog.parse(text, file), name, sourceLabel);
    }

    /** The profile a parsed capture describes. */
    public static ImportResult fromLog(CaptureLog c, String name, String sourceLabel) {
        return fromLog(c, name, sourceLabel, true);
    }

    /**
     * The profile a parsed capture describes; {@code calibrate} false skips {@link MapEntryCalibration} (which boots
     * the probe on efiemu up to 56 times) and leaves {@code map-entries-free} unset.
     */
    public static ImportResult fromLog(CaptureLog c, String name, String sourceLabel, boolean calibrate) {
        List<String> notes = new ArrayList<>();
        List<String> measured = new ArrayList<>();
        List<MemoryDescriptor> entries = new ArrayList<>();
        for (MapLine ml : c.entryMap()) {
            MemoryDescriptor d = ml.descriptor();
            boolean image = d.type() == MemoryType.EfiLoaderCode.value() && d.physicalStart() <= c.imageBase()
                    && c.imageBase() < d.end();
            if (d.type() == MemoryType.EfiLoaderCode.value() || d.type() == MemoryType.EfiLoaderData.value()) {
                notes.add(String.format("inferred: %s 0x%X-0x%X (line %d) returned to EfiConventionalMemory (%s; efiemu "
                        + "loads the application itself)", d.typeName(), d.physicalStart(), d.last(), ml.line(), image
                        ? String.format("the probe's own image, LoadedImage base 0x%X size 0x%X", c.imageBase(), c.imageSize())
                        : "loader memory at the probe's entry"));
                d = new MemoryDescriptor(CONVENTIONAL, d.physicalStart(), d.numberOfPages(), d.attribute());
            }
            entries.add(d);
        }
        Map<Integer, Step> steps = c.steps();
        // bins: the descriptor of each binned type that holds the probe's first one-page AllocateAnyPages of that type
        List<long[]> bins = new ArrayList<>(); // {type, base, pages}
        for (int type : BIN_TYPES) {
            String tname = MemoryType.nameOf(type);
            Step first = steps.values().stream().filter(s -> {
                Matcher m = FIRST_PAGE.matcher(s.text());
                return m.matches() && m.group(1).equals(tname);
            }).findFirst().orElse(null);
            if (first == null) {
                notes.add("no step line 'AllocatePages(AllocateAnyPages, " + tname + ", 0x1, 0x0) = EFI_SUCCESS': no "
                        + tname + " bin recorded");
                continue;
            }
            Matcher m = FIRST_PAGE.matcher(first.text());
            m.matches();
            long page = Long.parseUnsignedLong(m.group(2), 16);
            MemoryDescriptor holder = entries.stream().filter(d -> d.physicalStart() <= page && page < d.end())
                    .findFirst().orElse(null);
            if (holder == null || holder.type() != type) {
                notes.add(String.format("inferred: no free %s bin at entry: the probe's first %s page (step %d, 0x%X) "
                        + "lies outside every %s descriptor", tname, tname, first.number(), page, tname));
                continue;
            }
            bins.add(new long[] {type, holder.physicalStart(), holder.numberOfPages()});
            List<FreeRun> runs = c.binRuns().getOrDefault(type, List.of());
            Integer complete = c.binsComplete().get(type);
            if (complete == null || complete != runs.size()) {
                throw new ProfileFormatException(c.file(), runs.isEmpty() ? 0 : runs.get(0).line(), "field 'bin: type="
                        + type + " runs': " + (complete == null ? "no 'bin: type=" + type + " runs=K' line"
                        : "runs=" + complete + " but " + runs.size() + " 'bin: type=" + type + " free' lines")
                        + " (incomplete bin scan)");
            }
            long highest = runs.stream().mapToLong(r -> r.base() + ((r.pages() - 1) << 12)).max().orElse(-1);
            if (highest != page) {
                throw new ProfileFormatException(c.file(), first.line(), String.format("field 'bin': the bin scan's highest "
                        + "free %s page is 0x%X but step %d returned 0x%X (corrupt capture)", tname, highest,
                        first.number(), page));
            }
        }
        bins.sort((a, b) -> Long.compareUnsigned(a[1], b[1]));
        List<MemoryDescriptor> out = new ArrayList<>();
        for (MemoryDescriptor d : entries) {
            long[] bin = bins.stream().filter(b -> b[1] == d.physicalStart() && b[0] == d.type()).findFirst().orElse(null);
            if (bin == null) {
                out.add(d);
                continue;
            }
            List<FreeRun> runs = new ArrayList<>(c.binRuns().get(d.type()));
            runs.sort((a, b) -> Long.compareUnsigned(a.base(), b.base()));
            long cursor = d.physicalStart();
            List<String> pieces = new ArrayList<>();
            for (FreeRun r : runs) {
                long end = r.base() + (r.pages() << 12);
                if (Long.compareUnsigned(r.base(), cursor) < 0 || Long.compareUnsigned(end, d.end()) > 0) {
                    throw new ProfileFormatException(c.file(), r.line(), String.format("field 'bin': free run 0x%X +0x%X "
                            + "pages lies outside the %s bin 0x%X-0x%X or overlaps the run before it", r.base(), r.pages(),
                            d.typeName(), d.physicalStart(), d.last()));
                }
                if (r.base() != cursor) {
                    out.add(new MemoryDescriptor(d.type(), cursor, (r.base() - cursor) >>> 12, d.attribute()));
                }
                out.add(new MemoryDescriptor(CONVENTIONAL, r.base(), r.pages(), d.attribute() & ~(1L << 63)));
                pieces.add(String.format("0x%X-0x%X (0x%X pages)", r.base(), end - 1, r.pages()));
                cursor = end;
            }
            if (cursor != d.end()) {
                out.add(new MemoryDescriptor(d.type(), cursor, (d.end() - cursor) >>> 12, d.attribute()));
            }
            measured.add(String.format("measured: %s bin 0x%X-0x%X: free %s (the probe's bin scan at entry), written as "
                    + "EfiConventionalMemory, reported by GetMemoryMap under the bin's type", d.typeName(),
                    d.physicalStart(), d.last(), pieces.isEmpty() ? "none" : String.join(", ", pieces)));
        }
        List<MemoryDescriptor> map = merge(out);
        PlacementSpec placement = PlacementSpec.EDK2_TOPDOWN;
        if (!bins.isEmpty()) {
            StringBuilder sb = new StringBuilder();
            for (long[] b : bins) {
                sb.append(sb.length() == 0 ? "" : ",").append(MemoryType.nameOf((int) b[0]))
                        .append(String.format("@0x%X+0x%X", b[1], b[2]));
            }
            long defaultMax = bins.get(0)[1] - 1;
            Map<String, String> params = new java.util.LinkedHashMap<>();
            params.put("bins", sb.toString());
            params.put("default-max", String.format("0x%X", defaultMax));
            placement = new PlacementSpec("edk2-topdown", params);
            notes.add(String.format("inferred: placement edk2-topdown; bins = the descriptors holding the probe's first "
                    + "one-page AllocateAnyPages of each binned type (EDK2 FindFreePages tries the type's bin first); "
                    + "default-max = lowest bin base - 1 = 0x%X (EDK2 mDefaultMaximumAddress)", defaultMax));
        }
        List<PoolFreeBlock> poolFree = poolFree(c, map, notes);
        List<PoolFreeBlock> previousTable = new ArrayList<>();
        placement = attributesTable(c, map, placement, measured, notes, previousTable);

        PlatformProfile.Builder b = PlatformProfile.builder(name);
        b.description(description(c));
        b.source("capture " + sourceLabel + c.headerValue("command").map(cmd -> " made by: " + cmd).orElse(""));
        c.headerValue("qemu-version").ifPresent(v -> b.source(v + c.headerValue("firmware").map(f -> "; firmware " + f).orElse("")));
        b.source("measured: map = GetMemoryMap at the probe's entry; identity = the probe's CPUID, SMBIOS and ACPI reads; "
                + "capture format " + c.version());
        measured.forEach(b::source);
        notes.forEach(n -> b.source(n));
        b.placement(placement);
        b.descriptorSize(c.descriptorSize()).descriptorVersion(c.descriptorVersion());
        b.firmware(new Firmware(c.firmwareVendor(), c.firmwareRevision(), c.systemTableRevision()));
        identity(c, b, name, notes);
        screens(c, b, notes, measured);
        VariableStoreConfig store = variableStore(c, b, measured, notes);
        variables(c, b, notes, store == null ? VariableStoreConfig.ovmf().authenticated() : store.authenticated());
        poolFree.forEach(b::poolFree);
        b.memoryMap(map);
        PlatformProfile p;
        try {
            p = b.build();
        } catch (IllegalArgumentException e) {
            throw new ProfileFormatException(c.file(), 0, e.getMessage());
        }
        if (calibrate) {
            p = calibrateMapEntries(c, p, notes, previousTable.isEmpty() ? null : previousTable.get(0));
        }
        return result(p, measured, notes);
    }

    private static ImportResult result(PlatformProfile p, List<String> measured, List<String> notes) {
        List<String> all = new ArrayList<>(measured);
        all.addAll(notes);
        // a capture measures placement (the probe's bin scan and steps): nothing is inferred from the map's shape
        return new ImportResult(p, DumpFormat.CAPTURE, all, new org.efiemu.platform.inference.PlacementInference.Result(
                List.of(), p.placement(), java.util.Optional.empty(),
                "placement measured by the capture (the probe's bin scan and allocation steps), not inferred", List.of()));
    }

    /**
     * Adds {@code map-entries-free} to the placement ({@link MapEntryCalibration}); without a value that reproduces
     * the captured steps the profile keeps none and a note lists the first step efiemu answers differently.
     */
    private static PlatformProfile calibrateMapEntries(CaptureLog c, PlatformProfile p, List<String> notes,
            PoolFreeBlock previousTable) {
        Map<Integer, String> steps = new java.util.TreeMap<>();
        c.steps().values().forEach(s -> steps.put(s.number(), s.text()));
        // the pool state at entry the steps cannot show directly: whether a free block of the attributes table's bin
        // (the previous table) and the guessed 384-byte block for LookupPoolHead were there; the first variant (fewest
        // guesses) for which some map-entries-free count reproduces every step wins
        PoolFreeBlock guessed384 = p.poolFreeBlocks().stream().filter(f -> f.size() == 384
                && f.poolType() == MemoryType.EfiBootServicesData.value()).findFirst().orElse(null);
        String note384 = guessed384 == null ? null
                : "inferred: pool-free EfiBootServicesData 0x" + Long.toHexString(guessed384.head()).toUpperCase(Locale.ROOT) + " 384";
        List<PoolFreeBlock> base = new ArrayList<>(p.poolFreeBlocks());
        base.remove(guessed384);
        boolean modelled = p.placement().params().containsKey(MemoryAttributesTable.ENTRIES);
        List<boolean[]> variants = new ArrayList<>(); // {previous table block, 384 block}
        if (modelled) {
            variants.add(new boolean[] {false, false});
            if (previousTable != null) {
                variants.add(new boolean[] {true, false});
            }
        }
        if (guessed384 != null || !modelled) {
            variants.add(new boolean[] {false, true});
        }
        if (modelled && previousTable != null && guessed384 != null) {
            variants.add(new boolean[] {true, true});
        }
        PlatformProfile bestProfile = p;
        MapEntryCalibration.Result r = null;
        boolean[] chosen = null;
        for (boolean[] v : variants) {
            List<PoolFreeBlock> blocks = new ArrayList<>();
            if (v[1] && guessed384 != null) {
                blocks.add(guessed384);
            }
            blocks.addAll(base);
            if (v[0]) {
                blocks.add(previousTable);
            }
            PlatformProfile candidate = withPoolFree(p, blocks, v[1] || note384 == null ? null : note384);
            MapEntryCalibration.Result w = MapEntryCalibration.calibrate(candidate, steps);
            if (r == null || w.firstDifference() < 0 || w.firstDifference() > r.firstDifference()) {
                r = w;
                bestProfile = candidate;
                chosen = v;
            }
            if (w.firstDifference() < 0) {
                break;
            }
        }
        p = bestProfile;
        if (chosen != null && !chosen[1] && note384 != null) {
            notes.removeIf(n -> n.startsWith(note384));
            if (modelled) {
                String n = "inferred: no free BS_Data pool block at entry for the new pool type's POOL (EDK2 LookupPoolHead): "
                        + "a block of the pool page the EFI_MEMORY_ATTRIBUTES_TABLE upkeep carves serves it";
                notes.add(n);
                p = p.toBuilder().source(n).build();
            }
        }
        if (chosen != null && chosen[0]) {
            String n = String.format("inferred: pool-free EfiBootServicesData 0x%X %d = a free block of the "
                    + "EFI_MEMORY_ATTRIBUTES_TABLE's pool bin at entry (EDK2 frees the previous table when it installs a "
                    + "new one, at ReadyToBoot the last time before the application; without it the steps are not "
                    + "reproduced); its address is not observed: efiemu puts it next to the table in its page",
                    previousTable.head(), previousTable.size());
            notes.add(n);
            p = p.toBuilder().source(n).build();
        }
        String note = String.format("inferred: placement map-entries-free=%d = the smallest number of free EDK2 memory-map "
                + "entries at entry (mFreeMemoryMapEntryList; when it runs dry the DXE core takes a BS_Data page) for "
                + "which efiemu answers %s", r.count(), r.firstDifference() < 0
                        ? "all " + steps.size() + " captured steps as the firmware did"
                        : "the captured steps before step " + r.firstDifference() + " as the firmware did");
        notes.add(note);
        PlatformProfile.Builder b = MapEntryCalibration.withCount(p, r.count()).toBuilder().source(note);
        if (r.firstDifference() >= 0) {
            String diff = "not reproduced: from step " + r.firstDifference() + " on efiemu answers differently from the "
                    + "firmware" + (p.placement().params().containsKey(MemoryAttributesTable.ENTRIES) ? ""
                    : " (the capture has no EFI_MEMORY_ATTRIBUTES_TABLE line, so EDK2's rebuilds of that table after "
                    + "runtime-memory changes are not modelled; see docs/profiles.md)");
            notes.add(diff);
            b.source(diff);
        }
        return b.build();
    }

    /** {@code p} with {@code blocks} as its pool-free lines and without the source line starting with {@code dropSource}. */
    private static PlatformProfile withPoolFree(PlatformProfile p, List<PoolFreeBlock> blocks, String dropSource) {
        PlatformProfile.Builder b = p.toBuilder().clearPoolFree().clearSources();
        p.sources().stream().filter(x -> dropSource == null || !x.startsWith(dropSource)).forEach(b::source);
        blocks.forEach(b::poolFree);
        return b.build();
    }

    private static String description(CaptureLog c) {
        String machine = c.headerValue("machine").orElse(null);
        if (machine != null) {
            return machine + ", " + c.firmwareVendor() + " firmware; map at BDS start of BOOTX64.EFI (efiemu profile capture)";
        }
        Map<String, String> id = c.identity();
        String who = (id.getOrDefault("smbios-manufacturer", "") + " " + id.getOrDefault("smbios-product", "")).strip();
        return (who.isEmpty() ? "captured machine" : who) + ", " + c.firmwareVendor()
                + " firmware; map at the capture application's start (efiemu profile capture --write-esp)";
    }

    private static void identity(CaptureLog c, PlatformProfile.Builder b, String name, List<String> notes) {
        Map<String, String> id = c.identity();
        int cpus = c.headerValue("cpus").map(Integer::parseInt).orElse(1);
        if (c.headerValue("cpus").isEmpty()) {
            notes.add("inferred: cpu-count 1 (the probe does not count processors)");
        }
        b.cpu(new Cpu(id.getOrDefault("cpu-vendor", "GenuineIntel"), intOr(id, "cpu-family", 6), intOr(id, "cpu-model", 45),
                intOr(id, "cpu-stepping", 7), nonEmpty(id.get("cpu-brand"), "Intel(R) Xeon(R) CPU"), cpus));
        String serial = id.get("smbios-serial");
        if (serial != null && serial.isEmpty()) {
            notes.add("SMBIOS type 1 serial number is empty on this machine; written as the format's default 0");
        }
        b.smbios(new Smbios(nonEmpty(id.get("smbios-bios-vendor"), "efiemu"), nonEmpty(id.get("smbios-bios-version"), "0.1"),
                nonEmpty(id.get("smbios-bios-date"), "01/01/2024"), nonEmpty(id.get("smbios-manufacturer"), "efiemu"),
                nonEmpty(id.get("smbios-product"), name), nonEmpty(id.get("smbios-version"), "1"), nonEmpty(serial, "0")));
        String oem = id.get("acpi-oem-id");
        if (oem != null && !oem.isEmpty()) {
            b.acpi(new Acpi(oem, nonEmpty(id.get("acpi-oem-table-id"), "EFIEMU01")));
        }
    }

    /**
     * {@code display} from the GOP modes (QueryMode order, current mode; framebuffer base measured by the probe's
     * {@code gop:} line when it has one) and {@code console} from the current text mode: the keys the firmware model
     * uses (the capture's {@code gop: mode=}/{@code text: mode=} lines stay in the capture file).
     */
    private static void screens(CaptureLog c, PlatformProfile.Builder b, List<String> notes, List<String> measured) {
        List<GraphicsMode> gm = c.gopModes().stream()
                .map(g -> new GraphicsMode(g.mode(), g.width(), g.height(), g.pixelFormat())).toList();
        List<TextMode> tm = c.textModes().stream().filter(t -> t.columns() > 0)
                .map(t -> new TextMode(t.mode(), t.columns(), t.rows())).toList();
        int gopCurrent = current(c.gop().orElse(""));
        int textCurrent = current(c.text().orElse(""));
        TextMode cur = tm.stream().filter(t -> t.mode() == textCurrent).findFirst().orElse(null);
        if (cur != null) {
            Console console = new Console(cur.columns(), cur.rows());
            b.console(console);
            List<TextMode> offered = org.efiemu.platform.ScreenKeys.derive(console, null).textModes();
            measured.add("measured: console " + cur.columns() + "x" + cur.rows() + " (text mode " + textCurrent + " current of "
                    + tm.size() + " QueryMode accepts)");
            if (!offered.equals(tm)) {
                notes.add("measured text modes " + tm.stream().map(t -> t.mode() + " " + t.columns() + "x" + t.rows()).toList()
                        + " differ from the ones efiemu's console offers with this size " + offered.stream()
                        .map(t -> t.mode() + " " + t.columns() + "x" + t.rows()).toList());
            }
        }
        if (!gm.isEmpty()) {
            boolean ok = true;
            for (int i = 0; i < gm.size(); i++) {
                ok &= gm.get(i).mode() == i && org.efiemu.platform.ScreenKeys.BGRR.equals(gm.get(i).pixelFormat());
            }
            if (!ok || gopCurrent < 0 || gopCurrent >= gm.size()) {
                notes.add("measured GOP modes not written: efiemu's GOP model presents consecutive "
                        + org.efiemu.platform.ScreenKeys.BGRR + " modes only; the profile has no display (headless)");
            } else {
                List<GraphicsOutput.Mode> modes = gm.stream().map(g -> new GraphicsOutput.Mode(g.width(), g.height())).toList();
                long largest = modes.stream().mapToLong(m -> 4L * m.width() * m.height()).max().orElse(4096);
                long memory = Long.highestOneBit(Math.max(largest - 1, 1)) << 1;
                Matcher fb = Pattern.compile("framebuffer=0x([0-9a-f]+)").matcher(c.gop().orElse(""));
                long base = fb.find() ? Long.parseUnsignedLong(fb.group(1), 16) : 0xC0000000L;
                b.display(new GraphicsOutput.Display(modes, gopCurrent, base, memory));
                measured.add(String.format("measured: display %d GOP modes, mode %d current (%dx%d)%s", modes.size(),
                        gopCurrent, modes.get(gopCurrent).width(), modes.get(gopCurrent).height(), fb.find(0)
                        ? String.format(", framebuffer 0x%X", base) : ""));
                if (!fb.find(0)) {
                    notes.add(String.format("inferred: display framebuffer 0x%X (QEMU stdvga's BAR on q35; the capture's gop: "
                            + "line does not give it)", base));
                }
                notes.add(String.format("inferred: display memory 0x%X = the largest mode's bytes rounded up to a power of two "
                        + "(the adapter's memory is not observable through the GOP)", memory));
            }
        }
        if (c.gop().isEmpty() && c.text().isEmpty()) {
            notes.add("no graphics or text modes in the capture");
        }
    }

    private static int current(String summary) {
        Matcher m = Pattern.compile("current=(\\d+)").matcher(summary);
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }

    /**
     * {@code variable-store} from QueryVariableInfo (UEFI 2.10 §8.2): NV size = NV|BS|RT maximum storage + the 28-byte
     * VARIABLE_STORE_HEADER, volatile size likewise for BS|RT, maximum variable sizes + the variable header (60 bytes
     * when the store answers for time-based authenticated variables, else 32).
     */
    private static VariableStoreConfig variableStore(CaptureLog c, PlatformProfile.Builder b, List<String> measured,
            List<String> notes) {
        long[] nv = c.variableInfo().get(0x7L);
        long[] vol = c.variableInfo().get(0x6L);
        if (nv == null || vol == null) {
            notes.add("no QueryVariableInfo answers for NV|BS|RT and BS|RT in the capture: variable-store is the default (OVMF 2022.11's)");
            return null;
        }
        boolean auth = c.variableInfo().containsKey(0x27L);
        int header = auth ? VariableStoreConfig.AUTHENTICATED_VARIABLE_HEADER_SIZE : VariableStoreConfig.VARIABLE_HEADER_SIZE;
        VariableStoreConfig store = new VariableStoreConfig(nv[0] + VariableStoreConfig.STORE_HEADER_SIZE,
                vol[0] + VariableStoreConfig.STORE_HEADER_SIZE, nv[2] + header, vol[2] + header, header, auth);
        b.variableStore(store);
        measured.add(String.format("measured: variable-store from QueryVariableInfo: NV maximum storage 0x%X, maximum "
                + "variable 0x%X; volatile 0x%X, 0x%X; %s (sizes + the 28-byte store header and the %d-byte variable header)",
                nv[0], nv[2], vol[0], vol[2], auth ? "time-based authenticated variables accepted" : "no authenticated variables",
                header));
        return store;
    }

    /**
     * The variables present at entry; time-based authenticated ones (OVMF's certdb, certdbv, VendorKeysNv) are kept when
     * the store is authenticated (efiemu's store seeds them and GetVariable returns their data, UEFI 2.10 §8.2.1).
     */
    private static void variables(CaptureLog c, PlatformProfile.Builder b, List<String> notes, boolean authenticated) {
        c.variablesCount().ifPresent(n -> {
            if (n != c.variables().size()) {
                throw new ProfileFormatException(c.file(), 0, "field 'vars: count': count=" + n + " but "
                        + c.variables().size() + " 'var:' lines (truncated or corrupt capture)");
            }
        });
        for (CaptureLog.VariableLine v : c.variables()) {
            long a = v.attributes();
            long allowed = 0x7L | (authenticated ? 0x20L : 0);
            if ((a & 0x2) == 0 || (a & ~allowed) != 0) {
                notes.add(String.format("measured but not written: variable %s %s attributes 0x%X, %d bytes (line %d): "
                        + "efiemu's variable store holds NV/BS/RT variables%s (UEFI 2.10 §8.2); its data stays in the "
                        + "capture file", v.name(), v.guid(), a, v.dataHex().length() / 2, v.line(),
                        authenticated ? " and time-based authenticated ones" : " (this store answers for no authenticated ones)"));
                continue;
            }
            b.variable(new Variable(v.name(), v.guid(), (int) a, HexFormat.of().parseHex(v.dataHex())));
        }
    }

    private static List<PoolFreeBlock> poolFree(CaptureLog c, List<MemoryDescriptor> map, List<String> notes) {
        List<PoolFreeBlock> out = new ArrayList<>();
        long lowestPage = -1; // the lowest page the probe's EfiLoaderData pool allocations took so far
        for (Step s : c.steps().values()) {
            Matcher m = POOL.matcher(s.text());
            if (!m.matches()) {
                continue;
            }
            long addr = Long.parseUnsignedLong(m.group(3), 16);
            long page = Long.parseUnsignedLong(m.group(4), 16);
            String type = m.group(1);
            if (type.equals("EfiRuntimeServicesData")) {
                MemoryDescriptor holder = holder(map, page);
                if (holder != null && holder.type() == MemoryType.EfiRuntimeServicesData.value()
                        && Integer.parseInt(m.group(2)) <= 128 - POOL_HEAD - 8) {
                    long head = addr - POOL_HEAD;
                    out.add(new PoolFreeBlock(holder.type(), head, 128));
                    notes.add(String.format("inferred: pool-free EfiRuntimeServicesData 0x%X 128 = the head of the firmware's "
                            + "RT_Data 128-byte free list at entry (step %d: AllocatePool(EfiRuntimeServicesData, %s) returned "
                            + "0x%X, inside a page that was already EfiRuntimeServicesData at entry)", head, s.number(),
                            m.group(2), addr));
                }
            } else if (type.startsWith("OS(") && lowestPage > 0 && page + 0x1000 == lowestPage) {
                // any allocated BS_Data range will do (the address is not observed), but not the highest one below
                // 4 GiB: efiemu carves its firmware arena from that one
                List<MemoryDescriptor> bsRanges = map.stream().filter(d -> d.type() == MemoryType.EfiBootServicesData.value()
                        && Long.compareUnsigned(d.end(), 1L << 32) <= 0).toList();
                MemoryDescriptor bs = bsRanges.size() < 2 ? null : bsRanges.subList(0, bsRanges.size() - 1).stream()
                        .max((x, y) -> Long.compare(x.numberOfPages(), y.numberOfPages())).orElse(null);
                if (bs != null) {
                    long head = bs.end() - 384;
                    out.add(0, new PoolFreeBlock(bs.type(), head, 384));
                    notes.add(String.format("inferred: pool-free EfiBootServicesData 0x%X 384 = some free BS_Data pool block "
                            + "of at least 384 bytes (step %d: the first %s pool page 0x%X lies right below the lowest "
                            + "EfiLoaderData pool page before it, so EDK2 LookupPoolHead took the new type's 232-byte POOL from a free BS_Data "
                            + "block, no page); its address is not observed: efiemu places it in the last page of the "
                            + "largest BS_Data range below 4 GiB but the highest, 0x%X-0x%X", head, s.number(), type, page,
                            bs.physicalStart(), bs.last()));
                }
            }
            if (type.equals("EfiLoaderData")) {
                lowestPage = lowestPage < 0 ? page : Math.min(lowestPage, page);
            }
        }
        return out;
    }

    /**
     * The EFI_MEMORY_ATTRIBUTES_TABLE upkeep ({@code org.efiemu.uefi.memory.MemoryAttributesTable}): {@code mat-entries}
     * (measured NumberOfEntries), {@code mat-extra} (inferred: 3 per EFI_MEMORY_RO entry, EDK2's AdditionalRecordCount
     * with one code section per runtime image) and {@code mat-table} (measured).
     */
    private static PlacementSpec attributesTable(CaptureLog c, List<MemoryDescriptor> map, PlacementSpec placement,
            List<String> measured, List<String> notes, List<PoolFreeBlock> previousTable) {
        CaptureLog.AttributesTable t = c.attributesTable().orElse(null);
        if (t == null) {
            notes.add("no EFI_MEMORY_ATTRIBUTES_TABLE in the capture (no 'mat:' line, or 'mat: none'): its upkeep after "
                    + "runtime allocations is not modelled");
            return placement;
        }
        Map<String, String> params = new java.util.LinkedHashMap<>(placement.params());
        params.put(MemoryAttributesTable.ENTRIES, Integer.toString(t.entries()));
        params.put(MemoryAttributesTable.EXTRA, Integer.toString(3 * t.readOnly()));
        measured.add(String.format("measured: EFI_MEMORY_ATTRIBUTES_TABLE at entry 0x%X, %d entries of %d bytes, %d "
                + "read-only (line %d): placement mat-entries=%d", t.table(), t.entries(), t.descriptorSize(),
                t.readOnly(), t.line(), t.entries()));
        notes.add(String.format("inferred: placement mat-extra=%d = (2 x 1 + 1) x %d runtime images (EDK2 "
                + "AdditionalRecordCount of CoreGetMemoryMapWithSeparatedImageSection, one code section per image: one "
                + "EFI_MEMORY_RO entry each)", 3 * t.readOnly(), t.readOnly()));
        long head = t.table() - POOL_HEAD;
        long blockSize = ((16L + (long) t.descriptorSize() * t.entries() + 7) & ~7L) + 40;
        long bin = java.util.stream.LongStream.of(128, 256, 384, 640, 1024, 1664, 2688).filter(x -> x >= blockSize)
                .findFirst().orElse(-1);
        MemoryDescriptor holder = holder(map, head);
        MemoryDescriptor arena = map.stream().filter(d -> d.type() == MemoryType.EfiBootServicesData.value()
                && Long.compareUnsigned(d.end(), 1L << 32) <= 0 && d.numberOfPages() >= 0x40)
                .max((x, y) -> Long.compareUnsigned(x.physicalStart(), y.physicalStart())).orElse(null);
        if (bin < 0 || holder == null || holder.type() != MemoryType.EfiBootServicesData.value()
                || (head & 0xFFF) + blockSize > 0x1000 || holder == arena) {
            notes.add(String.format("measured but not written: the table's pool block 0x%X (%s): the first rebuild frees "
                    + "nothing efiemu knows", head, bin < 0 ? "larger than a pool bin" : holder == arena
                    ? "in the BS_Data range that holds efiemu's own firmware structures" : "not in one EfiBootServicesData page"));
            return new PlacementSpec(placement.name(), params);
        }
        params.put(MemoryAttributesTable.TABLE, String.format("0x%X", t.table()));
        long offset = head & 0xFFF;
        long previous = offset + 2 * bin <= 0x1000 ? head + bin : offset >= bin ? head - bin : -1;
        if (previous >= 0) {
            previousTable.add(new PoolFreeBlock(MemoryType.EfiBootServicesData.value(), previous, (int) bin));
        }
        return new PlacementSpec(placement.name(), params);
    }

    private static MemoryDescriptor holder(List<MemoryDescriptor> map, long addr) {
        return map.stream().filter(d -> Long.compareUnsigned(d.physicalStart(), addr) <= 0
                && Long.compareUnsigned(addr, d.end()) < 0).findFirst().orElse(null);
    }

    /** Joins contiguous neighbours of equal type and attribute (EDK2 MergeMemoryMap). */
    private static List<MemoryDescriptor> merge(List<MemoryDescriptor> in) {
        List<MemoryDescriptor> out = new ArrayList<>();
        for (MemoryDescriptor d : in) {
            if (!out.isEmpty()) {
                MemoryDescriptor p = out.get(out.size() - 1);
                if (p.type() == d.type() && p.attribute() == d.attribute() && p.end() == d.physicalStart()) {
                    out.set(out.size() - 1, new MemoryDescriptor(p.type(), p.physicalStart(),
                            p.numberOfPages() + d.numberOfPages(), p.attribute()));
                    continue;
                }
            }
            out.add(d);
        }
        return out;
    }

    private static int intOr(Map<String, String> id, String key, int dflt) {
        try {
            return id.containsKey(key) ? Integer.parseInt(id.get(key)) : dflt;
        } catch (NumberFormatException e) {
            return dflt;
        }
    }

    private static String nonEmpty(String v, String dflt) {
        return v == null || v.isBlank() ? dflt : v.strip();
    }

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}
