package org.efiemu.platform.capture;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.efiemu.platform.PlatformProfile;
import org.efiemu.uefi.UefiMachine;
import org.efiemu.uefi.memory.PlacementRules;
import org.efiemu.uefi.spec.PlacementSpec;

/**
 * Infers how many free memory-map entries EDK2 had at application entry ({@code mFreeMemoryMapEntryList}, placement
 * parameter {@code map-entries-free}). No service reports that number; it shows only when the list runs dry and the
 * DXE core takes a BS_Data page for new entries, a page a later allocation then cannot have (QEMU pc 1G: right after
 * the probe's second page; q35 3G: during step 45). So the capture application's own run is replayed on efiemu with
 * 0, 1, 2, ... free entries, and the smallest count for which efiemu answers every captured step line as the firmware
 * did is taken (when none does: the one that reproduces the longest run of leading steps, and the profile says from
 * which step on it differs). The result is an inference and is recorded as one ({@code source: inferred:}).
 */
public final class MapEntryCalibration {

    /** Counts tried: 0..55; EDK2 refuels 56 entries a page, so the count at entry is below that unless many returned. */
    static final int LIMIT = 56;
    private static final Pattern STEP = Pattern.compile("(?m)^probe: (\\d{2,}) (.*)$");

    private MapEntryCalibration() {}

    /**
     * The result of a search: the count and the first captured step efiemu then answers differently (-1: none).
     *
     * @param count the smallest count whose run reproduces the most leading steps
     * @param firstDifference the first differing step number with that count, -1 when every step matches
     */
    public record Result(int count, int firstDifference) {}

    /**
     * The smallest count that reproduces every step of {@code steps} (step number to text); when none does, the
     * smallest count whose first difference comes latest.
     */
    public static Result calibrate(PlatformProfile profile, Map<Integer, String> steps) {
        Result best = null;
        for (int n = 0; n < LIMIT; n++) {
            int diff = firstDifference(run(withCount(profile, n)), steps);
            if (diff < 0) {
                return new Result(n, -1);
            }
            if (best == null || diff > best.firstDifference()) {
                best = new Result(n, diff);
            }
        }
        return best;
    }

    /** The first step of {@code steps} that {@code got} answers differently, -1 when none. */
    static int firstDifference(Map<Integer, String> got, Map<Integer, String> steps) {
        for (Map.Entry<Integer, String> e : new java.util.TreeMap<>(steps).entrySet()) {
            if (!e.getValue().equals(got.get(e.getKey()))) {
                return e.getKey();
            }
        }
        return -1;
    }

    /** {@code profile} with {@code map-entries-free=n} added to its placement. */
    public static PlatformProfile withCount(PlatformProfile profile, int n) {
        Map<String, String> params = new LinkedHashMap<>(profile.placement().params());
        params.put(PlacementRules.MAP_ENTRIES_FREE, Integer.toString(n));
        return profile.toBuilder().placement(new PlacementSpec(profile.placement().name(), params)).build();
    }

    /** The probe's step lines on efiemu with {@code p}, by step number. */
    static Map<Integer, String> run(PlatformProfile p) {
        String console;
        try (UefiMachine m = UefiMachine.builder(p.toDescription()).payload(ProbeImage.bytes(), "BOOTX64.EFI")
                .filePath("\\EFI\\BOOT\\BOOTX64.EFI").instructionBudget(2_000_000_000L).build()) {
            console = m.run().consoleText();
        }
        Map<Integer, String> out = new LinkedHashMap<>();
        Matcher m = STEP.matcher(console.replace("\r", ""));
        while (m.find()) {
            out.putIfAbsent(Integer.parseInt(m.group(1)), m.group(2));
        }
        return out;
    }
}
