package org.efiemu.uefi.image;

import static org.assertj.core.api.Assertions.assertThat;

import org.efiemu.core.memory.GuestMemory;
import org.efiemu.uefi.TestPlatforms;
import org.efiemu.uefi.UefiMachine;
import org.junit.jupiter.api.Test;

/**
 * {@link Multiboot2HeaderScanner} through {@link ImageRegistry#describe}: a kernel placed by multiboot2 (Xen loaded by
 * GRUB has its Multiboot2 header at base + 0x18 with a relocatable tag aligned to 2 MiB) is named
 * {@code multiboot2@0xBASE}, an ELF file's copy in a loader's buffers is not an image, a bad checksum is no header.
 */
class Multiboot2HeaderScannerTest {
    private static final long MAGIC = 0xE85250D6L;

    /** Writes a Multiboot2 header at {@code at}: the relocatable tag (align) and optionally an address tag. */
    private static void header(GuestMemory mem, long at, long align, long[] addressTag, boolean goodChecksum) {
        int length = 16 + (addressTag != null ? 24 : 0) + 24 + 8;
        mem.putU32(at, MAGIC);
        mem.putU32(at + 4, 0);
        mem.putU32(at + 8, length);
        mem.putU32(at + 12, (-(MAGIC + length) + (goodChecksum ? 0 : 1)) & 0xFFFF_FFFFL);
        long tag = at + 16;
        if (addressTag != null) {
            mem.putU16(tag, 2);
            mem.putU32(tag + 4, 24);
            for (int i = 0; i < 4; i++) mem.putU32(tag + 8 + 4L * i, addressTag[i]);
            tag += 24;
        }
        mem.putU16(tag, 10);
        mem.putU16(tag + 2, 1);
        mem.putU32(tag + 4, 24);
        mem.putU32(tag + 8, 0x200000);
        mem.putU32(tag + 12, 0xFFFF_FFFFL);
        mem.putU32(tag + 16, align);
        mem.putU32(tag + 20, 2);
        mem.putU16(tag + 24, 0);
        mem.putU32(tag + 28, 8);
    }

    private static UefiMachine machine() {
        return UefiMachine.builder(TestPlatforms.ovmfQ35()).payload(TestPlatforms.payload("svc-unmet")).build();
    }

    @Test
    void xenLikeRelocatableKernelIsNamedAtItsTwoMebibyteAlignedBase() {
        try (UefiMachine m = machine()) {
            GuestMemory mem = m.machine().memory();
            header(mem, 0x2000_0018L, 0x20_0000, null, true);
            ImageRegistry images = new ImageRegistry();
            images.discoverIn(mem);
            assertThat(images.describe(0x201E_4F29L)).isEqualTo("multiboot2@0x20000000+0x1E4F29");
            assertThat(images.describe(0x2030_0000L)).isEqualTo("multiboot2@0x20000000+0x300000");
            assertThat(images.describe(0x2000_0000L + Multiboot2HeaderScanner.MAX_UNKNOWN_SIZE))
                    .as("past the size an image without an address tag is taken to have").isEqualTo("0x21000000");
            assertThat(images.found()).singleElement().satisfies(f -> {
                assertThat(f.header()).isEqualTo("multiboot2 header");
                assertThat(f.toString()).contains("multiboot2 header found in memory").contains("header at "
                        + "multiboot2@0x20000000+0x18");
            });
        }
    }

    @Test
    void addressTagGivesTheBaseAndTheEnd() {
        try (UefiMachine m = machine()) {
            GuestMemory mem = m.machine().memory();
            // linked at 0x100000 with the header at 0x100040, 0x5000 bytes loaded, bss to 0x108000
            header(mem, 0x2100_0040L, 0x1000, new long[] {0x100040, 0x100000, 0x105000, 0x108000}, true);
            FoundImage f = Multiboot2HeaderScanner.find(mem, 0x2100_4000L).orElseThrow();
            assertThat(f.base()).isEqualTo(0x2100_0000L);
            assertThat(f.size()).isEqualTo(0x8000);
            assertThat(Multiboot2HeaderScanner.find(mem, 0x2100_9000L)).as("past bss_end_addr").isEmpty();
        }
    }

    @Test
    void aHeaderInsideAnElfFileCopyIsNotAnImage() {
        try (UefiMachine m = machine()) {
            GuestMemory mem = m.machine().memory();
            mem.write(0x2200_0000L, new byte[] {0x7F, 'E', 'L', 'F', 1, 1, 1});
            header(mem, 0x2200_0098L, 0x20_0000, null, true); // where Xen's header sits in xen-4.17-amd64.gz's ELF
            assertThat(Multiboot2HeaderScanner.find(mem, 0x2200_5000L)).isEmpty();
        }
    }

    @Test
    void aBadChecksumIsNoHeader() {
        try (UefiMachine m = machine()) {
            GuestMemory mem = m.machine().memory();
            header(mem, 0x2300_0018L, 0x20_0000, null, false);
            assertThat(Multiboot2HeaderScanner.find(mem, 0x2300_5000L)).isEmpty();
        }
    }
}
