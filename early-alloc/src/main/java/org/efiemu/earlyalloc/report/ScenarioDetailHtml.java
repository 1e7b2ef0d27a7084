package org.efiemu.earlyalloc.report;

import com.google.common.escape.Escaper;
import com.google.common.html.HtmlEscapers;
import java.util.List;

/**
 * The evidence of one scenario: a panel in {@code index.html} (hidden until its matrix cell is selected) and the body of
 * the scenario's own page ({@link ScenarioPageHtml}), which also carries the final memory map.
 */
final class ScenarioDetailHtml {
    private static final Escaper ESC = HtmlEscapers.htmlEscaper();

    private ScenarioDetailHtml() {
    }

    /** The panel in {@code index.html}; {@code page} is the scenario's own page (relative link). */
    static void append(StringBuilder h, ScenarioReport s, String domId, String platformDomId, String page) {
        h.append("<article class=\"scenario v-").append(s.observed()).append("\" id=\"").append(domId).append("\" data-id=\"")
                .append(ESC.escape(s.id())).append("\" data-platform=\"").append(platformDomId).append("\" hidden>\n");
        body(h, s, false);
        h.append("<p class=\"more\"><a href=\"").append(ESC.escape(page)).append("\">This scenario's own page</a> ")
                .append("(final memory map with ").append(s.finalMemoryMap().size()).append(" descriptors; no script needed)</p>\n");
        h.append("<div class=\"smaps\"></div>\n</article>\n");
    }

    /** The evidence: head, expectation, reasons, violations, allocations, costs, trace, console, optionally the final map. */
    static void body(StringBuilder h, ScenarioReport s, boolean finalMap) {
        h.append("<div class=\"shead\"><span class=\"badge v-").append(s.observed()).append("\">").append(s.observed())
                .append("</span><h2>").append(ESC.escape(s.platform())).append(" <span class=\"dim\">/</span> ")
                .append(ESC.escape(s.strategy())).append("</h2>");
        if (!s.options().isEmpty()) {
            h.append("<span class=\"opt\">").append(ESC.escape(s.optionsText())).append("</span>");
        }
        if (!finalMap) {
            h.append("<button type=\"button\" class=\"close\" title=\"Close\">×</button>");
        }
        h.append("</div>\n");
        h.append("<p class=\"expect").append(s.matchesExpected() ? " ok" : " bad").append("\">")
                .append(s.matchesExpected() ? "As expected" : "<b>Not as expected</b>: expected " + s.expected().verdict())
                .append(" — ").append(ESC.escape(s.expected().reason())).append("</p>\n");
        h.append("<pre class=\"cmd\">").append(ESC.escape(Commands.reproduce(s))).append("   <span class=\"dim\"># reproduce</span>\n")
                .append(ESC.escape(Commands.debug(s))).append("   <span class=\"dim\"># debug</span></pre>\n");
        h.append("<div class=\"cols\">\n<div>\n<h3>Reasons</h3>\n");
        if (s.reasons().isEmpty()) {
            h.append("<p class=\"dim\">No problem observed.</p>\n");
        }
        for (Reason r : s.reasons()) {
            h.append("<div class=\"reason k-").append(r.kind()).append("\"><div class=\"rk\" title=\"")
                    .append(ESC.escape(r.kind().explanation())).append("\">").append(ESC.escape(r.kind().title()))
                    .append("</div><div class=\"rm\">").append(ESC.escape(r.message())).append("</div>");
            evidence(h, r.evidence());
            h.append("</div>\n");
        }
        if (!s.violations().isEmpty()) {
            h.append("<h3>Violations</h3>\n<table class=\"grid\"><tr><th>kind</th><th>RIP</th><th>address</th><th>length</th><th>owner</th></tr>");
            for (Violation v : s.violations()) {
                h.append("<tr class=\"viol\"><td>").append(ESC.escape(v.kind().title())).append("</td>").append(whereCell(v.where(), v.rip()))
                        .append(hexCell(v.address())).append(hexCell(v.length())).append("<td>").append(ESC.escape(v.ownerType()))
                        .append(" <span class=\"dim\">").append(v.ownerKind()).append("</span></td></tr>");
            }
            h.append("</table>\n");
        }
        if (!s.unmet().isEmpty()) {
            h.append("<h3>Asked for and did not get</h3>\n<ul class=\"unmet\">");
            s.unmet().forEach(u -> h.append("<li><code>").append(ESC.escape(u)).append("</code></li>"));
            h.append("</ul>\n");
        }
        h.append("<h3>Allocations</h3>\n");
        if (s.allocations().isEmpty() && s.mapBuffer() == null && s.trampoline() == null) {
            h.append("<p class=\"dim\">None recorded.</p>\n");
        } else {
            h.append("<table class=\"grid\"><tr><th>label</th><th>base</th><th>size</th><th>type</th><th>service / call site</th></tr>");
            for (Allocation a : s.allocations()) {
                h.append("<tr><td>").append(ESC.escape(a.label())).append("</td>").append(hexCell(a.base())).append(hexCell(a.size()))
                        .append("<td>").append(ESC.escape(a.memoryType())).append("</td><td><code>").append(ESC.escape(a.service()))
                        .append("</code>").append(a.callSite().isEmpty() ? "" : "<br><span class=\"dim\">" + ESC.escape(a.callSite()) + "</span>")
                        .append("</td></tr>");
            }
            if (s.mapBuffer() != null) {
                h.append("<tr class=\"mapbuf\"><td>memory map buffer</td>").append(hexCell(s.mapBuffer().address()))
                        .append(hexCell(s.mapBuffer().size())).append("<td></td><td>GetMemoryMap buffer</td></tr>");
            }
            if (s.trampoline() != null) {
                h.append("<tr class=\"tramp\"><td>trampoline</td>").append(hexCell(s.trampoline().address()))
                        .append(hexCell(s.trampoline().size())).append("<td></td><td><code>").append(ESC.escape(s.trampoline().source()))
                        .append("</code></td></tr>");
            }
            h.append("</table>\n");
        }
        Costs c = s.costs();
        h.append("<h3>Costs</h3>\n<table class=\"kv\"><tr><th>image</th><td>").append(MemoryMapSvg.sizeText(c.imageBytes()))
                .append("</td></tr><tr><th>unused after init</th><td>").append(MemoryMapSvg.sizeText(c.unusedBytesAfterInit()))
                .append("</td></tr><tr><th>firmware calls</th><td>").append(c.firmwareCalls()).append("</td></tr></table>\n");
        h.append("</div>\n<div>\n<h3>Trace <span class=\"dim\">(").append(s.trace().size()).append(" calls; virtual time)</span></h3>\n<pre class=\"trace\">");
        for (TraceLine t : s.trace()) {
            h.append("<span class=\"vt\">").append(String.format(java.util.Locale.ROOT, "%10d", t.virtualTime())).append("</span>  ")
                    .append(ESC.escape(t.text())).append('\n');
        }
        h.append("</pre>\n<h3>Console</h3>\n<pre class=\"console\">").append(ESC.escape(s.console())).append("</pre>\n");
        if (finalMap && !s.finalMemoryMap().isEmpty()) {
            h.append("<h3>Final memory map <span class=\"dim\">(").append(s.finalMemoryMap().size())
                    .append(" descriptors, the map handed over at ExitBootServices or the map when the run stopped)</span></h3>");
            mapTable(h, s.finalMemoryMap());
        }
        h.append("</div>\n</div>\n");
    }

