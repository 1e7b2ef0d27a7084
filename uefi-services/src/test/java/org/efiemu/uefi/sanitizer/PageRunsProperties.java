package org.efiemu.uefi.sanitizer;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.collect.Range;
import com.google.common.collect.RangeSet;
import com.google.common.collect.TreeRangeSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/** {@link PageRuns} answers as Guava's {@code TreeRangeSet<Long>} of {@code closedOpen} ranges it replaces. */
class PageRunsProperties {
    @Property(tries = 300)
    void pageRunsAnswerAsATreeRangeSetOverRandomAddsAndRemoves(@ForAll long seed) {
        Random random = new Random(seed);
        PageRuns runs = new PageRuns();
        RangeSet<Long> guava = TreeRangeSet.create();
        int span = 8 + random.nextInt(200); // small spans: runs touch, overlap and split often
        long base = random.nextBoolean() ? 0 : random.nextLong(1L << 50);
        for (int step = 0; step < 120; step++) {
            long s = base + random.nextInt(span);
            long e = s + random.nextInt(1 + random.nextInt(24));
            if (random.nextInt(3) == 0) {
                runs.remove(s, e);
                if (s < e) {
                    guava.remove(Range.closedOpen(s, e));
                }
            } else {
                runs.add(s, e);
                if (s < e) {
                    guava.add(Range.closedOpen(s, e));
                }
            }
            assertThat(list(runs)).isEqualTo(list(guava));
            long qs = base + random.nextInt(span + 4) - 2;
            long qe = qs + 1 + random.nextInt(20);
            Range<Long> q = Range.closedOpen(qs, qe);
            assertThat(runs.encloses(qs, qe)).as("encloses %s in %s", q, guava).isEqualTo(guava.encloses(q));
            assertThat(runs.intersects(qs, qe)).as("intersects %s in %s", q, guava).isEqualTo(guava.intersects(q));
            assertThat(runs.intersectsClosed(qs, qe)).as("intersects [%d, %d] in %s", qs, qe, guava)
                    .isEqualTo(guava.intersects(Range.closed(qs, qe)));
            assertThat(runs.contains(qs)).isEqualTo(guava.contains(qs));
            Range<Long> holding = guava.rangeContaining(qs);
            long[] r = runs.runContaining(qs);
            assertThat(r == null ? null : r[0] + ".." + r[1])
                    .isEqualTo(holding == null ? null : holding.lowerEndpoint() + ".." + holding.upperEndpoint());
            List<String> inside = new ArrayList<>();
            runs.forEachIn(qs, qe, (a, b) -> inside.add(a + ".." + b));
            assertThat(inside).isEqualTo(list(guava.subRangeSet(q)));
            List<String> gaps = new ArrayList<>();
            runs.gapsIn(qs, qe, (a, b) -> gaps.add(a + ".." + b));
            RangeSet<Long> todo = TreeRangeSet.create(List.of(q));
            todo.removeAll(guava);
            assertThat(gaps).isEqualTo(list(todo));
        }
    }

    private static List<String> list(PageRuns runs) {
        List<String> out = new ArrayList<>();
        runs.forEach((a, b) -> out.add(a + ".." + b));
        return out;
    }

    private static List<String> list(RangeSet<Long> set) {
        List<String> out = new ArrayList<>();
        for (Range<Long> r : set.asRanges()) {
            out.add(r.lowerEndpoint() + ".." + r.upperEndpoint());
        }
        return out;
    }
}
