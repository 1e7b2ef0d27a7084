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
    void noKnownNamesGivesNothing() {
        assertThat(NearestName.of("anything", List.of())).isEmpty();
    }

    @Test
    void distanceCountsInsertionsDeletionsAndSubstitutions() {
        assertThat(NearestName.distance("kitten", "sitting")).isEqualTo(3);
        assertThat(NearestName.distance("", "abc")).isEqualTo(3);
        assertThat(NearestName.distance("same", "same")).isZero();
    }
}
