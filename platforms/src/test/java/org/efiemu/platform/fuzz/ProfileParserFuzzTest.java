package org.efiemu.platform.fuzz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import org.efiemu.platform.PlatformProfile;
import org.efiemu.platform.ProfileFormatException;
import org.efiemu.platform.ProfileParser;
import org.efiemu.platform.TextFiles;

/**
 * Mutations of a real built-in profile (ovmf-q35-2g): values replaced by edge-case numbers (too long, negative,
 * 2^64, 65536.99, 0x without digits), lines dropped, duplicated or cut, bytes flipped to non-UTF-8. Whatever the
 * text, the parser returns a profile or throws {@link ProfileFormatException} whose message names the file and
 * (for a line's fault) the line; never another exception, never a hang. Seeds are fixed: every run tries the same
 * inputs. The long run (other seeds, more tries) is described in docs/robustness.md.
 */
class ProfileParserFuzzTest {
    private static final Duration NO_HANG = Duration.ofSeconds(10);
    private static final List<String> LINES = load();

    private static List<String> load() {
        try (InputStream in = ProfileParserFuzzTest.class.getResourceAsStream(
                "/org/efiemu/platform/profiles/ovmf-q35-2g.profile")) {
            return List.of(new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n", -1));
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("built-in profile ovmf-q35-2g is not on the class path", e);
        }
    }

    /** One edit: kind 0 replace a value, 1 drop a line, 2 duplicate a line, 3 cut a line in two, 4 swap two lines. */
    record Edit(int kind, int line, int other, String value) {}

    @Provide
    Arbitrary<List<Edit>> edits() {
        Arbitrary<String> values = Arbitraries.oneOf(
                Arbitraries.of("99999999999", "99999999999999999999999", "-1", "0x", "0xFFFFFFFFFFFFFFFFF",
                        "18446744073709551616", "65536.99", "2.7", "0.00", "1x1", "0x0-0x0", "9999999999x9999999999",
                        "", " ", "EfiConventionalMemory", "OEM(0x6FFFFFFF)", "OS(0x80000000)", "edk2-topdown default-max=",
                        "hex:zz", "utf16:\u00e9", "\u0000"),
                Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(24));
        Arbitrary<Integer> line = Arbitraries.integers().between(0, LINES.size() - 1);
        return Combinators.combine(Arbitraries.integers().between(0, 4), line, line, values).as(Edit::new)
                .list().ofMinSize(1).ofMaxSize(5);
    }

    @Property(tries = 2000, seed = "20261206")
    void mutatedProfileParsesOrFailsWithAFormatErrorNamingTheFile(@ForAll("edits") List<Edit> edits) {
        List<String> lines = new ArrayList<>(LINES);
        for (Edit e : edits) {
            int at = Math.min(e.line(), lines.size() - 1);
            if (at < 0) {
                break;
            }
            String l = lines.get(at);
            switch (e.kind()) {
                case 0 -> {
                    int colon = l.indexOf(':');
                    int space = l.lastIndexOf(' ');
                    lines.set(at, colon > 0 && colon < l.length() - 1 ? l.substring(0, colon + 1) + " " + e.value()
                            : space > 0 ? l.substring(0, space + 1) + e.value() : e.value());
                }
                case 1 -> lines.remove(at);
                case 2 -> lines.add(at, l);
                case 3 -> {
                    int cut = Math.min(l.length(), Math.abs(e.value().hashCode()) % (l.length() + 1));
                    lines.set(at, l.substring(0, cut));
                    lines.add(at + 1, l.substring(cut));
                }
                default -> {
                    int other = Math.min(e.other(), lines.size() - 1);
                    lines.set(at, lines.get(other));
                    lines.set(other, l);
                }
            }
        }
        String text = String.join("\n", lines);
        Statistics.collect(assertTimeoutPreemptively(NO_HANG, () -> parse(text)));
        Statistics.coverage(c -> c.check("rejected").percentage(p -> p > 20));
    }

    @Property(tries = 500, seed = "20261207")
    void bytesThatAreNotUtf8AreAFormatErrorNamingTheLine(@ForAll("flips") List<Integer> flips) {
        byte[] bytes = String.join("\n", LINES).getBytes(StandardCharsets.UTF_8);
        byte[] mutated = Arrays.copyOf(bytes, bytes.length);
        for (int at : flips) {
            mutated[at % mutated.length] = (byte) (0x80 | (at & 0x7F));
        }
        try {
            String text = TextFiles.decode(mutated, "fuzz.profile");
            Statistics.collect(parse(text));
        } catch (ProfileFormatException e) {
            assertThat(e.getMessage()).startsWith("fuzz.profile:").contains("not UTF-8");
            assertThat(e.line()).isPositive();
            Statistics.collect("not UTF-8");
        }
    }

    @Provide
    Arbitrary<List<Integer>> flips() {
        return Arbitraries.integers().between(0, Integer.MAX_VALUE).list().ofMinSize(1).ofMaxSize(4);
    }

    private static String parse(String text) {
        try {
            PlatformProfile p = ProfileParser.parse(text, "fuzz.profile");
            assertThat(p).isNotNull();
            return "parsed";
        } catch (ProfileFormatException e) {
            assertThat(e.getMessage()).startsWith("fuzz.profile").doesNotContain("Exception").doesNotContain("For input string");
            assertThat(e.line()).isBetween(0, 1_000_000);
            return "rejected";
        }
    }
}
