package org.efiemu.earlyalloc.report;

import com.google.common.escape.Escaper;
import com.google.common.html.HtmlEscapers;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntToDoubleFunction;

/**
 * Inline SVG pictures of a platform's memory map, coloured by memory type and owner (CSS classes {@code o-FIRMWARE},
 * {@code t-EfiBootServicesData}, ...), with one hidden overlay group per scenario ({@code <g class="ov" data-s="s3">})
 * that marks its allocations, map buffer, trampoline and violations; the page script shows the selected one.
 *
 * <ul>
 *   <li>{@link #lowMemory}: the first 1 MiB at a linear scale (where the real-mode trampoline and {@code mem_lower}
 *       live; 4 KiB is about 4.5 px).</li>
 *   <li>{@link #wholeMap}: every descriptor, each as wide as {@code 6 + 7·log2(pages+1)} px, wrapped into rows, so a
 *       one-page descriptor stays visible next to 64 GiB of RAM; holes (no descriptor) are short dashed gaps.</li>
 * </ul>
 * All text is HTML-escaped; coordinates are formatted with {@link Locale#ROOT}, so output is byte-identical.
 */
final class MemoryMapSvg {
    static final double WIDTH = 1160;
    private static final double LEFT = 10;
    private static final double INNER = WIDTH - 2 * LEFT;
    private static final long ONE_MIB = 0x10_0000;
    /** Advance of one character of the 11 px monospace labels (DejaVu Sans Mono: 0.602 em). */
    private static final double CHAR = 6.7;
    private static final double LANE = 16;
    /** Marker label lanes above each row of the whole map. */
    private static final int WHOLE_LANES = 3;
    /** Distance from the bottom of the low-memory bar to the first marker label lane (below the axis labels). */
    private static final double LABELS = 42;
    private static final Escaper ESC = HtmlEscapers.htmlEscaper();

    private MemoryMapSvg() {
    }

