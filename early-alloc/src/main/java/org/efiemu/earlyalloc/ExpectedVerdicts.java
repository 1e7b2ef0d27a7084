package org.efiemu.earlyalloc;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.efiemu.earlyalloc.report.ExpectedVerdict;
import org.efiemu.earlyalloc.report.Verdict;

/**
 * The expected verdict of each (strategy, platform) pair: {@code strategies/expected-verdicts.txt}, lines
 * {@code <strategy> <platform> <PASS|WARN|FAIL> <reason>}, {@code #} comments. Immutable.
 */
public final class ExpectedVerdicts {
    /** The built-in file's resource path. */
    public static final String RESOURCE = StrategyCatalog.RESOURCE_DIR + "expected-verdicts.txt";

    private final Map<String, ExpectedVerdict> byKey;

    private ExpectedVerdicts(Map<String, ExpectedVerdict> byKey) {
        this.byKey = Map.copyOf(byKey);
    }

    /** The built-in expectations. */
    public static ExpectedVerdicts builtIn() {
        return parse(StrategyCatalog.resourceText(RESOURCE), "classpath:" + RESOURCE);
    }

    /** No expectations (every lookup is empty). */
    public static ExpectedVerdicts none() {
        return new ExpectedVerdicts(Map.of());
    }

    /**
     * Parses the file format.
     *
     * @throws StrategyFormatException naming origin and line for a malformed line or a duplicate pair
     */
    public static ExpectedVerdicts parse(String text, String origin) {
        Map<String, ExpectedVerdict> map = new LinkedHashMap<>();
        String[] lines = text.split("\r?\n");
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] parts = line.split("\\s+", 4);
            if (parts.length < 4) {
                throw new StrategyFormatException(origin, i + 1, "expected '<strategy> <platform> <PASS|WARN|FAIL> <reason>'");
            }
            Verdict v;
            try {
                v = Verdict.valueOf(parts[2]);
            } catch (IllegalArgumentException e) {
                throw new StrategyFormatException(origin, i + 1, "verdict '" + parts[2] + "' is not PASS, WARN or FAIL");
            }
            if (map.put(key(parts[0], parts[1]), new ExpectedVerdict(v, parts[3])) != null) {
                throw new StrategyFormatException(origin, i + 1, "pair " + parts[0] + " on " + parts[1] + " appears twice");
            }
        }
        return new ExpectedVerdicts(map);
    }

    /** The expectation for a strategy on a platform, if the file has one. */
    public Optional<ExpectedVerdict> lookup(String strategy, String platform) {
        return Optional.ofNullable(byKey.get(key(strategy, platform)));
    }

    /** Number of pairs. */
    public int size() {
        return byKey.size();
    }

    private static String key(String strategy, String platform) {
        return strategy + " " + platform;
    }
}
