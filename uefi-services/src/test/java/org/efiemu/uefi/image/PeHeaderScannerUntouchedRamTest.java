package org.efiemu.uefi.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import java.util.Random;
import org.efiemu.core.machine.Machine;
import org.efiemu.core.memory.GuestMemory;
import org.efiemu.core.memory.PhysicalLayout;
import org.junit.jupiter.api.Test;

/**
 * {@link PeHeaderScanner#find} jumps over never-touched RAM (zeros: no header there) instead of reading it page by
 * page, and finds exactly what the page-by-page scan finds: the same image, the same misses at holes and beyond
 * {@link PeHeaderScanner#MAX_DISTANCE}.
 */
class PeHeaderScannerUntouchedRamTest {
    private static final long PAGE = 0x1000;

    @Test
    void skippingUntouchedRamFindsWhatThePageByPageScanFinds() {
        PhysicalLayout layout = PhysicalLayout.builder()
                .ram(0x1000, 0x9F000)
                .ram(0x100000, 0x7F00000)          // to 128 MiB
                .ram(0x8000000, 0x8000000)         // adjacent, to 256 MiB
                .ram(0x11000000, 0x1000000)        // after a 16 MiB hole
                .build();
        Random random = new Random(15);
        for (int round = 0; round < 6; round++) {
            try (Machine m = Machine.builder(layout).cpuStructuresAt(0x10000).stackTop(0x80000)
                    .trapRegion(0x90000, 0x1000).build()) {
                GuestMemory memory = m.memory();
                long[] bases = {0x200000, 0x7FF0000, 0x9000000 + PAGE * random.nextInt(0x1000), 0x11002000};
                for (long base : bases) {
                    writeHeader(memory, base, 0x40000 + PAGE * random.nextInt(0x400));
                }
                for (int i = 0; i < 40; i++) { // stray non-zero data, some of it "MZ" without a valid header
                    long at = 0x100000 + PAGE * random.nextInt(0x10000);
                    if (memory.isRam(at, 2)) {
                        memory.putU16(at, random.nextBoolean() ? 0x5A4D : 0x1234);
                    }
                }
                for (int i = 0; i < 300; i++) {
                    long address = i < bases.length ? bases[i] + 0x1234 : 0x1000 + (random.nextLong() & 0x11FFFFFFL);
                    if (!memory.isRam(address, 1)) {
                        continue;
                    }
                    assertThat(PeHeaderScanner.find(memory, address)).as("0x%X", address)
                            .isEqualTo(pageByPage(memory, address));
                }
                for (long base : bases) {
                    assertThat(PeHeaderScanner.find(memory, base + 0x3000)).as("inside the image at 0x%X", base)
                            .map(FoundImage::base).contains(base);
                }
            }
        }
    }

    /** The scan as it was: every page from the address's down, a hole ends it. */
    private static Optional<FoundImage> pageByPage(GuestMemory memory, long address) {
        for (long at = address & ~(PAGE - 1); at >= 0 && address - at <= PeHeaderScanner.MAX_DISTANCE; at -= PAGE) {
            if (!memory.isRam(at, 2)) {
                return Optional.empty();
            }
            if (memory.u16(at) != 0x5A4D) {
                continue;
            }
            Optional<FoundImage> f = PeHeaderScanner.at(memory, at);
            if (f.isPresent() && f.get().contains(address)) {
                return f;
            }
        }
        return Optional.empty();
    }

    /** A minimal loaded PE32+ header: MZ, e_lfanew 0x80, PE, AMD64, optional header magic 0x20B, no data directories. */
    private static void writeHeader(GuestMemory memory, long base, long sizeOfImage) {
        memory.putU16(base, 0x5A4D);
        memory.putU32(base + 0x3C, 0x80);
        long pe = base + 0x80;
        memory.putU32(pe, 0x4550);
        memory.putU16(pe + 4, 0x8664);
        long opt = pe + 24;
        memory.putU16(opt, 0x20B);
        memory.putU32(opt + 16, 0x1000);
        memory.putU32(opt + 32, 0x1000);
        memory.putU32(opt + 56, sizeOfImage);
        memory.putU32(opt + 60, 0x400);
        memory.putU32(opt + 108, 0);
        memory.putU8(base + sizeOfImage - 1, 0xCC); // the image's last page is written, as a loaded image's would be
    }
}
