package org.efiemu.earlyalloc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The hunt prints its rate and search time without java.util.Formatter: {@code HuntCommand.fixed(v, n)} prints what
 * {@code String.format(Locale.ROOT, "%.nf", v)} prints, for ties, large and small values, and random ones.
 */
class HuntRateFormatTest {
    @Test
    void fixedPrintsWhatTheFormatterPrintsForTiesAndEdges() {
        double[] values = {0, 0.5, 1.5, 2.5, 0.005, 0.015, 0.125, 1.005, 2.675, 688.5, 999.995, 1e7, 1.2345678e9,
                123456789.5, 1e-9, 0.0049999, Double.MIN_VALUE, Double.MAX_VALUE, -1.5, -0.0, Double.NaN,
                Double.POSITIVE_INFINITY};
        for (double v : values) {
            for (int n : new int[] {0, 2}) {
                assertThat(HuntCommand.fixed(v, n)).as("%s to %d places", v, n)
                        .isEqualTo(String.format(Locale.ROOT, "%." + n + "f", v));
            }
        }
    }

    @Test
    void fixedPrintsWhatTheFormatterPrintsForRandomRatesAndTimes() {
        Random r = new Random(15);
        for (int i = 0; i < 200_000; i++) {
            double v = switch (i % 4) {
                case 0 -> r.nextDouble() * 5000;
                case 1 -> r.nextInt(100_000) / 1000.0;
                case 2 -> (r.nextInt(20_000) + 0.5) / (i % 8 == 2 ? 1 : 100);
                default -> r.nextLong(1L << 40) * 1e9 / (1 + r.nextLong(1L << 36));
            };
            for (int n : new int[] {0, 2}) {
                assertThat(HuntCommand.fixed(v, n)).as("%s to %d places", v, n)
                        .isEqualTo(String.format(Locale.ROOT, "%." + n + "f", v));
            }
        }
    }
}
