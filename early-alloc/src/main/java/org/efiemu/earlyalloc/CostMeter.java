package org.efiemu.earlyalloc;

import org.efiemu.earlyalloc.PayloadLines.Region;
import org.efiemu.earlyalloc.report.Costs;

/**
 * What a strategy costs in one run: bytes its payload file has beyond a baseline payload (the same boot flow with no
 * allocator in the image), memory it holds but left unused after init (the unused part of a pool or init-bss area
 * inside memory it owns, minus what it gave back), and the firmware calls the payload made (from the trace).
 *
 * @param baselineFileSize file size of the baseline payload in bytes
 */
public record CostMeter(long baselineFileSize) {

    /** Built-in baseline: {@code efi-pool}, which keeps nothing in its image (docs/strategies.md, 12 KiB). */
    public static CostMeter builtIn() {
        return new CostMeter(StrategyCatalog.builtIn("efi-pool").fileSize());
    }

    /** Bytes the strategy's payload adds to the file, compared with the baseline. */
    public long imageBytes(Strategy s) {
        return Math.max(0, s.fileSize() - baselineFileSize);
    }

    Costs measure(Strategy s, Observation o, PayloadLines lines, StrategyMemory memory) {
        long unused = 0;
        for (Region c : lines.regions()) {
            if (!VerdictEngine.isContainer(c) || !SanitizerRules.owned(o, memory, c)) {
                continue;
            }
            long used = 0;
            for (Region r : lines.regions()) {
                boolean inside = r != c && !VerdictEngine.isContainer(r) && !r.label().equals("trampoline")
                        && Long.compareUnsigned(r.base(), c.base()) >= 0 && Long.compareUnsigned(r.end(), c.end()) <= 0;
                if (inside) {
                    used += r.size();
                }
            }
            unused += Math.max(0, c.size() - used);
        }
        long calls = o.calls().stream().filter(ObservedCall::fromImage).count();
        return new Costs(imageBytes(s), unused, calls);
    }
}
