package org.efiemu.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.efiemu.uefi.platform.PlatformDescription.PoolFreeBlock;
import org.efiemu.uefi.spec.MemoryType;
import org.junit.jupiter.api.Test;

/** {@code pool-free} lines: the firmware's free pool blocks at application entry (docs/profiles.md). */
class PoolFreeLinesTest {
    private static final String HEAD = "name: t\n";
    private static final String MAP = "memory-map:\n"
            + "EfiConventionalMemory     0x0000000000000000-0x000000000009FFFF 0xF\n"
            + "EfiBootServicesData       0x0000000000100000-0x00000000001FFFFF 0xF\n";

    @Test
    void poolFreeLinesAreReadInOrderAndWrittenBackCanonically() {
        String text = HEAD + "pool-free: EfiBootServicesData 0x100E80 384\npool-free: OS(0x80000001) 0x101000 128\n" + MAP;
        PlatformProfile p = ProfileParser.parse(text, "t.profile");
        assertThat(p.poolFreeBlocks()).containsExactly(new PoolFreeBlock(MemoryType.EfiBootServicesData.value(), 0x100E80, 384),
                new PoolFreeBlock(0x80000001, 0x101000, 128));
        assertThat(p.toDescription().poolFreeBlocks()).isEqualTo(p.poolFreeBlocks());
        String written = ProfileWriter.write(p);
        assertThat(written).contains("pool-free: EfiBootServicesData 0x100E80 384\npool-free: OS(0x80000001) 0x101000 128\n");
        assertThat(ProfileParser.parse(written, "t2.profile")).isEqualTo(p);
    }

    @Test
    void badPoolFreeLinesNameTheLineAndWhatWasExpected() {
        assertThatThrownBy(() -> ProfileParser.parse(HEAD + "pool-free: EfiBootServicesData 0x100E80 300\n" + MAP, "t.profile"))
                .hasMessageContaining("t.profile").hasMessageContaining("pool-free").hasMessageContaining("block size of 128");
        assertThatThrownBy(() -> ProfileParser.parse(HEAD + "pool-free: EfiBootServicesData 0x50000 128\n" + MAP, "t.profile"))
                .hasMessageContaining("0x50000").hasMessageContaining("EfiConventionalMemory");
    }

    @Test
    void ovmfQ35TwoGigProfileCarriesTheRuntimeDataBlockStep72Revealed() {
        PlatformProfile p = ProfileRegistry.builtIn("ovmf-q35-2g");
        assertThat(p.poolFreeBlocks()).contains(new PoolFreeBlock(MemoryType.EfiRuntimeServicesData.value(), 0x7F51CE00L, 128));
    }
}
