package org.efiemu.earlyalloc.report;

import com.google.common.escape.Escaper;
import com.google.common.html.HtmlEscapers;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * {@code report.md}: the verdict table (strategies as rows, platforms as columns; {@code ≠ expected X} marks a cell
 * whose observed verdict differs from the expected one), then one section per scenario that did not PASS or did not
 * match its expectation, with reasons and evidence.
 *
 * <p>Text from the guest (console, labels) is escaped: {@code < > & "} become entities so a renderer cannot take it as
 * HTML, {@code |} is escaped inside tables, and code blocks use a fence longer than any backtick run in them.
 */
public final class MarkdownReport {
    private static final Escaper HTML = HtmlEscapers.htmlEscaper();
    private static final Pattern BACKTICKS = Pattern.compile("`+");

    private MarkdownReport() {
    }

    /** The Markdown text, ending in a newline. */
    public static String render(Report report) {
        StringBuilder md = new StringBuilder();
        md.append("# ").append(inline(report.title())).append("\n\n");
        md.append("efiemu ").append(inline(report.efiemuVersion())).append(" · `").append(code(report.inputs().command())).append("`\n\n");
        Map<Verdict, Long> counts = report.verdictCounts();
        md.append(counts.entrySet().stream().map(e -> e.getValue() + " " + e.getKey()).collect(Collectors.joining(", ")))
                .append(" · ").append(report.mismatches().size()).append(" not as expected\n\n");
        appendMatrix(md, report);
        md.append("Cells show the observed verdict; `≠ expected X` marks a verdict that differs from the expected one.\n\n");
        if (!report.inputs().settings().isEmpty()) {
            md.append("## Inputs\n\n| setting | value |\n|---|---|\n");
            report.inputs().settings().forEach((k, v) -> md.append("| ").append(cell(k)).append(" | ").append(cell(v)).append(" |\n"));
            md.append('\n');
        }
        md.append("## Strategies\n\n| strategy | image cost | description |\n|---|---:|---|\n");
        for (StrategyReport s : report.strategies()) {
            md.append("| ").append(cell(s.name())).append(" | ").append(s.imageSizeCost()).append(" B | ")
                    .append(cell(s.description())).append(" |\n");
        }
        md.append('\n');
        for (ScenarioReport s : report.scenarios()) {
            if (s.observed() != Verdict.PASS || !s.matchesExpected()) {
                appendScenario(md, s);
            }
        }
        return md.toString();
    }

    private static void appendMatrix(StringBuilder md, Report report) {
        md.append("| strategy \\ platform |");
        report.platforms().forEach(p -> md.append(' ').append(cell(p.name())).append(" |"));
        md.append("\n|---|");
        report.platforms().forEach(p -> md.append(":---:|"));
        md.append('\n');
        for (StrategyReport st : report.strategies()) {
            md.append("| ").append(cell(st.name())).append(" |");
            for (PlatformReport p : report.platforms()) {
                List<ScenarioReport> cell = report.cell(st.name(), p.name());
                md.append(' ').append(cell.isEmpty() ? "—" : cell.stream().map(MarkdownReport::verdictCell)
                        .collect(Collectors.joining(" / "))).append(" |");
            }
            md.append('\n');
        }
        md.append('\n');
    }

    /** {@code PASS}, {@code **FAIL**}, {@code **FAIL** ≠ expected WARN}; options prefix the verdict when present. */
    static String verdictCell(ScenarioReport s) {
        String verdict = s.observed() == Verdict.PASS ? "PASS" : "**" + s.observed() + "**";
        String opts = s.options().isEmpty() ? "" : cell(s.optionsText()) + ": ";
        return opts + verdict + (s.matchesExpected() ? "" : " ≠ expected " + s.expected().verdict());
    }

    private static void appendScenario(StringBuilder md, ScenarioReport s) {
        md.append("## ").append(s.observed()).append(" — ").append(inline(s.id())).append("\n\n");
        md.append("- expected: ").append(s.expected().verdict()).append(s.matchesExpected() ? "" : " (**not as expected**)")
                .append(" — ").append(inline(s.expected().reason())).append('\n');
        Costs c = s.costs();
        md.append("- costs: ").append(c.imageBytes()).append(" B in the image, ").append(c.unusedBytesAfterInit())
                .append(" B unused after init, ").append(c.firmwareCalls()).append(" firmware calls\n");
        if (s.mapBuffer() != null) {
            md.append("- memory map buffer: `").append(Hex.of(s.mapBuffer().address())).append("`, ")
                    .append(s.mapBuffer().size()).append(" B\n");
        }
        if (s.trampoline() != null) {
            md.append("- trampoline: `").append(Hex.of(s.trampoline().address())).append("` (")
                    .append(inline(s.trampoline().source())).append(")\n");
        }
        md.append("- reproduce: `").append(Commands.reproduce(s)).append("`; debug: `").append(Commands.debug(s)).append("`\n");
        md.append("\n### Reasons\n\n");
        if (s.reasons().isEmpty()) {
            md.append("(none recorded)\n");
        }
        for (Reason r : s.reasons()) {
            md.append("- **").append(r.kind().title()).append("**: ").append(inline(r.message()));
            if (!r.evidence().isEmpty()) {
                md.append(" — ").append(inline(r.evidence().toString()));
            }
            md.append('\n');
        }
        if (!s.violations().isEmpty()) {
            md.append("\n### Violations\n\n| kind | RIP | address | length | owner |\n|---|---|---|---|---|\n");
            for (Violation v : s.violations()) {
                md.append("| ").append(v.kind().title()).append(" | `").append(v.where() != null ? v.where() : Hex.of(v.rip())).append("` | `")
                        .append(Hex.of(v.address())).append("` | ").append(Hex.of(v.length())).append(" | ")
                        .append(cell(v.ownerType())).append(" (").append(v.ownerKind()).append(") |\n");
            }
        }
        if (!s.unmet().isEmpty()) {
            md.append("\n### Asked for and did not get\n\n");
            s.unmet().forEach(u -> md.append("- ").append(inline(u)).append('\n'));
        }
        if (!s.allocations().isEmpty()) {
            md.append("\n### Allocations\n\n| label | service | type | base | size | call site |\n|---|---|---|---|---|---|\n");
            for (Allocation a : s.allocations()) {
                md.append("| ").append(cell(a.label())).append(" | ").append(cell(a.service())).append(" | ")
                        .append(cell(a.memoryType())).append(" | `").append(Hex.of(a.base())).append("` | ")
                        .append(Hex.of(a.size())).append(" | ").append(cell(a.callSite())).append(" |\n");
            }
        }
        if (!s.trace().isEmpty()) {
            md.append("\n### Trace\n\n");
            fenced(md, s.trace().stream().map(TraceLine::toString).collect(Collectors.joining("\n")));
        }
        if (!s.console().isEmpty()) {
            md.append("\n### Console\n\n");
            fenced(md, s.console());
        }
        md.append('\n');
    }

    /** A fenced block whose fence is longer than any run of backticks inside (CommonMark §4.5). */
    private static void fenced(StringBuilder md, String text) {
        int longest = 0;
        Matcher m = BACKTICKS.matcher(text);
        while (m.find()) {
            longest = Math.max(longest, m.group().length());
        }
        String fence = "`".repeat(Math.max(3, longest + 1));
        md.append(fence).append("text\n").append(text.replace("\r", "")).append(text.endsWith("\n") ? "" : "\n").append(fence).append('\n');
    }

    /** Running text: HTML-escaped, on one line, Markdown emphasis and link characters neutralised. */
    static String inline(String text) {
        return HTML.escape(text.replaceAll("[\\r\\n\\t]+", " ")).replaceAll("([\\\\`*_\\[\\]#|])", "\\\\$1");
    }

    /** A table cell: like {@link #inline}, which already escapes {@code |}. */
    static String cell(String text) {
        return inline(text);
    }

    /** Inside a code span: no HTML parsing there, but backticks and newlines must go. */
    private static String code(String text) {
        return text.replace('`', '\'').replaceAll("[\\r\\n]+", " ");
    }
}
