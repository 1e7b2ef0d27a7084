package org.efiemu.earlyalloc;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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

    /** The largest expectations file {@link #read(Path)} accepts. */
    public static final long MAX_FILE_BYTES = 16L << 20;

    private final Map<String, ExpectedVerdict> byKey;

    private ExpectedVerdicts(Map<String, ExpectedVerdict> byKey) {
        this.byKey = Map.copyOf(byKey);
    }

    /** The built-in expectations. */
    public static ExpectedVerdicts builtIn() {
        return parse(StrategyCatalog.resourceText(RESOURCE), "classpath:" + RESOURCE);
    }

    /**
     * Reads a user's expectations file (the built-in file's format), e.g. for {@code efiemu matrix --expected FILE}.
     *
     * @throws StrategyFormatException naming the file (and line) when it cannot be read or a line is malformed
     */
    public static ExpectedVerdicts read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new StrategyFormatException(file.toString(), 0, Files.exists(file)
                    ? "not a regular file; expected a text file of '<strategy> <platform> <PASS|WARN|FAIL> <reason>' lines"
                    : "no such file");
        }
        try {
            if (Files.size(file) > MAX_FILE_BYTES) {
                throw new StrategyFormatException(file.toString(), 0, "larger than " + MAX_FILE_BYTES
                        + " bytes; an expectations file has one short line per scenario");
            }
            byte[] bytes = Files.readAllBytes(file);
            String text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes)).toString();
            return parse(text, file.toString());
        } catch (CharacterCodingException e) {
            throw new StrategyFormatException(file.toString(), 0, "not UTF-8 text");
        } catch (IOException e) {
            throw new StrategyFormatException(file.toString(), 0, "cannot be read: " + e.getMessage());
        }
    }

    /**
     * These expectations, with {@code first}'s taking precedence for the pairs it names: a user's file layered over
     * the built-in one, so built-in pairs the user does not mention keep their expectation.
     */
    public ExpectedVerdicts overriddenBy(ExpectedVerdicts first) {
        Map<String, ExpectedVerdict> map = new LinkedHashMap<>(byKey);
        map.putAll(first.byKey);
        return new ExpectedVerdicts(map);
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
