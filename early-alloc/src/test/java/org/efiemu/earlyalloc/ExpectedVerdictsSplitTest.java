package org.efiemu.earlyalloc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The expectations file is cut into lines and fields by hand (no regular expressions at start): the cuts are exactly
 * {@code text.split("\r?\n")} and {@code line.split("\\s+", 4)}, on the cases that matter and on random texts of
 * letters, blanks, tabs, form feeds, carriage returns and newlines.
 */
class ExpectedVerdictsSplitTest {
    @Test
    void linesAreWhatSplittingOnOptionalCarriageReturnAndNewlineGives() {
        for (String text : List.of("", "\n", "\r\n", "a", "a\n", "a\r\n", "a\n\nb", "a\r\r\nb\r", "\n\na", "a\n\n\n",
                "x\r\n\r\n", "\r", "\r\r\n")) {
            assertThat(ExpectedVerdicts.lines(text)).as("%s", text.replace("\r", "\\r").replace("\n", "\\n"))
                    .containsExactly(text.split("\r?\n"));
        }
    }

    @Test
    void fieldsAreWhatSplittingOnWhiteSpaceRunsWithALimitOfFourGives() {
        for (String line : List.of("a", "a b", "a b c", "a b c d", "a  b\tc \f d e  f", "efi-pool ovmf PASS the reason, with  two",
                "a\u000Bb\rc\nd", "a\u2003b c d")) {
            assertThat(ExpectedVerdicts.fields(line, 4)).as(line).containsExactly(line.split("\\s+", 4));
        }
    }

    @Test
    void randomTextsAreCutAsTheRegularExpressionsCutThem() {
        Random r = new Random(15);
        char[] alphabet = {'a', 'b', ' ', ' ', '\t', '\f', '\u000B', '\r', '\n', '#'};
        for (int n = 0; n < 20_000; n++) {
            char[] c = new char[r.nextInt(24)];
            for (int i = 0; i < c.length; i++) {
                c[i] = alphabet[r.nextInt(alphabet.length)];
            }
            String text = new String(c);
            assertThat(ExpectedVerdicts.lines(text)).as("lines of %s", Arrays.toString(c))
                    .containsExactly(text.split("\r?\n"));
            String line = text.strip();
            assertThat(ExpectedVerdicts.fields(line, 4)).as("fields of %s", Arrays.toString(c))
                    .containsExactly(line.split("\\s+", 4));
        }
    }
}
