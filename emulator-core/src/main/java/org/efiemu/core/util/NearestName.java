package org.efiemu.core.util;

import java.util.Optional;

/**
 * The known name nearest to a mistyped one (fewest single-character insertions, deletions and substitutions, a name
 * the typed text begins counting as one edit; case ignored; the first of equally near names wins), for "did you mean"
 * in error messages. A name more than half the typed length (at least 2) edits away is no suggestion.
 */
public final class NearestName {
    private NearestName() {
    }

    /** The nearest of {@code known} to {@code typed}, or empty when none is near enough. */
    public static Optional<String> of(String typed, Iterable<String> known) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        String t = typed.toLowerCase(java.util.Locale.ROOT);
        for (String k : known) {
            String l = k.toLowerCase(java.util.Locale.ROOT);
            int d = !t.isEmpty() && l.startsWith(t) ? 1 : distance(t, l);
            if (d < bestDistance) {
                best = k;
                bestDistance = d;
            }
        }
        return best != null && bestDistance <= Math.max(2, t.length() / 2) ? Optional.of(best) : Optional.empty();
    }

    /** {@code "; did you mean 'x'?"}, or "" when no known name is near. */
    public static String hint(String typed, Iterable<String> known) {
        return of(typed, known).map(n -> "; did you mean '" + n + "'?").orElse("");
    }

    /** Levenshtein distance between {@code a} and {@code b}. */
    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitute = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(substitute, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] swap = prev;
            prev = cur;
            cur = swap;
        }
        return prev[b.length()];
    }
}
