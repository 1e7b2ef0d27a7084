package org.efiemu.core.util;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class NearestNameTest {
    @Test
    void aTypoFindsTheNameItWasMeantToBe() {
        assertThat(NearestName.of("AllocatPages", List.of("FreePages", "AllocatePages", "AllocatePool"))).contains("AllocatePages");
        assertThat(NearestName.of("stpe", List.of("break", "step", "next"))).contains("step");
    }

    @Test
    void caseIsIgnoredAndTheFirstOfEquallyNearNamesWins() {
        assertThat(NearestName.of("getmemorymap", List.of("GetMemoryMap", "SetMem"))).contains("GetMemoryMap");
        assertThat(NearestName.of("x", List.of("a", "b"))).contains("a");
    }

    @Test
    void noKnownNamesOrNoneNearEnoughGivesNothing() {
        assertThat(NearestName.of("anything", List.of())).isEmpty();
        assertThat(NearestName.of("frobnicate", List.of("break", "step"))).isEmpty();
        assertThat(NearestName.hint("frobnicate", List.of("break", "step"))).isEmpty();
        assertThat(NearestName.hint("brk", List.of("break", "step"))).isEqualTo("; did you mean 'break'?");
    }

    @Test
    void aNameTheTypedTextBeginsIsOneEditAway() {
        assertThat(NearestName.of("Alloc", List.of("FreePool", "AllocatePool"))).contains("AllocatePool");
    }

    @Test
    void distanceCountsInsertionsDeletionsAndSubstitutions() {
        assertThat(NearestName.distance("kitten", "sitting")).isEqualTo(3);
        assertThat(NearestName.distance("", "abc")).isEqualTo(3);
        assertThat(NearestName.distance("same", "same")).isZero();
    }
}
