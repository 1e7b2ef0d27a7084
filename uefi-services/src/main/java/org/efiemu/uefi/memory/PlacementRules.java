package org.efiemu.uefi.memory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import org.efiemu.uefi.spec.MemoryType;
import org.efiemu.uefi.spec.PlacementSpec;

/**
 * Turns a profile's {@link PlacementSpec} into a {@link PlacementRule}.
 *
 * <p>Rules and their parameters (numbers are {@code 0x}-hexadecimal or decimal):
 * <ul>
 *   <li>{@code edk2-topdown} — EDK2 {@code FindFreePages} ({@code MdeModulePkg/Core/Dxe/Mem/Page.c}): the type's bin,
 *       then the default region [0, default-max], then anything at or below the limit; each step takes the free
 *       range with the highest end and allocates at its top.</li>
 *   <li>{@code bottom-up} — the type's bin, then the lowest free range at or below the limit, allocated at its
 *       bottom (never page 0).</li>
 *   <li>{@code low-first} — memory below {@code low-limit} (default 0xFFFFF) first, top-down, for AnyPages and
 *       MaxAddress requests of every type; then as {@code edk2-topdown}. Models firmware that uses up the memory
 *       below 1 MiB that boot loaders need for real-mode trampolines.</li>
 * </ul>
 * Every rule accepts:
 * <ul>
 *   <li>{@code bins=Type@base+pages,...} — memory-type bins (EDK2 MemoryTypeInformation), e.g.
 *       {@code EfiRuntimeServicesData@0x7F4EC000+0x100}. A bin must lie in RAM of the map. A captured map
 *       (what an OS sees) reports a special bin's free pages under the bin's type, so written verbatim the whole bin
 *       counts as used by the firmware; to give the bin free pages, write them as {@code EfiConventionalMemory}
 *       descriptors inside the bin's range (the firmware's internal view).</li>
 *   <li>{@code default-max=addr} — EDK2 {@code mDefaultMaximumAddress}, the inclusive top of the default region.
 *       Default: the lowest bin base − 1, or no limit when there are no bins.</li>
 * </ul>
 */
public final class PlacementRules {

    public static final String EDK2_TOPDOWN = "edk2-topdown";
    public static final String BOTTOM_UP = "bottom-up";
    public static final String LOW_FIRST = "low-first";

    /**
     * Placement parameter: EDK2's free memory-map entries at application entry (see
     * {@link MemoryMap#startApplication()}); when the list runs dry the firmware takes a BS_Data page.
     */
    public static final String MAP_ENTRIES_FREE = "map-entries-free";

    private static final Set<String> COMMON = Set.of("bins", "default-max", MAP_ENTRIES_FREE, MemoryAttributesTable.ENTRIES,
            MemoryAttributesTable.EXTRA, MemoryAttributesTable.TABLE);

    private PlacementRules() {}

    /** The rule a spec names; {@link IllegalArgumentException} names the bad rule or parameter and what was expected. */
    public static PlacementRule create(PlacementSpec spec) {
        String where = "placement '" + spec + "'";
        List<MemoryTypeBin> bins = parseBins(spec.param("bins", ""), where);
        long lowestBin = bins.isEmpty() ? Long.MAX_VALUE : bins.get(0).base() - 1;
        String dm = spec.param("default-max", null);
        long defaultMax = dm == null ? lowestBin : parseNumber(dm, where, "default-max", "an inclusive address such as 0x7F4EBFFF");
        String entries = spec.param(MAP_ENTRIES_FREE, null);
        if (entries != null && !entries.matches("\\d{1,6}")) {
            throw new IllegalArgumentException(where + ": " + MAP_ENTRIES_FREE + "=" + entries
                    + ": expected a decimal count of free memory-map entries, e.g. 12");
        }
        checkAttributesTable(spec, where);
        switch (spec.name()) {
            case EDK2_TOPDOWN -> {
                checkKnown(spec, where, COMMON);
                return new Edk2TopDownRule(spec, bins, defaultMax);
            }
            case BOTTOM_UP -> {
                checkKnown(spec, where, COMMON);
                return new BottomUpRule(spec, bins, defaultMax);
            }
            case LOW_FIRST -> {
                checkKnown(spec, where, Set.of("bins", "default-max", "low-limit", MAP_ENTRIES_FREE,
                        MemoryAttributesTable.ENTRIES, MemoryAttributesTable.EXTRA, MemoryAttributesTable.TABLE));
                long low = parseNumber(spec.param("low-limit", "0xFFFFF"), where, "low-limit", "an inclusive address such as 0xFFFFF");
                return new LowFirstRule(new Edk2TopDownRule(spec, bins, defaultMax), low);
            }
            default -> throw new IllegalArgumentException(where + ": unknown placement rule '" + spec.name()
                    + "', expected one of " + EDK2_TOPDOWN + ", " + BOTTOM_UP + ", " + LOW_FIRST);
        }
    }

