package org.efiemu.earlyalloc;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One part of a stable split of the matrix's scenarios for CI machines: shard {@code index} of {@code count} (1-based)
 * holds the scenarios whose position in the matrix order ({@link MatrixRunner#cross}) is {@code index - 1} modulo
 * {@code count}. The same selection always gives the same split, every scenario is in exactly one shard and shard sizes
 * differ by at most one.
 */
public record Shard(int index, int count) {
    private static final Pattern FORM = Pattern.compile("(\\d{1,6})/(\\d{1,6})");

    public Shard {
        if (count < 1 || index < 1 || index > count) {
            throw new IllegalArgumentException("shard " + index + "/" + count + ": expected I/N with 1 <= I <= N");
        }
    }

    /** {@code "2/4"}. */
    public static Shard parse(String text) {
        Matcher m = FORM.matcher(text.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("--shard '" + text + "': expected I/N, e.g. 2/4 (the second of four shards)");
        }
        return new Shard(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
    }

    /** The scenarios of this shard, in their order. */
    public <T> List<T> select(List<T> scenarios) {
        List<T> out = new ArrayList<>();
        for (int i = index - 1; i < scenarios.size(); i += count) {
            out.add(scenarios.get(i));
        }
        return out;
    }

    @Override
    public String toString() {
        return index + "/" + count;
    }
}
