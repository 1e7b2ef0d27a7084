package org.efiemu.system.fidelity;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code probe: NN ...} step lines of the OVMF probe ({@code platforms/src/main/c/ovmf-probe}), by step number.
 * They depend only on the firmware's answers (statuses, addresses, sizes, MapKey same/changed), so real OVMF and
 * efiemu booted with the profile captured from it must print the same lines.
 */
record ProbeSteps(String source, Map<Integer, String> lines) {
    private static final Pattern STEP = Pattern.compile("^probe: (\\d{2,}) .*$", Pattern.MULTILINE);

    /** The step lines of {@code text} (a capture log, a steps file or efiemu's console); other lines are ignored. */
    static ProbeSteps parse(String source, String text) {
        Map<Integer, String> lines = new LinkedHashMap<>();
        Matcher m = STEP.matcher(text.replace("\r", ""));
        while (m.find()) {
            int step = Integer.parseInt(m.group(1));
            String previous = lines.putIfAbsent(step, m.group());
            if (previous != null) {
                throw new IllegalArgumentException(source + ": step " + step + " appears twice:\n  " + previous + "\n  " + m.group());
            }
        }
        if (lines.isEmpty()) {
            throw new IllegalArgumentException(source + ": no 'probe: NN' step lines (did the probe run?)");
        }
        return new ProbeSteps(source, Map.copyOf(lines));
    }

    /** One step where the two runs differ; a missing line is empty. */
    record Difference(int step, Optional<String> expected, Optional<String> actual) {
        @Override
        public String toString() {
            return String.format("step %02d%n  - %s%n  + %s", step, expected.orElse("(missing)"), actual.orElse("(missing)"));
        }
    }

    /** The steps whose lines differ between {@code expected} and {@code actual}, ascending. */
    static List<Difference> compare(ProbeSteps expected, ProbeSteps actual) {
        TreeSet<Integer> steps = new TreeSet<>(expected.lines().keySet());
        steps.addAll(actual.lines().keySet());
        List<Difference> out = new ArrayList<>();
        for (int s : steps) {
            Optional<String> e = Optional.ofNullable(expected.lines().get(s));
            Optional<String> a = Optional.ofNullable(actual.lines().get(s));
            if (!e.equals(a)) {
                out.add(new Difference(s, e, a));
            }
        }
        return out;
    }

    /** A readable diff: {@code -} lines from {@code expected}, {@code +} lines from {@code actual}. */
    static String describe(ProbeSteps expected, ProbeSteps actual, List<Difference> differences) {
        StringBuilder sb = new StringBuilder(String.format("%d step line%s differ (- %s, + %s):", differences.size(),
                differences.size() == 1 ? "" : "s", expected.source(), actual.source()));
        differences.forEach(d -> sb.append(System.lineSeparator()).append(d));
        return sb.toString();
    }
}
