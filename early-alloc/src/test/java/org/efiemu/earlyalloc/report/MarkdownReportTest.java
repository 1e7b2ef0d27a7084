package org.efiemu.earlyalloc.report;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MarkdownReportTest {
    private final String md = MarkdownReport.render(SampleReports.sample());

    @Test
    void verdictTableHasStrategiesAsRowsAndPlatformsAsColumns() {
        assertThat(md).contains(String.join("\n",
                "| strategy \\ platform | dell-poweredge-r820 | ovmf-q35-2g |",
                "|---|:---:|:---:|",
                "| mem-lower | **FAIL** | **WARN** |",
                "| efi-pages-any | PASS | PASS |",
                "| static-pool-64k | **FAIL** ≠ expected WARN | pool=65536: PASS |",
                ""));
    }

    @Test
    void everyNonPassScenarioGetsASectionAndPassingOnesDoNot() {
        assertThat(md).contains("## FAIL — dell-poweredge-r820/mem-lower", "## WARN — ovmf-q35-2g/mem-lower",
                "## FAIL — dell-poweredge-r820/static-pool-64k");
        assertThat(md).doesNotContain("## PASS");
    }

    @Test
    void sectionsCarryReasonsEvidenceAndViolations() {
        assertThat(md).contains("- **firmware memory corrupted**: the memory map was written below mem\\_lower into boot services data"
                + " — address 0x9F000, length 0x1000, owner EfiBootServicesData, RIP 0x80012A4");
        assertThat(md).contains("| firmware memory corrupted | `0x80012A4` | `0x9F000` | 0x1000 | EfiBootServicesData (FIRMWARE) |");
        assertThat(md).contains("- expected: WARN (**not as expected**) — Kiper 2016: 64 KiB should hold a 200-entry map");
    }

    @Test
    void guestTextCannotInjectHtmlIntoTheMarkdown() {
        // raw text is only allowed inside fenced code blocks, where CommonMark does not parse HTML
        String outsideCode = md.replaceAll("(?s)```text\n.*?\n```", "");
        assertThat(outsideCode).doesNotContain("<script>", "<img");
        assertThat(md).contains("```text\nXen EFI loader\n<script>alert('x')</script>\n```");
        assertThat(md).contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;");
    }

    @Test
    void codeFenceIsLongerThanAnyBacktickRunInTheConsole() {
        ScenarioReport s = SampleReports.scenario(SampleReports.DELL, "mem-lower", Verdict.FAIL, Verdict.FAIL, "r",
                java.util.List.of(), java.util.List.of(), null, null, java.util.List.of(), java.util.List.of(), "a ```` b", null);
        Report base = SampleReports.sample();
        Report r = new Report("t", "v", base.inputs(), base.platforms(), base.strategies(), java.util.List.of(s), null);
        assertThat(MarkdownReport.render(r)).contains("`````text\na ```` b\n`````");
    }

    @Test
    void whatThePayloadAskedForAndDidNotGetHasItsOwnSectionAndSurvivesJson() throws Exception {
        ScenarioReport plain = SampleReports.scenario(SampleReports.DELL, "mem-lower", Verdict.FAIL, Verdict.FAIL, "r",
                java.util.List.of(), java.util.List.of(), null, null, java.util.List.of(), java.util.List.of(), "", null);
        String unmet = "protocol no handle has: EFI_TCG2_PROTOCOL_GUID {607F766C-7455-42BE-930B-E4D76DB2720F}: "
                + "LocateProtocol = EFI_NOT_FOUND from mem-lower.efi+0x11A0 (#3)";
        ScenarioReport s = new ScenarioReport(plain.platform(), plain.strategy(), plain.options(), plain.observed(),
                plain.expected(), plain.reasons(), plain.allocations(), plain.trampoline(), plain.mapBuffer(),
                plain.violations(), plain.finalMemoryMap(), plain.trace(), plain.console(), plain.costs(),
                java.util.List.of(unmet));
        Report base = SampleReports.sample();
        Report r = new Report("t", "v", base.inputs(), base.platforms(), base.strategies(), java.util.List.of(s), null);
        assertThat(MarkdownReport.render(r)).contains("### Asked for and did not get\n\n- protocol no handle has: "
                + "EFI\\_TCG2\\_PROTOCOL\\_GUID");
        assertThat(md).doesNotContain("Asked for and did not get");
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        assertThat(json.readValue(json.writeValueAsString(s), ScenarioReport.class).unmet()).containsExactly(unmet);
        assertThat(json.writeValueAsString(plain)).doesNotContain("unmet");
    }

    @Test
    void markdownIsDeterministic() {
        assertThat(MarkdownReport.render(SampleReports.sample())).isEqualTo(md);
    }
}
