package org.efiemu.uefi.pci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.efiemu.uefi.spec.EfiException;
import org.efiemu.uefi.spec.EfiStatus;
import org.junit.jupiter.api.Test;

/** The pure models behind EFI_PCI_IO_PROTOCOL's Mem/Io (PciBarSpace) and DMA (PciDma) functions. */
class PciBarSpaceAndDmaTest {
    static byte[] qword(int type, long base, long length) {
        byte[] r = new byte[48];
        r[0] = (byte) 0x8A;
        r[1] = 0x2B;
        r[3] = (byte) type;
        for (int i = 0; i < 8; i++) {
            r[14 + i] = (byte) (base >>> (8 * i));
            r[38 + i] = (byte) (length >>> (8 * i));
        }
        r[46] = 0x79;
        return r;
    }

    static final PciBar MMIO = new PciBar(2, 0, qword(PciBar.MEMORY, 0xC1001000L, 0x1000),
            HexFormat.of().parseHex("00ffffffffffff0049143412"));
    static final PciBar IO = new PciBar(4, 0, qword(PciBar.IO, 0x6040, 0x20), HexFormat.of().parseHex("0102"));
    static final PciDevice DEVICE = new PciDevice(0, 0, 1, 0, 0, 0, 0, new byte[256],
            HexFormat.of().parseHex("02010c00d041030a000000000101060000017fff0400"), new byte[0], List.of(MMIO, IO));

    private static EfiStatus status(Runnable r) {
        try {
            r.run();
            return EfiStatus.SUCCESS;
        } catch (EfiException e) {
            return e.status();
        }
    }

    @Test
    void barAccessesOutsideTheDevicesBarsOrMisalignedAreUnsupported() {
        assertThat(PciBarSpace.check(DEVICE, 2, false, 2, 0x10, 4)).isEqualTo(MMIO);
        assertThat(status(() -> PciBarSpace.check(DEVICE, 0, false, 2, 0, 1))).isEqualTo(EfiStatus.UNSUPPORTED);
        assertThat(status(() -> PciBarSpace.check(DEVICE, 4, false, 2, 0, 1))).as("I/O BAR by Mem").isEqualTo(EfiStatus.UNSUPPORTED);
        assertThat(status(() -> PciBarSpace.check(DEVICE, 2, true, 2, 0, 1))).as("memory BAR by Io").isEqualTo(EfiStatus.UNSUPPORTED);
        assertThat(status(() -> PciBarSpace.check(DEVICE, 2, false, 2, 2, 1))).as("misaligned").isEqualTo(EfiStatus.UNSUPPORTED);
        assertThat(status(() -> PciBarSpace.check(DEVICE, 2, false, 2, 0xFFC, 2))).as("past the end").isEqualTo(EfiStatus.UNSUPPORTED);
        assertThat(status(() -> PciBarSpace.check(DEVICE, 2, false, 2, 0xFFC, 1))).isEqualTo(EfiStatus.SUCCESS);
        assertThat(status(() -> PciBarSpace.check(DEVICE, 2, false, 6, 0xFFC, 1000))).as("Fifo stays").isEqualTo(EfiStatus.SUCCESS);
        assertThat(status(() -> PciBarSpace.check(DEVICE, 2, false, 12, 0, 1))).isEqualTo(EfiStatus.INVALID_PARAMETER);
        assertThat(status(() -> PciBarSpace.check(DEVICE, 7, false, 0, 0, 1))).isEqualTo(EfiStatus.UNSUPPORTED);
    }

    @Test
    void readsGiveTheCapturedBytesThenAllOnes() {
        assertThat(HexFormat.of().formatHex(PciBarSpace.read(MMIO, 2, 0, 4))).isEqualTo("00ffffffffffff0049143412ffffffff");
        assertThat(PciBarSpace.captured(MMIO, 2, 0, 3)).isTrue();
        assertThat(PciBarSpace.captured(MMIO, 2, 0, 4)).isFalse();
        assertThat(HexFormat.of().formatHex(PciBarSpace.read(MMIO, 4, 1, 3))).as("Fifo Uint8 at 1").isEqualTo("ffffff");
        assertThat(HexFormat.of().formatHex(PciBarSpace.read(IO, 0, 0, 3))).isEqualTo("0102ff");
        assertThat(HexFormat.of().formatHex(PciBarSpace.read(IO, 9, 0, 2))).as("Fill Uint16").isEqualTo("0102ffff");
    }

    /** Pages handed out from 0x1000 up (max-address respected), copies recorded. */
    static final class FakeHost implements PciDma.Host {
        long next = 0x10000;
        final List<String> log = new ArrayList<>();

