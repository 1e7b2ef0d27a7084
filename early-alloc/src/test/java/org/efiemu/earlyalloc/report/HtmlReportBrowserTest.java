package org.efiemu.earlyalloc.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Renders index.html in a real headless chromium. The files stay in {@code target/report-browser/} for a human look
 * (index.html, selected.png).
 */
class HtmlReportBrowserTest {
    private static final Path OUT = Path.of("target", "report-browser").toAbsolutePath();
    private static Path html;

    @BeforeAll
    static void writeReport() {
        Chromium.requireInstalled();
        html = ReportFiles.write(SampleReports.sample(), OUT).get(2);
    }

    private static String url(String scenarioId) {
        return html.toUri() + "#scenario=" + URLEncoder.encode(scenarioId, StandardCharsets.UTF_8).replace("+", "%20");
    }

    @Test
    void fragmentSelectsTheScenarioAndShowsItsEvidenceAndMarkers(@TempDir Path tmp) throws Exception {
        String dom = Chromium.dumpDom(url("dell-poweredge-r820/mem-lower"), tmp.resolve("profile"));
        assertThat(dom).contains("data-selected=\"dell-poweredge-r820/mem-lower\"");
        // the selected cell is highlighted, its article is visible, the others stay hidden
        assertThat(dom).containsPattern("<a class=\"cell v-FAIL sel\"[^>]*data-target=\"s0\"");
        assertThat(dom).containsPattern("<article class=\"scenario v-FAIL\" id=\"s0\"[^>]*data-platform=\"p0\">");
        assertThat(count(dom, "<article class=\"scenario[^\"]*\" id=\"s\\d+\"[^>]* hidden")).isEqualTo(5);
        // the platform pictures were copied into the panel and the scenario's overlay switched on in both places
        assertThat(count(dom, "<g class=\"ov on\" data-s=\"s0\">")).isEqualTo(4);
        assertThat(count(dom, "<g class=\"ov on\"")).isEqualTo(4);
        assertThat(dom).contains("firmware memory corrupted 0x9F000 +0x1000 RIP 0x80012A4");
        // no injected element came to life
        assertThat(dom).doesNotContain("<img src=\"x\"", "<script>alert");
    }

    @Test
    void pageHasTheMatrixCellsAndOneSvgPairPerPlatform(@TempDir Path tmp) throws Exception {
        String dom = Chromium.dumpDom(html.toUri().toString(), tmp.resolve("profile"));
        assertThat(count(dom, "<a class=\"cell ")).isEqualTo(6);
        assertThat(count(dom, "<svg class=\"map map-low\"")).isEqualTo(2);
        assertThat(count(dom, "<svg class=\"map map-whole\"")).isEqualTo(2);
        assertThat(dom).doesNotContain("data-selected=");
        assertThat(count(dom, "<g class=\"ov on\"")).isZero();
    }

    @Test
    void withoutJavaScriptEveryScenarioIsOneLinkAwayOnAStaticPage(@TempDir Path tmp) throws Exception {
        // the cell is a plain link, and the page it opens carries no script at all: nothing depends on JavaScript
        String index = Chromium.dumpDom(html.toUri().toString(), tmp.resolve("profile"));
        Matcher m = Pattern.compile("<a class=\"cell v-FAIL[^\"]*\" href=\"([^\"]+)\" data-target=\"s0\"").matcher(index);
        assertThat(m.find()).as("the first cell is a link").isTrue();
        Path page = html.getParent().resolve(m.group(1));
        assertThat(Files.readString(page)).doesNotContain("<script");
        String dom = Chromium.dumpDom(page.toUri().toString(), tmp.resolve("profile2"));
        assertThat(dom).contains("dell-poweredge-r820 <span class=\"dim\">/</span> mem-lower")
                .contains("firmware memory corrupted 0x9F000 +0x1000").contains("<g class=\"ov\" data-s=\"s\">")
                .doesNotContain("hidden=\"\"");
    }

    @Test
    void screenshotOfASelectedFailIsNotBlankAndShowsTheVerdictColours(@TempDir Path tmp) throws Exception {
        Path png = OUT.resolve("selected.png");
        Files.deleteIfExists(png);
        Chromium.screenshot(url("dell-poweredge-r820/mem-lower"), png, tmp.resolve("profile"), 1400, 1800);
        BufferedImage img = ImageIO.read(png.toFile());
        assertThat(img.getWidth()).isEqualTo(1400);
        assertThat(img.getHeight()).isEqualTo(1800);
        Set<Integer> colours = new HashSet<>();
        boolean failRed = false;
        boolean passGreen = false;
        for (int y = 0; y < img.getHeight(); y += 2) {
            for (int x = 0; x < img.getWidth(); x += 2) {
                int rgb = img.getRGB(x, y) & 0xFFFFFF;
                colours.add(rgb);
                failRed |= rgb == 0xC5221F;
                passGreen |= rgb == 0xE6F4EA;
            }
        }
        assertThat(colours.size()).as("distinct colours in the screenshot").isGreaterThan(200);
        assertThat(failRed).as("a FAIL cell (#C5221F) is drawn").isTrue();
        assertThat(passGreen).as("a PASS cell (#E6F4EA) is drawn").isTrue();
    }

    private static int count(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }
}
