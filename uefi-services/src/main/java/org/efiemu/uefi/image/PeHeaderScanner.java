package org.efiemu.uefi.image;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.efiemu.core.memory.GuestMemory;

/**
 * Finds the PE32+ image that holds a guest address by looking backwards, page by page, for a plausible in-memory
 * image header (PE/COFF spec §3 "Overview", §3.4 "Optional Header"): {@code MZ} at a page start, {@code e_lfanew}
 * inside the first page pointing at {@code PE\0\0}, machine AMD64, a PE32+ optional header (magic 0x20B),
 * SectionAlignment a power of two of at least 512, and SizeOfImage reaching past the address. Images are loaded at
 * section-aligned (at least page-aligned) addresses (UEFI 2.10 §7.4.1 LoadImage; EDK2's PeCoffLoader), so only
 * page starts are candidates. Reads guest memory only; pure otherwise.
 */
public final class PeHeaderScanner {
    /** How far back the scan goes: images larger than this (none of the loaders in Debian) are not found. */
    public static final long MAX_DISTANCE = 64L << 20;
    private static final long PAGE = 0x1000;
    private static final int IMAGE_FILE_MACHINE_AMD64 = 0x8664;
    private static final int PE32_PLUS = 0x20B;
    private static final int IMAGE_DEBUG_TYPE_CODEVIEW = 2;

    private PeHeaderScanner() {
    }

    /** The image whose header lies at or below {@code address} (within {@link #MAX_DISTANCE}) and contains it. */
    public static Optional<FoundImage> find(GuestMemory memory, long address) {
        long page = address & ~(PAGE - 1);
        for (long at = page; at >= 0 && address - at <= MAX_DISTANCE; at -= PAGE) {
            if (!memory.isRam(at, 2)) {
                return Optional.empty(); // images are contiguous RAM: a hole ends the search
            }
            long untouched = memory.untouchedRamFloor(at);
            if (untouched <= at) {
                // [untouched, at] is RAM never written (zeros, no header, no hole): go on at the page below it
                at = (untouched & ~(PAGE - 1)) + (untouched % PAGE == 0 ? 0 : PAGE);
                continue;
            }
            if (memory.u16(at) != 0x5A4D) { // "MZ"
                continue;
            }
            Optional<FoundImage> f = at(memory, at);
            if (f.isPresent() && f.get().contains(address)) {
                return f;
            }
        }
        return Optional.empty();
    }

    /** The image whose DOS header is at {@code base}, when the headers there are those of a loaded PE32+ image. */
    public static Optional<FoundImage> at(GuestMemory memory, long base) {
        if (!memory.isRam(base, 0x40) || memory.u16(base) != 0x5A4D) {
            return Optional.empty();
        }
        long lfanew = memory.u32(base + 0x3C);
        if (lfanew < 0x40 || lfanew > PAGE - 0x108 || (lfanew & 3) != 0) {
            return Optional.empty();
        }
        long pe = base + lfanew;
        if (!memory.isRam(pe, 0x108) || memory.u32(pe) != 0x0000_4550L
                || memory.u16(pe + 4) != IMAGE_FILE_MACHINE_AMD64 || memory.u16(pe + 24) != PE32_PLUS) {
            return Optional.empty();
        }
        long opt = pe + 24;
        long entry = memory.u32(opt + 16);
        long sectionAlignment = memory.u32(opt + 32);
        long sizeOfImage = memory.u32(opt + 56);
        long sizeOfHeaders = memory.u32(opt + 60);
        if (sectionAlignment < 512 || Long.bitCount(sectionAlignment) != 1 || sizeOfImage <= sizeOfHeaders
                || sizeOfImage > (1L << 30) || entry >= sizeOfImage || !memory.isRam(base, sizeOfImage)) {
            return Optional.empty();
        }
        String name = codeViewName(memory, base, opt, sizeOfImage)
                .orElse(String.format("image@0x%X", base));
        return Optional.of(new FoundImage(name, base, sizeOfImage, base + entry));
    }

    /** The file name of the CodeView record's PDB path (debug directory, data directory 6), read at its RVA. */
    private static Optional<String> codeViewName(GuestMemory memory, long base, long opt, long sizeOfImage) {
        long dirCount = memory.u32(opt + 108);
        if (dirCount <= 6) {
            return Optional.empty();
        }
        long rva = memory.u32(opt + 112 + 6 * 8);
        long size = memory.u32(opt + 112 + 6 * 8 + 4);
        if (rva == 0 || size < 28 || rva + size > sizeOfImage) {
            return Optional.empty();
        }
        for (long e = 0; e + 28 <= size && e < 28 * 16; e += 28) {
            long entry = base + rva + e;
            long type = memory.u32(entry + 12);
            long dataSize = memory.u32(entry + 16);
            long dataRva = memory.u32(entry + 20);
            if (type != IMAGE_DEBUG_TYPE_CODEVIEW || dataSize < 24 || dataRva + dataSize > sizeOfImage) {
                continue;
            }
            byte[] record = memory.read(base + dataRva, (int) Math.min(dataSize, 1024));
            int from = new String(record, 0, 4, StandardCharsets.ISO_8859_1).equals("RSDS") ? 24
                    : new String(record, 0, 4, StandardCharsets.ISO_8859_1).equals("NB10") ? 16 : -1;
            if (from < 0 || from >= record.length) {
                continue;
            }
            int end = from;
            while (end < record.length && record[end] != 0) {
                end++;
            }
            String path = new String(record, from, end - from, StandardCharsets.UTF_8);
            String file = path.substring(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
            if (!file.isBlank() && file.chars().allMatch(c -> c >= 0x20 && c < 0x7F)) {
                return Optional.of(file);
            }
        }
        return Optional.empty();
    }
}
