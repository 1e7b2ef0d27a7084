package org.efiemu.uefi.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/** The text console screen a stream of ConOut text leaves, and its PNG. */
class ScreenshotTest {

    @Test
    void carriageReturnsLineFeedsWrappingAndScrollingLeaveTheScreenATerminalWould() {
        List<String> s = Screenshot.textScreen("abc\r\nxyz\rQ\n123456\nlast", 4, 3);
        // "abc" / "Qyz" / "1234" / "56" / "last": 5 rows on a 3-row screen scroll the first two away
        assertThat(s).containsExactly("1234", "56", "last");
        assertThat(Screenshot.textScreen("ab\bX", 10, 2)).containsExactly("aX", "");
    }

    @Test
    void theTextPngHasOneCellPerColumnAndRow() throws Exception {
        byte[] png = Screenshot.textPng(List.of("hello", ""), 20);
        var img = ImageIO.read(new ByteArrayInputStream(png));
        assertThat(img.getWidth() % 20).isZero();
        assertThat(img.getHeight() % 2).isZero();
        boolean lit = false;
        for (int x = 0; x < img.getWidth() / 4 && !lit; x++) {
            for (int y = 0; y < img.getHeight() / 2 && !lit; y++) {
                lit = (img.getRGB(x, y) & 0xFFFFFF) != 0;
            }
        }
        assertThat(lit).as("glyphs drawn in the first row").isTrue();
    }
}
