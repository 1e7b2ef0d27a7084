package org.efiemu.earlyalloc;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The payload's {@code @efiemu ...} report lines (docs/strategies.md "Report lines"), read from its console text.
 * They only NAME ranges and outcomes; the verdict engine cross-checks every one against what the emulator observed.
 *
 * @param strategy   the {@code @efiemu strategy} name (empty if absent)
 * @param regions    the {@code @efiemu region} lines in order
 * @param info       the {@code @efiemu info key=value} facts
 * @param trampoline the {@code @efiemu trampoline} line, if printed
 * @param result     {@code ok}, {@code fail <reason> ...}, or empty when the payload never said
 * @param done       true when {@code @efiemu done} was printed
 */
public record PayloadLines(String strategy, List<Region> regions, Map<String, String> info,
        Optional<TrampolineLine> trampoline, String result, boolean done) {

    /**
     * {@code @efiemu region <label> 0x<base> 0x<size>}.
     *
     * @param sequence trace sequence of the console call that printed the line ({@code Long.MAX_VALUE} when it was
     *                 not printed through a traced console call, e.g. on COM1 after ExitBootServices)
     */
    public record Region(String label, long base, long size, long sequence) {
        public long end() {
            return base + size;
        }

        public boolean overlaps(long start, long length) {
            return Long.compareUnsigned(base, start + length) < 0 && Long.compareUnsigned(start, end()) < 0;
        }

        @Override
        public String toString() {
            return label + " 0x" + Long.toHexString(base) + "+0x" + Long.toHexString(size);
        }
    }

    /** {@code @efiemu trampoline 0x<addr> source=<allocate|fallback>}. */
    public record TrampolineLine(long address, String source) {}

    private static final String PREFIX = "@efiemu ";
    private static final Pattern REGION = Pattern.compile("region (\\S+) 0x([0-9a-fA-F]+) 0x([0-9a-fA-F]+)");
    private static final Pattern TRAMPOLINE = Pattern.compile("trampoline 0x([0-9a-fA-F]+) source=(\\S+)");

    public PayloadLines {
        regions = List.copyOf(regions);
        info = Map.copyOf(info);
    }

    /** Reads the lines from console text (other text is ignored; a line may end in {@code \r\n}). */
    public static PayloadLines parse(String console) {
        String strategy = "";
        List<Region> regions = new ArrayList<>();
        Map<String, String> info = new LinkedHashMap<>();
        TrampolineLine trampoline = null;
        String result = "";
        boolean done = false;
        // only the lines holding the prefix can be report lines: find those without splitting the whole text
        for (int pos = console.indexOf(PREFIX); pos >= 0; ) {
            int lineStart = console.lastIndexOf('\n', pos) + 1;
            int lineEnd = console.indexOf('\n', pos);
            if (lineEnd < 0) {
                lineEnd = console.length();
            }
            pos = lineEnd < console.length() ? console.indexOf(PREFIX, lineEnd + 1) : -1;
            String line = console.substring(lineStart, lineEnd).strip();
            int at = line.indexOf(PREFIX);
            if (at < 0) {
                continue;
            }
            String body = line.substring(at + PREFIX.length()).strip();
            Matcher m;
            if (body.startsWith("strategy ")) {
                strategy = body.substring("strategy ".length()).strip();
            } else if ((m = REGION.matcher(body)).matches()) {
                regions.add(new Region(m.group(1), Long.parseUnsignedLong(m.group(2), 16), Long.parseUnsignedLong(m.group(3), 16),
                        Long.MAX_VALUE));
            } else if (body.startsWith("info ")) {
                String kv = body.substring("info ".length()).strip();
                int eq = kv.indexOf('=');
                if (eq > 0) {
                    info.put(kv.substring(0, eq), kv.substring(eq + 1));
                }
            } else if ((m = TRAMPOLINE.matcher(body)).matches()) {
                trampoline = new TrampolineLine(Long.parseUnsignedLong(m.group(1), 16), m.group(2));
            } else if (body.startsWith("result ")) {
                result = body.substring("result ".length()).strip();
            } else if (body.equals("done")) {
                done = true;
            }
        }
        return new PayloadLines(strategy, regions, info, Optional.ofNullable(trampoline), result, done);
    }

    /**
     * Reads the lines from an observation's console and dates each region line by the traced
     * {@code ConOut.OutputString} call that printed it, so ownership can be judged at the time the range was named.
     */
    public static PayloadLines parse(Observation o) {
        PayloadLines p = parse(o.console());
        if (p.regions.isEmpty()) {
            return p;
        }
        List<ObservedCall> prints = new ArrayList<>();
        for (ObservedCall c : o.calls()) {
            if (c.service().endsWith(".OutputString")) {
                prints.add(c);
            }
        }
        List<Region> dated = new ArrayList<>(p.regions.size());
        for (Region r : p.regions) {
            String text = "@efiemu region " + r.label() + " 0x" + Long.toHexString(r.base()) + " ";
            dated.add(new Region(r.label(), r.base(), r.size(), firstPrinting(prints, text)));
        }
        return new PayloadLines(p.strategy, dated, p.info, p.trampoline, p.result, p.done);
    }

    /** The sequence of the first print one of whose arguments holds {@code text}, else {@code Long.MAX_VALUE}. */
    private static long firstPrinting(List<ObservedCall> prints, String text) {
        for (ObservedCall c : prints) {
            for (String a : c.arguments()) {
                if (a.contains(text)) {
                    return c.sequence();
                }
            }
        }
        return Long.MAX_VALUE;
    }

    /** The last region with this label. */
    public Optional<Region> region(String label) {
        Optional<Region> found = Optional.empty();
        for (Region r : regions) {
            if (r.label().equals(label)) {
                found = Optional.of(r);
            }
        }
        return found;
    }

    /** True when the payload reported {@code result ok}. */
    public boolean resultOk() {
        return result.equals("ok");
    }
}
