package org.efiemu.earlyalloc;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/**
 * A strategy's descriptor: the short {@code key: value} text that names an EFI payload and says what it does (format:
 * docs/strategies.md "Strategy descriptors").
 *
 * @param name        {@code [a-z0-9][a-z0-9-]*}, the strategy's name in reports
 * @param payload     {@code classpath:<resource>} or a file path (relative paths are resolved against the descriptor's
 *                    folder by {@link StrategyCatalog})
 * @param description one line: what the strategy does
 * @param seed        what the seed says about it (may be empty)
 * @param imageCost   what it costs in file size / SizeOfImage, as prose (may be empty)
 * @param source      where its source code lives (may be empty)
 * @param loadAddress where the image is loaded; empty = where the machine's firmware LoadImage puts it
 * @param origin      where the descriptor was read from (resource or file), for error messages
 */
public record StrategyDescriptor(String name, String payload, String description, String seed, String imageCost,
        String source, OptionalLong loadAddress, String origin) {

    /** Valid strategy names. */
    public static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]*");

    private static final List<String> KEYS = List.of("name", "payload", "description", "seed", "image-cost", "source",
            "load-address");

    public StrategyDescriptor {
        Objects.requireNonNull(name, "StrategyDescriptor.name");
        Objects.requireNonNull(payload, "StrategyDescriptor.payload");
        Objects.requireNonNull(description, "StrategyDescriptor.description");
        seed = seed == null ? "" : seed;
        imageCost = imageCost == null ? "" : imageCost;
        source = source == null ? "" : source;
        loadAddress = loadAddress == null ? OptionalLong.empty() : loadAddress;
        origin = origin == null ? "<unknown>" : origin;
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(origin + ": strategy name '" + name + "' must match " + NAME.pattern());
        }
    }

    /**
     * Parses a descriptor.
     *
     * @param text   the descriptor text
     * @param origin where it came from (named in errors)
     * @throws StrategyFormatException naming the origin, line and what was expected
     */
    public static StrategyDescriptor parse(String text, String origin) {
        Map<String, String> values = new LinkedHashMap<>();
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new StrategyFormatException(origin, i + 1, "expected 'key: value', got '" + line + "'");
            }
            String key = line.substring(0, colon).strip().toLowerCase(Locale.ROOT);
            String value = line.substring(colon + 1).strip();
            if (!KEYS.contains(key)) {
                throw new StrategyFormatException(origin, i + 1, "unknown key '" + key + "', expected one of " + KEYS);
            }
            if (values.putIfAbsent(key, value) != null) {
                throw new StrategyFormatException(origin, i + 1, "key '" + key + "' appears twice");
            }
        }
        for (String required : List.of("name", "payload", "description")) {
            if (values.getOrDefault(required, "").isEmpty()) {
                throw new StrategyFormatException(origin, 0, "required key '" + required + "' is missing or empty");
            }
        }
        String name = values.get("name");
        if (!NAME.matcher(name).matches()) {
            throw new StrategyFormatException(origin, 0, "name '" + name + "' must match " + NAME.pattern());
        }
        OptionalLong load = parseLoadAddress(values.getOrDefault("load-address", "firmware"), origin);
        return new StrategyDescriptor(name, values.get("payload"), values.get("description"), values.get("seed"),
                values.get("image-cost"), values.get("source"), load, origin);
    }

    /**
     * Reads a {@code load-address} value: {@code firmware}, a hex ({@code 0x100000}) or decimal number, or a size with
     * a {@code KiB}/{@code MiB}/{@code GiB} suffix ({@code 1MiB}). The address must be 4 KiB aligned (EDK2 loads images
     * at page granularity, {@code CoreLoadPeImage}).
     */
    public static OptionalLong parseLoadAddress(String value, String origin) {
        String v = value.strip();
        if (v.equalsIgnoreCase("firmware")) {
            return OptionalLong.empty();
        }
        long address;
        try {
            address = parseSize(v);
        } catch (NumberFormatException e) {
            throw new StrategyFormatException(origin, 0,
                    "load-address '" + value + "' is not 'firmware', a number (0x100000) or a size (1MiB)");
        }
        if ((address & 0xFFF) != 0) {
            throw new StrategyFormatException(origin, 0, "load-address '" + value + "' is not 4 KiB aligned");
        }
        return OptionalLong.of(address);
    }

    /** {@code 0x1000}, {@code 4096}, {@code 4KiB}, {@code 1MiB}, {@code 2GiB}. */
    static long parseSize(String v) {
        String s = v.strip();
        long unit = 1;
        for (String[] suffix : new String[][] {{"KiB", "1024"}, {"MiB", "1048576"}, {"GiB", "1073741824"}}) {
            if (s.regionMatches(true, s.length() - 3, suffix[0], 0, 3) && s.length() > 3) {
                unit = Long.parseLong(suffix[1]);
                s = s.substring(0, s.length() - 3).strip();
                break;
            }
        }
        long n = s.startsWith("0x") || s.startsWith("0X") ? Long.parseUnsignedLong(s.substring(2), 16) : Long.parseLong(s);
        if (n < 0) {
            throw new NumberFormatException(v);
        }
        return Math.multiplyExact(n, unit);
    }

    @Override
    public String toString() {
        return name + " (" + payload + (loadAddress.isPresent() ? ", load at 0x" + Long.toHexString(loadAddress.getAsLong()) : "") + ")";
    }

    // equals and hashCode as the record's own (component by component, 31 * h + each), written out: the record's are
    // made at run time by java.lang.runtime.ObjectMethods, whose method-handle trees (about ten classes spun per record,
    // with the JIT compiling the class writer) a short hunt's first scenario otherwise pays for (docs/performance.md,
    // "A short hunt's first second")
    @Override
    public boolean equals(Object other) {
        return other instanceof StrategyDescriptor o
                && Objects.equals(name, o.name)
                && Objects.equals(payload, o.payload)
                && Objects.equals(description, o.description)
                && Objects.equals(seed, o.seed)
                && Objects.equals(imageCost, o.imageCost)
                && Objects.equals(source, o.source)
                && Objects.equals(loadAddress, o.loadAddress)
                && Objects.equals(origin, o.origin);
    }

    @Override
    public int hashCode() {
        int h = 0;
        h = 31 * h + Objects.hashCode(name);
        h = 31 * h + Objects.hashCode(payload);
        h = 31 * h + Objects.hashCode(description);
        h = 31 * h + Objects.hashCode(seed);
        h = 31 * h + Objects.hashCode(imageCost);
        h = 31 * h + Objects.hashCode(source);
        h = 31 * h + Objects.hashCode(loadAddress);
        h = 31 * h + Objects.hashCode(origin);
        return h;
    }
}
