package org.efiemu.earlyalloc.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.efiemu.earlyalloc.report.Report;
import org.efiemu.earlyalloc.report.ScenarioReport;

/**
 * The verdict table printed by {@code efiemu matrix}: strategies as rows, platforms as columns; a cell shows the
 * observed verdict, followed by {@code !=EXPECTED} when it differs from the expected one.
 */
final class VerdictTable {
    private VerdictTable() {
    }

    static String render(Report report) {
        List<String> header = new ArrayList<>();
        header.add("strategy");
        report.platforms().forEach(p -> header.add(p.name()));
        List<List<String>> rows = new ArrayList<>();
        for (var s : report.strategies()) {
            List<String> row = new ArrayList<>();
            row.add(s.name());
            for (var p : report.platforms()) {
                row.add(report.cell(s.name(), p.name()).stream().map(VerdictTable::cell).collect(Collectors.joining(" ")));
            }
            rows.add(row);
        }
        int[] width = new int[header.size()];
        for (int c = 0; c < width.length; c++) {
            width[c] = header.get(c).length();
            for (List<String> r : rows) {
                width[c] = Math.max(width[c], r.get(c).length());
            }
        }
        StringBuilder sb = new StringBuilder();
        line(sb, header, width);
        List<String> rule = new ArrayList<>();
        for (int w : width) {
            rule.add("-".repeat(w));
        }
        line(sb, rule, width);
        rows.forEach(r -> line(sb, r, width));
        var counts = report.verdictCounts();
        sb.append(String.format("%d scenarios: %d PASS, %d WARN, %d FAIL; %d differ from the expected verdict%n",
                report.scenarios().size(), counts.get(org.efiemu.earlyalloc.report.Verdict.PASS),
                counts.get(org.efiemu.earlyalloc.report.Verdict.WARN), counts.get(org.efiemu.earlyalloc.report.Verdict.FAIL),
                report.mismatches().size()));
        return sb.toString();
    }

    private static String cell(ScenarioReport s) {
        return s.observed() + (s.matchesExpected() ? "" : "!=" + s.expected().verdict());
    }

    private static void line(StringBuilder sb, List<String> cells, int[] width) {
        for (int c = 0; c < cells.size(); c++) {
            sb.append(c == 0 ? "" : "  ").append(String.format("%-" + width[c] + "s", cells.get(c)));
        }
        sb.append(System.lineSeparator());
    }
}