        @Override
        public long allocatePagesBelow(int memoryType, long pages, long maxAddress) {
            long at = next;
            next += pages * 4096;
            assertThat(next - 1).isLessThanOrEqualTo(maxAddress);
            log.add(String.format("alloc type %d %d pages at 0x%X", memoryType, pages, at));
            return at;
        }

        @Override
        public void freePages(long address, long pages) {
            log.add(String.format("free 0x%X %d pages", address, pages));
        }

        @Override
        public void copy(long from, long to, long bytes) {
            log.add(String.format("copy 0x%X -> 0x%X %d", from, to, bytes));
        }

        @Override
        public long allocatePool(long bytes) {
            return 0;
        }
    }

    @Test
    void mapIsTheIdentityBelowFourGibAndBouncesAbove() {
        FakeHost h = new FakeHost();
        PciDma dma = new PciDma(h);
        PciDma.Mapped m = dma.map(2, 0x7000_0000L, 0x2000);
        assertThat(m.deviceAddress()).isEqualTo(0x7000_0000L);
        assertThat(m.mapping()).isEqualTo(PciDma.NO_MAPPING);
        dma.unmap(PciDma.NO_MAPPING);
        assertThat(h.log).isEmpty();
        // BusMasterRead above 4 GiB: a bounce buffer filled from the host range
        PciDma.Mapped read = dma.map(0, 0x1_0000_0000L, 0x1800);
        assertThat(read.deviceAddress()).isEqualTo(0x10000L);
        assertThat(h.log).containsExactly("alloc type 4 2 pages at 0x10000", "copy 0x100000000 -> 0x10000 6144");
        // BusMasterWrite: copied back at Unmap
        PciDma.Mapped write = dma.map(1, 0x2_0000_0000L, 0x100);
        dma.unmap(write.mapping());
        assertThat(h.log).endsWith("copy 0x12000 -> 0x200000000 256", "free 0x12000 1 pages");
        assertThat(dma.liveMappings()).isEqualTo(1);
        dma.unmap(read.mapping());
        assertThat(dma.liveMappings()).isZero();
        assertThat(status(() -> dma.unmap(read.mapping()))).as("twice").isEqualTo(EfiStatus.INVALID_PARAMETER);
        assertThat(status(() -> dma.map(2, 0xFFFF_F000L, 0x2000))).as("common buffer across 4 GiB")
                .isEqualTo(EfiStatus.UNSUPPORTED);
        assertThat(status(() -> dma.map(3, 0x1000, 1))).isEqualTo(EfiStatus.INVALID_PARAMETER);
    }

    @Test
    void allocateBufferTakesPagesBelowFourGibOfBootOrRuntimeServicesData() {
        FakeHost h = new FakeHost();
        PciDma dma = new PciDma(h);
        assertThat(dma.allocateBuffer(4, 3, 0x800)).isEqualTo(0x10000L);
        assertThat(dma.allocateBuffer(6, 1, 0)).isEqualTo(0x13000L);
        assertThat(status(() -> dma.allocateBuffer(2, 1, 0))).isEqualTo(EfiStatus.INVALID_PARAMETER);
        assertThat(status(() -> dma.allocateBuffer(4, 1, 0x100))).isEqualTo(EfiStatus.UNSUPPORTED);
        dma.freeBuffer(0x10000, 3);
        assertThat(h.log).containsExactly("alloc type 4 3 pages at 0x10000", "alloc type 6 1 pages at 0x13000",
                "free 0x10000 3 pages");
    }

    @Test
    void aDeviceKeepsItsRomAndRefusesAnInconsistentOne() {
        byte[] rom = {0x55, (byte) 0xAA, 1, 0};
        PciDevice d = new PciDevice(0, 0, 1, 0, 0, 0, 4, new byte[256],
                HexFormat.of().parseHex("02010c00d041030a000000000101060000017fff0400"));
        assertThat(d.hasRomImage()).isFalse();
        assertThat(d.withRomImage(rom).romImage()).isEqualTo(rom);
        assertThatThrownBy(() -> d.withRomImage(new byte[3])).hasMessageContaining("3 bytes where rom-size is 4");
        assertThatThrownBy(() -> d.withBar(MMIO).withBar(MMIO)).hasMessageContaining("given twice");
        assertThatThrownBy(() -> new PciBar(1, 0, qword(PciBar.MEMORY, 0, 16), new byte[32]))
                .hasMessageContaining("at most the BAR's length 0x10");
    }
}