    private static void evidence(StringBuilder h, Evidence e) {
        if (e.isEmpty()) {
            return;
        }
        h.append("<dl class=\"ev\">");
        if (e.address() != null) {
            h.append("<dt>address</dt><dd><code>").append(Hex.of(e.address())).append("</code></dd>");
        }
        if (e.length() != null) {
            h.append("<dt>length</dt><dd><code>").append(Hex.of(e.length())).append("</code></dd>");
        }
        if (e.owner() != null) {
            h.append("<dt>owner</dt><dd>").append(ESC.escape(e.owner())).append("</dd>");
        }
        if (e.rip() != null) {
            h.append("<dt>RIP</dt><dd><code>").append(ESC.escape(e.where() != null ? e.where() : Hex.of(e.rip()))).append("</code>");
            if (e.where() != null && !e.where().equals(Hex.of(e.rip()))) {
                h.append(" <span class=\"dim\">").append(Hex.of(e.rip())).append("</span>");
            }
            h.append("</dd>");
        }
        if (e.serviceCall() != null) {
            h.append("<dt>call</dt><dd><code>").append(ESC.escape(e.serviceCall())).append("</code></dd>");
        }
        h.append("</dl>");
    }

    /**
     * A descriptor table in the columns and number forms of the one text form of a memory map
     * ({@code org.efiemu.uefi.memory.MemoryMapText}: #, Type, First, Last, Pages in hex, Attribute).
     */
    static void mapTable(StringBuilder h, List<MapRegion> map) {
        h.append("<table class=\"grid map\"><tr><th>#</th><th>Type</th><th>First</th><th>Last</th><th>Pages</th><th>Attribute</th></tr>");
        for (int i = 0; i < map.size(); i++) {
            MapRegion m = map.get(i);
            h.append("<tr><td class=\"num\">").append(i).append("</td><td>")
                    .append(HtmlReport.swatch(MemoryMapSvg.typeClasses(m.type(), m.owner()))).append(ESC.escape(m.type())).append("</td>")
                    .append(addressCell(m.start())).append(addressCell(m.end() - 1)).append("<td class=\"num\"><code>")
                    .append(Long.toHexString(m.pages()).toUpperCase(java.util.Locale.ROOT)).append("</code></td>")
                    .append(hexCell(m.attribute())).append("</tr>");
        }
        h.append("</table>\n");
    }

    private static String whereCell(String where, long rip) {
        return "<td class=\"num\"><code>" + ESC.escape(where != null ? where : Hex.of(rip)) + "</code></td>";
    }

    private static String addressCell(long v) {
        return String.format(java.util.Locale.ROOT, "<td class=\"num\"><code>0x%016X</code></td>", v);
    }

    private static String hexCell(long v) {
        return "<td class=\"num\"><code>" + Hex.of(v) + "</code></td>";
    }
}
