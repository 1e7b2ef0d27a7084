package org.efiemu.uefi.memory;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Allocation, AllocationTag and PageOwner write their equals and hashCode out (instead of the record's, made at run
 * time by java.lang.runtime.ObjectMethods): equal components give equal values with equal hashes, the hash is the
 * record's own combination (31 * h + each component's hash, from 0), and a difference in any one component makes them
 * unequal.
 */
class AllocationEqualityTest {
    private static final AllocationTag TAG = AllocationTag.application(0x1234);
    private static final Allocation A = new Allocation(7, AllocationService.AllocatePages, 4, 0x100000, 3, 0, TAG);

    @Test
    void equalComponentsGiveEqualValuesWithTheRecordsHash() {
        Allocation same = new Allocation(7, AllocationService.AllocatePages, 4, 0x100000, 3, 0,
                AllocationTag.application(0x1234));
        assertThat(same).isEqualTo(A).hasSameHashCodeAs(A);
        int tagHash = (31 * Requester.APPLICATION.hashCode() + Long.hashCode(0x1234)) * 31;
        assertThat(TAG.hashCode()).isEqualTo(tagHash);
        int h = 0;
        for (int c : new int[] {Long.hashCode(7), AllocationService.AllocatePages.hashCode(), 4, Long.hashCode(0x100000),
                Long.hashCode(3), Long.hashCode(0), tagHash}) {
            h = 31 * h + c;
        }
        assertThat(A.hashCode()).isEqualTo(h);
        assertThat(PageOwner.of(same)).isEqualTo(PageOwner.of(A)).hasSameHashCodeAs(PageOwner.of(A));
        assertThat(PageOwner.of(A).hashCode()).isEqualTo(31 * PageOwner.Kind.APPLICATION.hashCode() + h);
        assertThat(PageOwner.FREE.hashCode()).isEqualTo(31 * PageOwner.Kind.FREE.hashCode());
    }

    @Test
    void aDifferenceInAnyOneComponentMakesThemUnequal() {
        List<Allocation> others = List.of(
                new Allocation(8, AllocationService.AllocatePages, 4, 0x100000, 3, 0, TAG),
                new Allocation(7, AllocationService.AllocatePool, 4, 0x100000, 3, 0, TAG),
                new Allocation(7, AllocationService.AllocatePages, 5, 0x100000, 3, 0, TAG),
                new Allocation(7, AllocationService.AllocatePages, 4, 0x101000, 3, 0, TAG),
                new Allocation(7, AllocationService.AllocatePages, 4, 0x100000, 4, 0, TAG),
                new Allocation(7, AllocationService.AllocatePages, 4, 0x100000, 3, 1, TAG),
                new Allocation(7, AllocationService.AllocatePages, 4, 0x100000, 3, 0, TAG.withLabel("x")));
        for (Allocation o : others) {
            assertThat(o).as("%s", o).isNotEqualTo(A);
            assertThat(PageOwner.of(o)).as("%s", o).isNotEqualTo(PageOwner.of(A));
        }
        assertThat(AllocationTag.application(0x1235)).isNotEqualTo(TAG);
        assertThat(AllocationTag.firmware()).isNotEqualTo(new AllocationTag(Requester.APPLICATION, 0, null))
                .isEqualTo(new AllocationTag(Requester.FIRMWARE, 0, null));
        assertThat(PageOwner.FREE).isNotEqualTo(PageOwner.NOT_RAM).isNotEqualTo(null).isNotEqualTo("FREE");
        assertThat(A).isNotEqualTo(null).isNotEqualTo(TAG);
    }
}
