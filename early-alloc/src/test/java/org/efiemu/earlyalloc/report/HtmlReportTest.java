package org.efiemu.earlyalloc.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HtmlReportTest {
    private final String html = HtmlReport.render(SampleReports.sample());

    @Test
    void pageIsByteIdenticalForEqualReports() {
        assertThat(HtmlReport.render(SampleReports.sample())).isEqualTo(html);
        Report viaJson = JsonReport.parse(JsonReport.render(SampleReports.sample()));
        assertThat(HtmlReport.render(viaJson)).isEqualTo(html);
    }

    @Test
    void matrixHasOneCellPerScenarioInRowOrderWithItsVerdictClass() {
        assertThat(all("<a class=\"cell ([^\"]+)\" href=\"scenarios/[^\"]+\\.html\" data-target=\"(s\\d)\"", 1)).containsExactly(
                "v-FAIL", "v-WARN", "v-PASS", "v-PASS", "v-FAIL mismatch", "v-PASS");
        assertThat(html).contains("<span class=\"exp\">≠ expected WARN</span>");
        assertThat(all("<th class=\"col\"[^>]*>([^<]+)</th>", 1)).containsExactly("dell-poweredge-r820", "ovmf-q35-2g");
    }

    @Test
    void everyScenarioHasAHiddenEvidencePanelNamingItsPlatformPictures() {
        assertThat(all("<article class=\"scenario v-\\w+\" id=\"(s\\d)\" data-id=\"[^\"]+\" data-platform=\"(p\\d)\" hidden>", 2))
                .containsExactly("p0", "p1", "p0", "p1", "p0", "p1");
    }

    @Test
    void eachPlatformHasALowMemoryAndAWholeMapSvgWithOneOverlayPerScenario() {
        assertThat(count("<svg class=\"map map-low\"")).isEqualTo(2);
        assertThat(count("<svg class=\"map map-whole\"")).isEqualTo(2);
        // 6 scenarios, each with an overlay group in both pictures of its platform
        assertThat(count("<g class=\"ov\" data-s=\"s\\d\">")).isEqualTo(12);
    }

    @Test
    void lowMemoryPictureDrawsTheDellBootServicesDataAndTheViolationAt0x9F000() {
        String dellLow = html.substring(html.indexOf("<svg class=\"map map-low\""), html.indexOf("</svg>", html.indexOf("<svg class=\"map map-low\"")));
        assertThat(dellLow).contains("<g class=\"r o-FIRMWARE t-EfiBootServicesData\"><title>EfiBootServicesData 0x10000-0x9FFFF (144 pages, 576 KiB, attr 0x8, FIRMWARE)</title>");
        // 1140 px per MiB: 0x9F000 is at 10 + 0x9F000 * 1140 / 0x100000 = 718.05
        assertThat(dellLow).contains("<g class=\"m m-viol\"><title>⚠ firmware memory corrupted 0x9F000 +0x1000 RIP 0x80012A4 (0x9F000-0x9FFFF, 4096 bytes)</title><rect class=\"span\" x=\"718.0\"");
        assertThat(dellLow).contains("0xA0000 (640 KiB)");
    }

    @Test
    void wholeMapShowsHolesAsGapsAndMarksUnsignedAttributes() {
        assertThat(html).contains("<title>hole 0xA0000-0xFFFFF (no descriptor)</title>");
        assertThat(html).contains("attr 0x8000000000000008, FIRMWARE)");
    }

    @Test
    void guestTextIsEscapedEverywhere() {
        assertThat(html).doesNotContain("<script>alert", "<img src=x", "\"><img");
        assertThat(html).contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
        assertThat(html).contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;");
        // the only script element is the page's own
        assertThat(count("<script")).isEqualTo(1);
    }

    @Test
    void pageLoadsNothingFromTheNetworkAndLinksOnlyToItsScenarioPages() {
        assertThat(html).contains("content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\"");
        assertThat(html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "")).doesNotContain("http://", "https://", "src=\"", "@import", "url(");
        assertThat(all("href=\"([^\"]*)\"", 1)).hasSize(12).allMatch(h -> h.matches("scenarios/[A-Za-z0-9._-]+\\.html"));
    }

    @Test
    void everyCellLinksToItsScenariosOwnPageAndTheEvidencePanelLinksThereToo() {
        java.util.Map<ScenarioReport, String> pages = ScenarioPageHtml.files(SampleReports.sample());
        assertThat(pages.values()).doesNotHaveDuplicates();
        for (String page : pages.values()) {
            assertThat(count("href=\"" + Pattern.quote(page) + "\"")).isEqualTo(2);
        }
        assertThat(pages.values()).contains("scenarios/dell-poweredge-r820_mem-lower.html");
    }

    @Test
    void mapTablesUseOneSpanSwatchPerRowNotAnSvg() {
        // the pictures (2 per platform) and the legend's hole and marker swatches are the only SVGs
        assertThat(count("<svg")).isEqualTo(4 + 1 + 4);
        assertThat(count("<span class=\"sw o-")).isGreaterThan(10);
    }

    @Test
    void legendExplainsEveryVerdictAndEveryReasonKind() {
        String legend = html.substring(html.indexOf("<section id=\"legend\">"));
        for (ReasonKind k : ReasonKind.values()) {
            assertThat(legend).contains("<dt>" + k.title().replace("'", "&#39;") + "</dt><dd>");
        }
        assertThat(legend).contains("badge v-PASS").contains("badge v-WARN").contains("badge v-FAIL").contains("image.efi+0x1A2B");
    }

    @Test
    void scenarioPageIsStaticWithEvidencePicturesAndMarkers() {
        Report r = SampleReports.sample();
        ScenarioReport s = r.scenarios().get(0);
        String page = ScenarioPageHtml.render(r, s);
        assertThat(page).doesNotContain("<script").contains("href=\"../index.html\"").contains("g.ov { display: inline; }");
        assertThat(page).contains("<h2>dell-poweredge-r820 <span class=\"dim\">/</span> mem-lower</h2>");
        assertThat(page).contains("firmware memory corrupted").contains("<svg class=\"map map-low\"").contains("<g class=\"ov\" data-s=\"s\">");
        assertThat(page.replace("xmlns=\"http://www.w3.org/2000/svg\"", "")).doesNotContain("http://", "https://", "src=\"");
    }

    @Test
    void writerPutsAllThreeFilesInTheDirectory(@TempDir Path dir) throws Exception {
        List<Path> files = ReportFiles.write(SampleReports.sample(), dir.resolve("out"));
        assertThat(files).extracting(p -> p.getFileName().toString()).containsExactly("report.json", "report.md", "index.html");
        assertThat(Files.readString(files.get(2))).isEqualTo(html);
        assertThat(JsonReport.parse(Files.readString(files.get(0)))).isEqualTo(SampleReports.sample());
        try (var pages = Files.list(dir.resolve("out/scenarios"))) {
            assertThat(pages.map(p -> p.getFileName().toString()).sorted().toList()).hasSize(6)
                    .contains("dell-poweredge-r820_mem-lower.html");
        }
        // a stale page of an earlier report in the same folder goes away
        Files.writeString(dir.resolve("out/scenarios/old_scenario.html"), "stale");
        ReportFiles.write(SampleReports.sample(), dir.resolve("out"));
        assertThat(dir.resolve("out/scenarios/old_scenario.html")).doesNotExist();
    }

    private List<String> all(String regex, int group) {
        Matcher m = Pattern.compile(regex).matcher(html);
        List<String> out = new java.util.ArrayList<>();
        while (m.find()) {
            out.add(m.group(group));
        }
        return out;
    }

    private int count(String regex) {
        return all(regex, 0).size();
    }
}