    private static void checkKnown(PlacementSpec spec, String where, Set<String> known) {
        for (String k : spec.params().keySet()) {
            if (!known.contains(k)) {
                throw new IllegalArgumentException(where + ": unknown parameter '" + k + "' for rule " + spec.name()
                        + ", expected " + new TreeSet<>(known));
            }
        }
    }

    /** {@code mat-entries}, {@code mat-extra}, {@code mat-table} ({@link MemoryAttributesTable}): counts and an address. */
    private static void checkAttributesTable(PlacementSpec spec, String where) {
        String entries = spec.param(MemoryAttributesTable.ENTRIES, null);
        String extra = spec.param(MemoryAttributesTable.EXTRA, null);
        String table = spec.param(MemoryAttributesTable.TABLE, null);
        if (entries == null && (extra != null || table != null)) {
            throw new IllegalArgumentException(where + ": " + MemoryAttributesTable.EXTRA + " and " + MemoryAttributesTable.TABLE
                    + " need " + MemoryAttributesTable.ENTRIES + " (the table's NumberOfEntries at entry)");
        }
        for (String[] p : new String[][] {{MemoryAttributesTable.ENTRIES, entries}, {MemoryAttributesTable.EXTRA, extra}}) {
            if (p[1] != null && !p[1].matches("\\d{1,4}")) {
                throw new IllegalArgumentException(where + ": " + p[0] + "=" + p[1] + ": expected a decimal count, e.g. 22");
            }
        }
        if (table != null) {
            long t = parseNumber(table, where, MemoryAttributesTable.TABLE, "the table's pool buffer address such as 0x7E537018");
            if ((t & 7) != 0 || t == 0) {
                throw new IllegalArgumentException(where + ": " + MemoryAttributesTable.TABLE + "=" + table
                        + ": expected a non-zero 8-byte aligned pool buffer address");
            }
        }
    }

