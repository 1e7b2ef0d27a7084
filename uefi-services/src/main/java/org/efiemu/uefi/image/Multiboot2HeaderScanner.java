package org.efiemu.uefi.image;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;
import org.efiemu.core.memory.GuestMemory;

/**
 * Finds a kernel that a boot loader placed with multiboot2 (Xen, which GRUB's {@code multiboot2} loads from a 32-bit
 * ELF whose headers do not reach memory) around a guest address: looks backwards from the address, 8-byte aligned,
 * for a Multiboot2 header (Multiboot2 specification §3.1.1 "OS image format": magic {@code 0xE85250D6},
 * architecture 0 (i386), header_length, and a checksum that makes the four fields sum to 0 modulo 2^32; the header
 * lies within the image's first 32 KiB). The image's base: the address tag's {@code load_addr} (§3.1.5) when the
 * header has one, else the relocatable tag's alignment (§3.1.13: the loader placed the image at a multiple of it):
 * the header's address rounded down to it, else the header's page. Its end is known from the address tag only; else
 * the image is taken to reach the address asked about, up to {@link #MAX_UNKNOWN_SIZE} (a later address further on
 * finds the same header again and extends it, {@link ImageRegistry}). Reads guest memory only; pure otherwise.
 */
public final class Multiboot2HeaderScanner {
    /** How far back the scan goes. */
    public static final long MAX_DISTANCE = 64L << 20;
    /**
     * How far an image whose end no address tag gives (an ELF kernel such as Xen: 3.6 MiB with its bss) is taken to
     * reach: addresses further above its header (firmware memory, other allocations) are not attributed to it.
     */
    public static final long MAX_UNKNOWN_SIZE = 16L << 20;
    private static final long MAGIC = 0xE85250D6L;
    private static final int BLOCK = 64 * 1024;
    private static final long PAGE = 0x1000;

    private Multiboot2HeaderScanner() {
    }

    /** The multiboot2 image whose header lies at or below {@code address} (within {@link #MAX_DISTANCE}). */
    public static Optional<FoundImage> find(GuestMemory memory, long address) {
        long lowest = Math.max(0, address - MAX_DISTANCE);
        long blockEnd = (address & ~7L) + 8;
        while (blockEnd > lowest) {
            long blockStart = Math.max(lowest & ~7L, blockEnd - BLOCK);
            int n = (int) (blockEnd - blockStart);
            if (!memory.isRam(blockStart, n)) {
                return Optional.empty(); // an image is contiguous RAM: a hole ends the search
            }
            ByteBuffer b = ByteBuffer.wrap(memory.read(blockStart, n)).order(ByteOrder.LITTLE_ENDIAN);
            for (int off = n - 8; off >= 0; off -= 8) {
                if ((b.getInt(off) & 0xFFFF_FFFFL) == MAGIC) {
                    Optional<FoundImage> f = at(memory, blockStart + off, address);
                    if (f.isPresent()) {
                        return f;
                    }
                }
            }
            blockEnd = blockStart;
        }
        return Optional.empty();
    }

    /** The image whose Multiboot2 header is at {@code header}, when it is a valid one for an image holding {@code address}. */
    static Optional<FoundImage> at(GuestMemory memory, long header, long address) {
        if (!memory.isRam(header, 16)) {
            return Optional.empty();
        }
        long magic = memory.u32(header);
        long arch = memory.u32(header + 4);
        long length = memory.u32(header + 8);
        long checksum = memory.u32(header + 12);
        if (magic != MAGIC || arch != 0 || length < 16 || length > 32 * 1024 || (length & 7) != 0
                || ((magic + arch + length + checksum) & 0xFFFF_FFFFL) != 0 || !memory.isRam(header, length)) {
            return Optional.empty();
        }
        if (insideElfFile(memory, header)) {
            return Optional.empty();
        }
        long base = header & ~(PAGE - 1);
        long end = -1;
        boolean addressed = false;
        for (long tag = header + 16; tag + 8 <= header + length; ) {
            int type = memory.u16(tag);
            long size = memory.u32(tag + 4);
            if (type == 0 || size < 8 || tag + size > header + length) {
                break;
            }
            if (type == 2 && size >= 24) { // address tag: header_addr, load_addr, load_end_addr, bss_end_addr
                long headerAddr = memory.u32(tag + 8);
                long loadAddr = memory.u32(tag + 12);
                long loadEnd = memory.u32(tag + 16);
                long bssEnd = memory.u32(tag + 20);
                if (headerAddr >= loadAddr && headerAddr - loadAddr <= header) {
                    addressed = true;
                    base = header - (headerAddr - loadAddr);
                    long last = Math.max(loadEnd, bssEnd);
                    if (last > loadAddr) {
                        end = base + (last - loadAddr);
                    }
                }
            } else if (type == 10 && size >= 24) { // relocatable tag: min_addr, max_addr, align, preference
                long align = memory.u32(tag + 16);
                if (!addressed && align >= PAGE && Long.bitCount(align) == 1
                        && header - (header & -align) < 32 * 1024) {
                    base = header & -align;
                }
            }
            tag += (size + 7) & ~7L;
        }
        if (address < base) {
            return Optional.empty();
        }
        if (end <= base && address - base >= MAX_UNKNOWN_SIZE) {
            return Optional.empty();
        }
        long size = end > base ? end - base : ((address - base) | (PAGE - 1)) + 1;
        if (address - base >= size) {
            return Optional.empty();
        }
        return Optional.of(new FoundImage(String.format("multiboot2@0x%X", base), base, size, header,
                "multiboot2 header"));
    }

    /**
     * True when an ELF file header ({@code 7F 45 4C 46}, 16-byte aligned) lies within 32 KiB below the Multiboot2
     * header: that is the image file as a loader read it into its own buffers (GRUB keeps the decompressed ELF in its
     * heap), not the kernel it placed, whose ELF headers do not reach memory.
     */
    private static boolean insideElfFile(GuestMemory memory, long header) {
        long from = Math.max(0, header - 32 * 1024) & ~15L;
        int n = (int) (header - from);
        if (n <= 0 || !memory.isRam(from, n)) {
            return false;
        }
        byte[] bytes = memory.read(from, n);
        for (int i = 0; i + 4 <= n; i += 16) {
            if (bytes[i] == 0x7F && bytes[i + 1] == 'E' && bytes[i + 2] == 'L' && bytes[i + 3] == 'F') {
                return true;
            }
        }
        return false;
    }
}
