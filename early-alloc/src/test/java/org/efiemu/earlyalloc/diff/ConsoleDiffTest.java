package org.efiemu.earlyalloc.diff;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ConsoleDiffTest {
    @Test
    void firstDifferingLineIsTheDivergenceAndTrailingBlanksDoNotCount() {
        assertThat(ConsoleDiff.firstDivergence(List.of("a", "b ", "c"), List.of("a", "b", "x"))).hasValue(2);
        assertThat(ConsoleDiff.firstDivergence(List.of("a", "b"), List.of("a", "b  "))).isEmpty();
    }

    @Test
    void aSideThatStoppedPrintingDivergesWhereItStopped() {
        assertThat(ConsoleDiff.firstDivergence(List.of("a"), List.of("a", "b"))).hasValue(1);
        assertThat(ConsoleDiff.firstDivergence(List.of(), List.of("a"))).hasValue(0);
    }

    @Test
    void sideBySideMarksEqualAndDifferentLinesAndElidesFarContext() {
        List<String> real = List.of("1", "2", "3", "4", "5", "6");
        List<String> emu = List.of("1", "2", "3", "4", "X");
        List<String> out = ConsoleDiff.sideBySide(real, emu, 1);
        assertThat(out.get(1)).isEqualTo("     (3 equal lines before)");
        assertThat(out.get(2)).startsWith("   4 4 ").endsWith("= 4");
        assertThat(out.get(3)).startsWith("   5 5 ").endsWith("* X");
        assertThat(out.get(4)).startsWith("   6 6 ").endsWith("* (no line)");
    }
}
