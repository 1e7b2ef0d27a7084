package org.efiemu.uefi.debug;

import java.util.Collection;
import java.util.Locale;
import java.util.Optional;

/** The known name nearest to a mistyped one (edit distance, case-insensitive), for one-line errors. */
public final class Nearest {
    private Nearest() {}

    /** The candidate closest to {@code typed}, if one is within half the typed length (at least 2) edits. */
    public static Optional<String> to(String typed, Collection<String> candidates) {
        String t = typed.toLowerCase(Locale.ROOT);
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String c : candidates) {
            String l = c.toLowerCase(Locale.ROOT);
            int d = l.startsWith(t) && !t.isEmpty() ? 1 : distance(t, l);
            if (d < bestDistance) {
                bestDistance = d;
                best = c;
            }
        }
        return best != null && bestDistance <= Math.max(2, t.length() / 2) ? Optional.of(best) : Optional.empty();
    }

    /** {@code "; did you mean 'x'?"} or an empty string. */
    public static String hint(String typed, Collection<String> candidates) {
        return to(typed, candidates).map(n -> "; did you mean '" + n + "'?").orElse("");
    }

    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] x = prev;
            prev = cur;
            cur = x;
        }
        return prev[b.length()];
    }
}
