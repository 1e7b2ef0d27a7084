package org.efiemu.earlyalloc.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A scenario report's trace lines made when read ({@link MappedList}) are the lines made at once: equal lists, equal
 * reports, the same JSON-visible order, nothing made before it is read and each line made once.
 */
class MappedListTest {

    @Test
    void aMappedListEqualsTheListMappedAtOnceAndMakesEachElementOnceWhenRead() {
        SplittableRandom rnd = new SplittableRandom(3);
        for (int round = 0; round < 300; round++) {
            List<Long> source = new ArrayList<>();
            int n = rnd.nextInt(300);
            for (int i = 0; i < n; i++) {
                source.add(rnd.nextLong());
            }
            AtomicInteger made = new AtomicInteger();
            List<TraceLine> lazy = MappedList.of(source, v -> {
                made.incrementAndGet();
                return new TraceLine(v, "call " + Long.toHexString(v));
            });
            assertThat(made).as("nothing made before it is read").hasValue(0);
            List<TraceLine> eager = source.stream().map(v -> new TraceLine(v, "call " + Long.toHexString(v))).toList();
            assertThat(lazy).hasSize(n).isEqualTo(eager);
            assertThat(eager).isEqualTo(lazy);
            assertThat(lazy.hashCode()).isEqualTo(eager.hashCode());
            assertThat(lazy.toString()).isEqualTo(eager.toString());
            assertThat(made).as("each element made once").hasValue(n);
            assertThat(new ArrayList<>(lazy)).isEqualTo(eager);
            assertThat(made).as("read again: not made again").hasValue(n);
        }
    }

    @Test
    void aMappedListCannotBeChangedNorSeesChangesOfItsSource() {
        List<Long> source = new ArrayList<>(List.of(1L, 2L));
        List<String> lazy = MappedList.of(source, String::valueOf);
        source.set(0, 7L);
        source.add(3L);
        assertThat(lazy).containsExactly("1", "2");
        assertThatThrownBy(() -> lazy.add("x")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> lazy.set(0, "x")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> lazy.get(2)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void aScenarioReportWithTraceLinesMadeWhenReadEqualsOneWithTheLinesMadeAtOnce() {
        List<Long> times = List.of(10L, 20L, 35L);
        List<TraceLine> eager = times.stream().map(t -> new TraceLine(t, "GetMemoryMap() = EFI_SUCCESS")).toList();
        ScenarioReport a = report(eager);
        ScenarioReport b = report(MappedList.of(times, t -> new TraceLine(t, "GetMemoryMap() = EFI_SUCCESS")));
        assertThat(b).isEqualTo(a);
        assertThat(b.trace()).isEqualTo(a.trace());
        assertThat(b.hashCode()).isEqualTo(a.hashCode());
    }

    private static ScenarioReport report(List<TraceLine> trace) {
        return new ScenarioReport("ovmf-q35-2g", "efi-pool", java.util.Map.of(), Verdict.PASS,
                new ExpectedVerdict(Verdict.PASS, "works"), List.of(), List.of(), null, null, List.of(), List.of(), trace,
                "", new Costs(4096, 0, 3), List.of());
    }
}