    static List<MemoryTypeBin> parseBins(String text, String where) {
        List<MemoryTypeBin> bins = new ArrayList<>();
        if (text.isBlank()) {
            return bins;
        }
        for (String item : text.split(",")) {
            String s = item.trim();
            int at = s.indexOf('@');
            int plus = s.indexOf('+', at + 1);
            if (at <= 0 || plus < 0) {
                throw new IllegalArgumentException(where + ": parameter 'bins' item '" + s
                        + "': expected Type@base+pages, e.g. EfiRuntimeServicesData@0x7F4EC000+0x100");
            }
            MemoryType type;
            try {
                type = MemoryType.valueOf(s.substring(0, at));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + ": parameter 'bins' item '" + s + "': unknown memory type '"
                        + s.substring(0, at) + "', expected a spec name such as EfiACPIMemoryNVS", e);
            }
            long base = parseNumber(s.substring(at + 1, plus), where, "bins", "a 4 KiB-aligned base address");
            long pages = parseNumber(s.substring(plus + 1), where, "bins", "a page count");
            MemoryTypeBin bin;
            try {
                bin = new MemoryTypeBin(type, base, pages);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + ": parameter 'bins' item '" + s + "': " + e.getMessage(), e);
            }
            for (MemoryTypeBin other : bins) {
                if (other.type() == type || bin.base() <= other.maximumAddress() && other.base() <= bin.maximumAddress()) {
                    throw new IllegalArgumentException(where + ": parameter 'bins': " + bin + " clashes with " + other
                            + ", expected one bin per type and no overlaps");
                }
            }
            bins.add(bin);
        }
        bins.sort(Comparator.comparingLong(MemoryTypeBin::base));
        return List.copyOf(bins);
    }

    static long parseNumber(String text, String where, String param, String expected) {
        String t = text.trim().toLowerCase(Locale.ROOT).replace("_", "");
        try {
            long v = t.startsWith("0x") ? Long.parseUnsignedLong(t.substring(2), 16) : Long.parseUnsignedLong(t);
            if (v < 0) {
                throw new NumberFormatException("above 2^63");
            }
            return v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(where + ": parameter '" + param + "' value '" + text + "': expected "
                    + expected + " (0x-hexadecimal or decimal, below 2^63)", e);
        }
    }

    /** Memory-type statistics lookup shared by the rules: step 1 of EDK2 {@code FindFreePages}. */
    static long searchOwnBin(PlacementRule rule, FreeSpace space, long maxAddress, long pages, int memoryType, boolean topDown) {
        if (memoryType < 0 || memoryType >= MemoryType.MAX_MEMORY_TYPE) {
            return 0; // OEM/OS types have no statistics entry
        }
        MemoryTypeBin bin = rule.binOf(memoryType);
        long binMax = bin != null ? bin.maximumAddress() : rule.defaultMaximumAddress();
        long binBase = bin != null ? bin.base() : 0;
        if (maxAddress < binMax) {
            return 0;
        }
        return topDown ? space.findTopDown(binMax, binBase, pages) : space.findBottomUp(binMax, binBase, pages);
    }

    /** EDK2 {@code FindFreePages}. */
    record Edk2TopDownRule(PlacementSpec spec, List<MemoryTypeBin> bins, long defaultMaximumAddress) implements PlacementRule {
        @Override
        public long findFreePages(FreeSpace space, long maxAddress, long pages, int memoryType) {
            long start = searchOwnBin(this, space, maxAddress, pages, memoryType, true);
            if (start != 0) {
                return start;
            }
            if (maxAddress >= defaultMaximumAddress) {
                start = space.findTopDown(defaultMaximumAddress, 0, pages);
                if (start != 0) {
                    return start;
                }
            }
            return space.findTopDown(maxAddress, 0, pages);
        }
    }

    /** Lowest fit first, at the bottom of the range; the type's bin is still searched first. */
    record BottomUpRule(PlacementSpec spec, List<MemoryTypeBin> bins, long defaultMaximumAddress) implements PlacementRule {
        @Override
        public long findFreePages(FreeSpace space, long maxAddress, long pages, int memoryType) {
            long start = searchOwnBin(this, space, maxAddress, pages, memoryType, false);
            return start != 0 ? start : space.findBottomUp(maxAddress, 0, pages);
        }
    }

    /** Below {@code lowLimit} first (top-down there), then EDK2. */
    record LowFirstRule(Edk2TopDownRule edk2, long lowLimit) implements PlacementRule {
        @Override
        public PlacementSpec spec() {
            return edk2.spec();
        }

        @Override
        public List<MemoryTypeBin> bins() {
            return edk2.bins();
        }

        @Override
        public long defaultMaximumAddress() {
            return edk2.defaultMaximumAddress();
        }

        @Override
        public long findFreePages(FreeSpace space, long maxAddress, long pages, int memoryType) {
            long start = space.findTopDown(Math.min(maxAddress, lowLimit), 0, pages);
            return start != 0 ? start : edk2.findFreePages(space, maxAddress, pages, memoryType);
        }
    }
}
