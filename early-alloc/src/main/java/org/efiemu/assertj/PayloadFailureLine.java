package org.efiemu.assertj;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The line in which a payload reported its own failure, for quoting in assertion messages: the last console line
 * that says it failed ({@code @efiemu result fail ...}, or one with {@code fail}, {@code error}, {@code panic} or
 * {@code assert} as a word, as boot code prints before giving up).
 */
public final class PayloadFailureLine {
    private static final Pattern FAILURE_WORD = Pattern.compile("\\b(fail(ed|ure)?|error|panic|assert(ion)?)\\b");
    private static final int MAX_QUOTED = 300;

    private PayloadFailureLine() {
    }

    /** The last failure line of a console transcript, stripped and cut to a readable length, if there is one. */
    public static Optional<String> find(String console) {
        String[] lines = console.split("\r?\n|\r");
        for (int i = lines.length - 1; i >= 0; i--) {
            String line = lines[i].strip();
            if (!line.isEmpty() && FAILURE_WORD.matcher(line.toLowerCase(Locale.ROOT)).find()) {
                return Optional.of(line.length() > MAX_QUOTED ? line.substring(0, MAX_QUOTED) + "..." : line);
            }
        }
        return Optional.empty();
    }
}
