package org.efiemu.uefi.protocol;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * Pictures of a run's display: the GOP framebuffer in its current mode as a PNG (exact: one pixel per pixel, the
 * guest's stores and Blt output), and the text console as the screen the ConOut text would leave (a
 * {@code COLUMNSxROWS} grid: CR returns, LF and wrapping at the last column move down, the screen scrolls at the last
 * row, backspace steps back) as text and as a PNG drawn with the JVM's monospaced font.
 *
 * <p>The text grid is an approximation of a terminal: SetCursorPosition and ClearScreen calls are not replayed (only
 * the text stream is), attributes (colours) are not kept. The text PNG's glyphs come from the host's fonts (Debian
 * {@code fonts-dejavu-core}), so its bytes may differ between hosts; the text grid and the framebuffer PNG do not.
 */
public final class Screenshot {
    private Screenshot() {}

    /** The framebuffer of {@code gop}'s current mode as PNG bytes (32-bit BGRR pixels as RGB). */
    public static byte[] framebufferPng(GraphicsOutput gop) {
        GraphicsOutput.Mode m = gop.currentMode();
        BufferedImage img = new BufferedImage(m.width(), m.height(), BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < m.height(); y++) {
            for (int x = 0; x < m.width(); x++) {
                img.setRGB(x, y, gop.pixel(x, y) & 0xFF_FFFF);
            }
        }
        return png(img);
    }

    /** The screen {@code text} leaves on a {@code columns x rows} console, one string per row (right-trimmed). */
    public static List<String> textScreen(String text, int columns, int rows) {
        List<StringBuilder> screen = new ArrayList<>();
        for (int i = 0; i < rows; i++) {
            screen.add(new StringBuilder(" ".repeat(columns)));
        }
        int col = 0;
        int row = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\r') {
                col = 0;
                continue;
            }
            if (c == '\b') {
                col = Math.max(0, col - 1);
                continue;
            }
            if (c == '\n' || col >= columns) {
                col = 0;
                row++;
                if (row >= rows) {
                    screen.remove(0);
                    screen.add(new StringBuilder(" ".repeat(columns)));
                    row = rows - 1;
                }
                if (c == '\n') {
                    continue;
                }
            }
            screen.get(row).setCharAt(col++, c < 0x20 ? ' ' : c);
        }
        List<String> out = new ArrayList<>();
        screen.forEach(s -> out.add(s.toString().stripTrailing()));
        return out;
    }

    /** {@link #textScreen} drawn light grey on black in the JVM's monospaced font, as PNG bytes. */
    public static byte[] textPng(List<String> screen, int columns) {
        Font font = new Font(Font.MONOSPACED, Font.PLAIN, 16);
        BufferedImage probe = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        Graphics2D pg = probe.createGraphics();
        FontMetrics fm = pg.getFontMetrics(font);
        int cw = Math.max(1, fm.charWidth('M'));
        int ch = Math.max(1, fm.getHeight());
        pg.dispose();
        BufferedImage img = new BufferedImage(cw * columns, ch * Math.max(1, screen.size()), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.BLACK);
        g.fillRect(0, 0, img.getWidth(), img.getHeight());
        g.setColor(new Color(0xAA, 0xAA, 0xAA));  // EFI_LIGHTGRAY
        g.setFont(font);
        for (int r = 0; r < screen.size(); r++) {
            String line = screen.get(r);
            for (int c = 0; c < line.length(); c++) {
                g.drawString(String.valueOf(line.charAt(c)), c * cw, r * ch + fm.getAscent());
            }
        }
        g.dispose();
        return png(img);
    }

    private static byte[] png(BufferedImage img) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(img, "png", out)) {
                throw new IllegalStateException("no PNG writer in this Java runtime");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing a PNG into memory", e);
        }
        return out.toByteArray();
    }
}
