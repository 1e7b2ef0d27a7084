package org.efiemu.earlyalloc.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes a report into a directory: {@code report.json}, {@code report.md}, {@code index.html} and one static page per
 * scenario under {@code scenarios/} ({@link ScenarioPageHtml}; the matrix cells link to them).
 */
public final class ReportFiles {
    public static final String JSON = "report.json";
    public static final String MARKDOWN = "report.md";
    public static final String HTML = "index.html";

    private ReportFiles() {
    }

    /**
     * Renders and writes the files (UTF-8), creating {@code directory} if needed, replacing older files (scenario pages
     * of an earlier report in the same folder are removed first, so the folder holds this report only).
     *
     * @return the three main files written, in the order json, md, html
     * @throws UncheckedIOException naming the file that could not be written
     */
    public static List<Path> write(Report report, Path directory) {
        Path json = directory.resolve(JSON);
        Path md = directory.resolve(MARKDOWN);
        Path html = directory.resolve(HTML);
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create report directory " + directory, e);
        }
        writeText(json, JsonReport.render(report));
        writeText(md, MarkdownReport.render(report));
        writeText(html, HtmlReport.render(report));
        Path pages = directory.resolve(ScenarioPageHtml.FOLDER);
        try {
            if (Files.isDirectory(pages)) {
                try (var old = Files.list(pages)) {
                    for (Path f : old.filter(f -> f.getFileName().toString().endsWith(".html")).toList()) {
                        Files.delete(f);
                    }
                }
            }
            Files.createDirectories(pages);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the scenario pages folder " + pages, e);
        }
        ScenarioPageHtml.files(report).forEach((s, file) -> writeText(directory.resolve(file), ScenarioPageHtml.render(report, s)));
        return List.of(json, md, html);
    }

    private static void writeText(Path file, String text) {
        try {
            Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write report file " + file, e);
        }
    }
}
