package org.efiemu.earlyalloc.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Writes a report's three files into a directory: {@code report.json}, {@code report.md} and {@code index.html}. */
public final class ReportFiles {
    public static final String JSON = "report.json";
    public static final String MARKDOWN = "report.md";
    public static final String HTML = "index.html";

    private ReportFiles() {
    }

    /**
     * Renders and writes all three files (UTF-8), creating {@code directory} if needed, replacing older files.
     *
     * @return the paths written, in the order json, md, html
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
