package org.efiemu.earlyalloc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The payload's report lines read from console text. */
class PayloadLinesTest {

    @Test
    void reportLinesAmongOtherTextAreReadWhereverTheyStandOnTheirLine() {
        PayloadLines p = PayloadLines.parse("boot\r\n  @efiemu strategy mem-lower \r\nnoise @efiemu region heap 0x1000 0x2000\n"
                + "@efiemu info key=v=1\n@efiemu trampoline 0x8F000 source=allocate\r\n@efiemu result ok\n@efiemu done");
        assertThat(p.strategy()).isEqualTo("mem-lower");
        assertThat(p.regions()).extracting(PayloadLines.Region::toString).containsExactly("heap 0x1000+0x2000");
        assertThat(p.info()).containsExactly(Map.entry("key", "v=1"));
        assertThat(p.trampoline()).contains(new PayloadLines.TrampolineLine(0x8F000, "allocate"));
        assertThat(p.resultOk()).isTrue();
        assertThat(p.done()).isTrue();
    }

    @Test
    void randomConsolesReadAsSplittingTheTextIntoLinesReadThem() {
        String[] pieces = {"@efiemu ", "@efiemu", "strategy x", "region a 0x10 0x20", "region b 0x1 0x", "info k=v", "info =v",
                "trampoline 0x9000 source=fallback", "result fail no room", "result ok", "done", " ", "\r", "\n", "\n",
                "\r\n", "text", "@", "efiemu ", "\t"};
        Random random = new Random(16);
        for (int i = 0; i < 20_000; i++) {
            StringBuilder console = new StringBuilder();
            for (int n = random.nextInt(40); n > 0; n--) {
                console.append(pieces[random.nextInt(pieces.length)]);
            }
            String text = console.toString();
            assertThat(PayloadLines.parse(text)).as("%s", text).isEqualTo(splittingIntoLines(text));
        }
    }

    private static final String PREFIX = "@efiemu ";
    private static final Pattern REGION = Pattern.compile("region (\\S+) 0x([0-9a-fA-F]+) 0x([0-9a-fA-F]+)");
    private static final Pattern TRAMPOLINE = Pattern.compile("trampoline 0x([0-9a-fA-F]+) source=(\\S+)");

    /** {@link PayloadLines#parse(String)} as it was: the whole text split into lines, each stripped and looked at. */
    private static PayloadLines splittingIntoLines(String console) {
        String strategy = "";
        List<PayloadLines.Region> regions = new ArrayList<>();
        Map<String, String> info = new LinkedHashMap<>();
        PayloadLines.TrampolineLine trampoline = null;
        String result = "";
        boolean done = false;
        for (String raw : console.split("\n")) {
            String line = raw.strip();
            int at = line.indexOf(PREFIX);
            if (at < 0) {
                continue;
            }
            String body = line.substring(at + PREFIX.length()).strip();
            Matcher m;
            if (body.startsWith("strategy ")) {
                strategy = body.substring("strategy ".length()).strip();
            } else if ((m = REGION.matcher(body)).matches()) {
                regions.add(new PayloadLines.Region(m.group(1), Long.parseUnsignedLong(m.group(2), 16),
                        Long.parseUnsignedLong(m.group(3), 16), Long.MAX_VALUE));
            } else if (body.startsWith("info ")) {
                String kv = body.substring("info ".length()).strip();
                int eq = kv.indexOf('=');
                if (eq > 0) {
                    info.put(kv.substring(0, eq), kv.substring(eq + 1));
                }
            } else if ((m = TRAMPOLINE.matcher(body)).matches()) {
                trampoline = new PayloadLines.TrampolineLine(Long.parseUnsignedLong(m.group(1), 16), m.group(2));
            } else if (body.startsWith("result ")) {
                result = body.substring("result ".length()).strip();
            } else if (body.equals("done")) {
                done = true;
            }
        }
        return new PayloadLines(strategy, regions, info, Optional.ofNullable(trampoline), result, done);
    }
}
