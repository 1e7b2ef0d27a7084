package org.efiemu.uefi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The host-work part of {@link RunBudget}: a base cost per service call plus its bytes, one stop when passed. */
class RunBudgetHostWorkTest {
    @Test
    void hostWorkIsTheCallCostPlusTheBytesAndStopsOnceWhenPassed() {
        List<String> stops = new ArrayList<>();
        RunBudget b = new RunBudget(1_000, 3 * RunBudget.HOST_WORK_PER_CALL + 100, 1_000, stops::add);
        b.hostWork("CopyMem", 100);
        b.hostWork("SetMem", 0);
        assertThat(b.hostWorkCharged()).isEqualTo(2 * RunBudget.HOST_WORK_PER_CALL + 100);
        assertThat(b.exhausted()).isEmpty();
        b.hostWork("SetMem", 0); // exactly at the limit: still allowed
        assertThat(stops).isEmpty();
        b.hostWork("CalculateCrc32", 1);
        b.hostWork("SetMem", 5);
        assertThat(stops).singleElement().asString().startsWith("host-work budget exhausted: more than 12,388 units")
                .endsWith("the last call, CalculateCrc32, moved 1 bytes");
        assertThat(b.exhausted()).contains(stops.get(0));
    }
}