    /** The low 1 MiB, linear. {@code overlays}: DOM id of a scenario on this platform -> scenario, in page order. */
    static String lowMemory(PlatformReport platform, Map<String, ScenarioReport> overlays) {
        double barY = 6;
        double barH = 44;
        double scale = INNER / ONE_MIB;
        int lanes = 1;
        StringBuilder overlaySvg = new StringBuilder();
        for (Map.Entry<String, ScenarioReport> e : overlays.entrySet()) {
            Lanes l = new Lanes(8);
            StringBuilder g = new StringBuilder();
            List<Marker> markers = low(Marker.of(e.getValue()));
            IntToDoubleFunction from = i -> labelX(LEFT + markers.get(i).start() * scale, markers.get(i));
            int[] placed = Marker.placeLabels(markers, from, i -> from.applyAsDouble(i) + labelWidth(markers.get(i)), i -> l);
            for (int i = 0; i < markers.size(); i++) {
                Marker m = markers.get(i);
                double x = LEFT + m.start() * scale;
                double w = Math.max(2, Math.min(m.length(), ONE_MIB - m.start()) * scale);
                g.append("<g class=\"m m-").append(m.kind().css).append("\"><title>").append(ESC.escape(m.tooltip())).append("</title>");
                g.append(rect(x, barY - 3, w, barH + 6, "span"));
                if (placed[i] >= 0) {
                    double ly = barY + barH + LABELS + placed[i] * LANE;
                    g.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>",
                            x + w / 2, barY + barH + 3, x + w / 2, ly - 10));
                    g.append(text(labelX(x, m), ly, m.label(), "ml"));
                }
                g.append("</g>");
            }
            lanes = Math.max(lanes, l.used());
            overlaySvg.append("<g class=\"ov\" data-s=\"").append(ESC.escape(e.getKey())).append("\">").append(g).append("</g>");
        }
        double height = barY + barH + LABELS + lanes * LANE;
        StringBuilder svg = open("low", height, "Memory below 1 MiB of " + platform.name());
        svg.append(rect(LEFT, barY, INNER, barH, "hole"));
        for (MapRegion r : platform.memoryMap()) {
            if (Long.compareUnsigned(r.start(), ONE_MIB) >= 0) {
                continue;
            }
            double x = LEFT + r.start() * scale;
            double w = Math.max(1, (Math.min(r.end(), ONE_MIB) - r.start()) * scale);
            svg.append(region(r, x, barY, w, barH));
            String name = shortName(r.type());
            if (w > name.length() * CHAR + 10) {
                svg.append(text(x + 5, barY + barH / 2 + 4, name, "rl"));
            }
        }
        for (long a = 0; a <= ONE_MIB; a += 0x1_0000) {
            double x = LEFT + a * scale;
            boolean major = a % 0x2_0000 == 0 || a == 0xA_0000;
            svg.append(String.format(Locale.ROOT, "<line class=\"tick\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>",
                    x, barY + barH, x, barY + barH + (major ? 7 : 4)));
            if (major) {
                String label = a == 0xA_0000 ? "0xA0000 (640 KiB)" : Hex.of(a);
                double lx = Math.max(LEFT, Math.min(x - label.length() * CHAR / 2, WIDTH - LEFT - label.length() * CHAR));
                svg.append(text(lx, barY + barH + 19, label, a == 0xA_0000 ? "ax ax-k" : "ax"));
            }
        }
        return svg.append(overlaySvg).append("</svg>").toString();
    }

    private static double labelWidth(Marker m) {
        return m.label().length() * CHAR + 8;
    }

    /** Labels start at their marker, moved left where they would run off the right edge. */
    private static double labelX(double x, Marker m) {
        return Math.max(LEFT, Math.min(x, WIDTH - LEFT - labelWidth(m)));
    }

    private static List<Marker> low(List<Marker> markers) {
        return markers.stream().filter(m -> Long.compareUnsigned(m.start(), ONE_MIB) < 0).toList();
    }

    /** One slot of the whole-map picture: a descriptor, or a hole when {@code region} is null. */
    private record Segment(long start, long end, MapRegion region, int row, double x, double w) {
        boolean contains(long a) {
            return Long.compareUnsigned(a, start) >= 0 && Long.compareUnsigned(a, end) < 0;
        }
    }

    /** Every descriptor at a compressed (logarithmic) width, wrapped into rows; holes as gaps. */
    static String wholeMap(PlatformReport platform, Map<String, ScenarioReport> overlays) {
        List<Segment> segments = layout(platform.memoryMap());
        int rows = segments.isEmpty() ? 1 : segments.get(segments.size() - 1).row() + 1;
        double topLanes = WHOLE_LANES * LANE + 2;
        double barH = 30;
        double rowH = topLanes + barH + 24;
        StringBuilder svg = open("whole", rows * rowH, "Whole memory map of " + platform.name());
        List<Double> lastLabelEnd = new ArrayList<>();
        for (int i = 0; i < rows; i++) {
            lastLabelEnd.add(-1e9);
        }
        for (Segment s : segments) {
            double y = s.row() * rowH + topLanes;
            if (s.region() == null) {
                svg.append(String.format(Locale.ROOT, "<g class=\"gap\"><title>%s</title><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/></g>",
                        ESC.escape("hole " + Hex.of(s.start()) + "-" + Hex.of(s.end() - 1) + " (no descriptor)"),
                        s.x() + 1, y + barH / 2, s.x() + s.w() - 1, y + barH / 2));
            } else {
                svg.append(region(s.region(), s.x(), y, Math.max(1, s.w() - 1), barH));
            }
            String label = Hex.of(s.start());
            if (s.x() >= lastLabelEnd.get(s.row()) + 6 && s.x() + label.length() * CHAR <= WIDTH) {
                svg.append(String.format(Locale.ROOT, "<line class=\"tick\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>",
                        s.x(), y + barH, s.x(), y + barH + 5));
                svg.append(text(s.x(), y + barH + 16, label, "ax"));
                lastLabelEnd.set(s.row(), s.x() + label.length() * CHAR);
            }
        }
        for (Map.Entry<String, ScenarioReport> e : overlays.entrySet()) {
            svg.append("<g class=\"ov\" data-s=\"").append(ESC.escape(e.getKey())).append("\">");
            List<Lanes> lanes = new ArrayList<>();
            for (int i = 0; i < rows; i++) {
                lanes.add(new Lanes(WHOLE_LANES));
            }
            List<Marker> markers = new ArrayList<>();
            List<Segment> at = new ArrayList<>();
            for (Marker m : Marker.of(e.getValue())) {
                segments.stream().filter(seg -> seg.contains(m.start())).findFirst().ifPresent(seg -> {
                    markers.add(m);
                    at.add(seg);
                });
            }
            double[] xs = new double[markers.size()];
            double[] ws = new double[markers.size()];
            for (int i = 0; i < markers.size(); i++) {
                Segment s = at.get(i);
                Marker m = markers.get(i);
                double segBytes = (double) (s.end() - s.start());
                xs[i] = s.x() + (m.start() - s.start()) / segBytes * s.w();
                ws[i] = Math.max(3, Math.min(m.length(), s.end() - m.start()) / segBytes * s.w());
            }
            IntToDoubleFunction from = i -> labelX(xs[i], markers.get(i));
            int[] placed = Marker.placeLabels(markers, from, i -> from.applyAsDouble(i) + labelWidth(markers.get(i)),
                    i -> lanes.get(at.get(i).row()));
            for (int i = 0; i < markers.size(); i++) {
                Marker m = markers.get(i);
                double y = at.get(i).row() * rowH + topLanes;
                svg.append("<g class=\"m m-").append(m.kind().css).append("\"><title>").append(ESC.escape(m.tooltip())).append("</title>");
                svg.append(rect(xs[i], y - 3, ws[i], barH + 6, "span"));
                if (placed[i] >= 0) {
                    svg.append(text(labelX(xs[i], m), y - 7 - placed[i] * LANE, m.label(), "ml"));
                }
                svg.append("</g>");
            }
            svg.append("</g>");
        }
        return svg.append("</svg>").toString();
    }

    private static List<Segment> layout(List<MapRegion> map) {
        List<long[]> spans = new ArrayList<>();
        List<MapRegion> owners = new ArrayList<>();
        long cursor = 0;
        for (MapRegion r : map.stream().sorted(Comparator.comparing(MapRegion::start, Long::compareUnsigned)).toList()) {
            if (Long.compareUnsigned(r.start(), cursor) > 0) {
                spans.add(new long[] {cursor, r.start()});
                owners.add(null);
            }
            spans.add(new long[] {r.start(), r.end()});
            owners.add(r);
            cursor = r.end();
        }
        List<Segment> segments = new ArrayList<>();
        int row = 0;
        double x = LEFT;
        for (int i = 0; i < spans.size(); i++) {
            long pages = Math.max(1, (spans.get(i)[1] - spans.get(i)[0]) / MapRegion.PAGE_SIZE);
            double log = Math.log(pages + 1.0) / Math.log(2);
            double w = owners.get(i) == null ? Math.min(40, 10 + 1.5 * log) : 6 + 7 * log;
            if (x + w > WIDTH - LEFT && x > LEFT) {
                row++;
                x = LEFT;
            }
            segments.add(new Segment(spans.get(i)[0], spans.get(i)[1], owners.get(i), row, x, w));
            x += w;
        }
        return segments;
    }

    private static StringBuilder open(String kind, double height, String label) {
        return new StringBuilder(String.format(Locale.ROOT,
                "<svg class=\"map map-%s\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" aria-label=\"%s\">",
                kind, WIDTH, Math.ceil(height), ESC.escape(label)));
    }

    private static String region(MapRegion r, double x, double y, double w, double h) {
        String tip = r.type() + " " + Hex.of(r.start()) + "-" + Hex.of(r.end() - 1) + " (" + r.pages() + " pages, "
                + sizeText(r.size()) + ", attr " + Hex.of(r.attribute()) + ", " + r.owner() + ")";
        return "<g class=\"r " + typeClasses(r.type(), r.owner()) + "\"><title>" + ESC.escape(tip) + "</title>"
                + rect(x, y, w, h, null) + "</g>";
    }

    /** CSS classes for a memory type: owner family first, then the type (only letters and digits kept). */
    static String typeClasses(String type, OwnerKind owner) {
        return "o-" + owner + " t-" + type.replaceAll("[^A-Za-z0-9]", "_");
    }

    private static String rect(double x, double y, double w, double h, String cssClass) {
        return String.format(Locale.ROOT, "<rect%s x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>",
                cssClass == null ? "" : " class=\"" + cssClass + "\"", x, y, w, h);
    }

    private static String text(double x, double y, String s, String cssClass) {
        return String.format(Locale.ROOT, "<text class=\"%s\" x=\"%.1f\" y=\"%.1f\">%s</text>", cssClass, x, y, ESC.escape(s));
    }

    /** {@code EfiBootServicesData} -> {@code BootServicesData}. */
    static String shortName(String type) {
        return type.startsWith("Efi") ? type.substring(3) : type;
    }

    /** 4096 -> "4 KiB", 0x2000_0000 -> "512 MiB"; exact binary units when possible, else bytes. */
    static String sizeText(long bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        int u = 0;
        long v = bytes;
        while (u < units.length - 1 && v >= 1024 && v % 1024 == 0) {
            v /= 1024;
            u++;
        }
        return v + " " + units[u];
    }
}
