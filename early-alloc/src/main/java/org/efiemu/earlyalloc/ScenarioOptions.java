package org.efiemu.earlyalloc;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;

/**
 * How a scenario varies the defaults.
 *
 * @param loadAddress       load the image here instead of the descriptor's {@code load-address} (empty = descriptor's)
 * @param extraMapEntries   grow the machine's memory map by this many descriptors ({@link MapGrowth}), to see whether a
 *                          strategy's map buffer keeps up with fragmented firmware maps
 * @param instructionBudget instructions before the run is stopped as runaway (deterministic)
 */
public record ScenarioOptions(OptionalLong loadAddress, int extraMapEntries, long instructionBudget) {

    /** Default instruction budget: far above what a strategy payload needs (a few million). */
    public static final long DEFAULT_BUDGET = 200_000_000L;

    public ScenarioOptions {
        loadAddress = loadAddress == null ? OptionalLong.empty() : loadAddress;
        if (extraMapEntries < 0 || extraMapEntries > 100_000) {
            throw new IllegalArgumentException("extra map entries must be 0..100000, got " + extraMapEntries);
        }
        if (instructionBudget <= 0) {
            throw new IllegalArgumentException("instruction budget must be > 0, got " + instructionBudget);
        }
    }

    /** The defaults: descriptor's load address, the platform's map as it is. */
    public static ScenarioOptions defaults() {
        return new ScenarioOptions(OptionalLong.empty(), 0, DEFAULT_BUDGET);
    }

    public ScenarioOptions withLoadAddress(long address) {
        return new ScenarioOptions(OptionalLong.of(address), extraMapEntries, instructionBudget);
    }

    public ScenarioOptions withExtraMapEntries(int n) {
        return new ScenarioOptions(loadAddress, n, instructionBudget);
    }

    /** The options that differ from the defaults, as report options ({@code load-address=0x100000}). */
    public Map<String, String> asReportOptions() {
        Map<String, String> m = new LinkedHashMap<>();
        loadAddress.ifPresent(a -> m.put("load-address", "0x" + Long.toHexString(a).toUpperCase(java.util.Locale.ROOT)));
        if (extraMapEntries > 0) {
            m.put("extra-map-entries", Integer.toString(extraMapEntries));
        }
        return m;
    }
}
