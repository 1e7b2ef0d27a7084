package org.efiemu.earlyalloc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.efiemu.platform.PlatformProfile;
import org.efiemu.platform.ProfileRegistry;
import org.efiemu.uefi.spec.MemoryType;
import org.junit.jupiter.api.Test;

class MapGrowthTest {
    private final PlatformProfile ovmf = ProfileRegistry.builtIn("ovmf-q35-2g");

    @Test
    void growingAddsExactlyNDescriptorsAndTakesHalfThePagesRoundedUp() {
        for (int n : new int[] {1, 2, 7, 300}) {
            PlatformProfile grown = MapGrowth.grow(ovmf, n);
            assertThat(grown.memoryMap()).hasSize(ovmf.memoryMap().size() + n);
            assertThat(ovmf.pagesOfType(MemoryType.EfiConventionalMemory) - grown.pagesOfType(MemoryType.EfiConventionalMemory))
                    .isEqualTo((n + 1) / 2);
            assertThat(grown.ramBytes()).isEqualTo(ovmf.ramBytes());
        }
    }

    @Test
    void zeroLeavesTheProfileAlone() {
        assertThat(MapGrowth.grow(ovmf, 0)).isSameAs(ovmf);
    }

    @Test
    void tooManyEntriesNamesThePlatform() {
        assertThatThrownBy(() -> MapGrowth.grow(ovmf, 600_000)).hasMessageContaining("ovmf-q35-2g");
    }
}
