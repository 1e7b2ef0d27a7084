package org.efiemu.earlyalloc.diff;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * Line-by-line comparison of what an application printed on real firmware and on efiemu: the first line where they
 * differ (or where one side has stopped printing) and a side-by-side rendering. Pure.
 */
public final class ConsoleDiff {
    /** Width of each side in {@link #sideBySide}. */
    public static final int COLUMN = 60;

    private ConsoleDiff() {
    }

    /** Index of the first line that differs (trailing blanks ignored), or that only one side printed; empty if none. */
    public static OptionalInt firstDivergence(List<String> real, List<String> emulated) {
        int n = Math.max(real.size(), emulated.size());
        for (int i = 0; i < n; i++) {
            if (i >= real.size() || i >= emulated.size() || !real.get(i).stripTrailing().equals(emulated.get(i).stripTrailing())) {
                return OptionalInt.of(i);
            }
        }
        return OptionalInt.empty();
    }

    /**
     * The lines side by side, {@code NNN real | emulated} with {@code =} between equal lines and {@code *} between
     * differing ones; at most {@code context} lines around the first divergence when there is one, else all.
     */
    public static List<String> sideBySide(List<String> real, List<String> emulated, int context) {
        OptionalInt d = firstDivergence(real, emulated);
        int n = Math.max(real.size(), emulated.size());
        int from = d.isPresent() ? Math.max(0, d.getAsInt() - context) : 0;
        int to = d.isPresent() ? Math.min(n, d.getAsInt() + context + 1) : n;
        List<String> out = new ArrayList<>();
        out.add(String.format("%4s %-" + COLUMN + "s   %s", "", "QEMU + OVMF", "efiemu"));
        if (from > 0) {
            out.add(String.format("%4s (%d equal lines before)", "", from));
        }
        for (int i = from; i < to; i++) {
            String r = i < real.size() ? real.get(i) : "";
            String e = i < emulated.size() ? emulated.get(i) : "";
            boolean same = i < real.size() && i < emulated.size() && r.stripTrailing().equals(e.stripTrailing());
            out.add(String.format("%4d %-" + COLUMN + "s %s %s", i + 1, fit(i < real.size() ? r : "(no line)"),
                    same ? "=" : "*", i < emulated.size() ? e : "(no line)"));
        }
        if (to < n) {
            out.add(String.format("%4s (%d more lines)", "", n - to));
        }
        return out;
    }

    private static String fit(String s) {
        return s.length() <= COLUMN ? s : s.substring(0, COLUMN - 1) + "~";
    }
}
